// Dataset statistics; the concentration figures reuse invr::concentration so
// "top-1% share" means the same thing for data and for exposure.
#include <algorithm>
#include <string>

#include "invr/error.h"
#include "invr/stats.h"

namespace invr {

DatasetStats dataset_stats(const Dataset& dataset) {
  const auto& rows = dataset.interactions;
  DatasetStats out;
  out.users = dataset.users.size();
  out.items = dataset.items.size();
  out.interactions = rows.size();
  if (dataset.item_table.size() != out.items)
    throw UsageError("dataset has " + std::to_string(out.items) + " items but an item table of " +
                     std::to_string(dataset.item_table.size()));

  std::vector<std::uint64_t> per_item(out.items, 0);
  std::vector<std::uint64_t> pairs;
  pairs.reserve(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Index item = rows.item[r];
    if (item < 0 || static_cast<std::size_t>(item) >= out.items)
      throw UsageError("interaction row " + std::to_string(r) + " has item index " +
                       std::to_string(item) + " outside the item map");
    pairs.push_back((static_cast<std::uint64_t>(static_cast<std::uint32_t>(rows.user[r])) << 32) |
                    static_cast<std::uint32_t>(item));
    if (is_positive(rows.event[r])) {
      ++per_item[static_cast<std::size_t>(item)];
      ++out.positive_interactions;
    }
    const double t = rows.timestamp[r];
    if (!has_time(t)) continue;
    if (!has_time(out.first_time) || t < out.first_time) out.first_time = t;
    if (!has_time(out.last_time) || t > out.last_time) out.last_time = t;
  }
  std::sort(pairs.begin(), pairs.end());
  out.user_item_pairs =
      static_cast<std::size_t>(std::unique(pairs.begin(), pairs.end()) - pairs.begin());
  if (out.users > 0 && out.items > 0)
    out.density = static_cast<double>(out.user_item_pairs) /
                  (static_cast<double>(out.users) * static_cast<double>(out.items));

  const auto per_producer = producer_totals(per_item, dataset.item_table.producer);
  out.producers = per_producer.size();
  out.item_interactions = concentration(per_item);
  out.producer_interactions = concentration(per_producer);
  return out;
}

}  // namespace invr
