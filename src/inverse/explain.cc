// explain(): the selection's counts per rule, for logs and for the job's
// error when nothing is left to do.
#include <fmt/format.h>

#include "invr/inverse.h"

namespace invr {

std::string explain(const Selection& selection) {
  const SelectionCounts& c = selection.counts;
  std::string out;
  if (has_time(selection.as_of)) {
    out += fmt::format("as of {:.0f} (seconds since the epoch)\n", selection.as_of);
  } else {
    out += "no timestamps: time rules skipped\n";
  }
  if (selection.all_items) {
    out += fmt::format("all items: {} producers have eligible items\n",
                       selection.producers.size());
  } else {
    out += fmt::format(
        "producers: {} in the dataset, {} in the long tail (by {} in the window), {} below "
        "the quality floor, {} with too few fresh items, {} selected\n",
        c.producers, c.producers_long_tail,
        selection.exposure_is_impressions ? "impressions" : "positive events",
        c.producers_low_quality, c.producers_few_items, selection.producers.size());
  }
  out += fmt::format(
      "items: {} in the dataset, {} not yet published, {} too old, {} undated (kept), {} "
      "selected\n",
      c.items, c.items_not_yet_published, c.items_too_old, c.items_undated,
      selection.items.size());
  out += fmt::format(
      "users: {} in the dataset, {} inactive, {} with too few positive events, {} selected\n",
      c.users, c.users_inactive, c.users_few_interactions, selection.users.size());
  if (selection.items.empty()) {
    if (!selection.all_items && selection.producers.empty()) {
      out += "nothing to do: no producer passed the long-tail rules "
             "(long_tail_share, min_quality, min_items)\n";
    } else {
      out += "nothing to do: no item passed the age rules (max_item_age_days, as_of)\n";
    }
  }
  if (selection.users.empty())
    out += "nothing to do: no user passed the user rules (active_days, min_interactions)\n";
  return out;
}

}  // namespace invr
