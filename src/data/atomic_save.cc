// save_atomic: NAME.inter, NAME.item and NAME.user, written to temporary
// files and renamed into place only once all three are complete.
#include <algorithm>

#include <fmt/format.h>

#include "data/atomic_output.h"
#include "invr/atomic_io.h"
#include "invr/error.h"

namespace invr {
namespace fs = std::filesystem;
using data::check_writable;

namespace {

void write_inter(const Dataset& d, data::AtomicOutput& out) {
  const Interactions& rows = d.interactions;
  const bool with_time = d.has_timestamps();
  const bool with_event = std::any_of(rows.event.begin(), rows.event.end(),
                                      [](EventType e) { return e != EventType::interaction; });
  const bool with_value =
      std::any_of(rows.value.begin(), rows.value.end(), [](float v) { return v != 1.0f; });
  out.write("user_id:token\titem_id:token");
  if (with_time) out.write("\ttimestamp:float");
  if (with_event) out.write("\tevent_type:token");
  if (with_value) out.write("\tvalue:float");
  out.write("\n");
  auto& buffer = out.buffer();
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows.user[r] < 0 || static_cast<std::size_t>(rows.user[r]) >= d.users.size() ||
        rows.item[r] < 0 || static_cast<std::size_t>(rows.item[r]) >= d.items.size())
      throw UsageError(fmt::format("cannot save dataset {}: interaction {} has user {} and item {}, "
                                   "but there are {} users and {} items",
                                   d.name, r, rows.user[r], rows.item[r], d.users.size(),
                                   d.items.size()));
    out.write(d.users.id(rows.user[r]));
    out.write("\t");
    out.write(d.items.id(rows.item[r]));
    // "{}" is the shortest representation that reads back to the same value.
    if (with_time) {
      out.write("\t");
      if (has_time(rows.timestamp[r]))
        fmt::format_to(std::back_inserter(buffer), "{}", rows.timestamp[r]);
    }
    if (with_event) {
      out.write("\t");
      out.write(event_type_name(rows.event[r]));
    }
    if (with_value) fmt::format_to(std::back_inserter(buffer), "\t{}", rows.value[r]);
    out.write("\n");
    out.flush_if_full();
  }
}

void write_items(const Dataset& d, data::AtomicOutput& out) {
  const ItemTable& table = d.item_table;
  // A dataset without an item table: every item is its own producer.
  const bool own_producers = table.size() == 0;
  const bool with_time = std::any_of(table.publish_time.begin(), table.publish_time.end(),
                                     [](double t) { return has_time(t); });
  const bool with_tokens = !table.tokens.empty();
  out.write("item_id:token\tproducer_id:token");
  if (with_time) out.write("\tpublish_time:float");
  if (with_tokens) out.write("\ttokens:token_seq");
  out.write("\n");
  auto& buffer = out.buffer();
  for (std::size_t i = 0; i < d.items.size(); ++i) {
    const auto item = static_cast<Index>(i);
    out.write(d.items.id(item));
    out.write("\t");
    out.write(own_producers ? d.items.id(item) : d.producers.id(table.producer[i]));
    if (with_time) {
      out.write("\t");
      if (has_time(table.publish_time[i]))
        fmt::format_to(std::back_inserter(buffer), "{}", table.publish_time[i]);
    }
    if (with_tokens) {
      out.write("\t");
      bool first = true;
      for (Index token : table.item_tokens(item)) {
        const std::string& text = d.tokens.id(token);
        check_writable(text, fmt::format("token of item {}", d.items.id(item)), false);
        if (!first) out.write(" ");
        out.write(text);
        first = false;
      }
    }
    out.write("\n");
    out.flush_if_full();
  }
}

}  // namespace

void save_atomic(const Dataset& dataset, const fs::path& dir, const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos)
    throw UsageError(
        fmt::format("invalid dataset name '{}': expected a file name without '/'", name));
  if (dataset.item_table.size() != 0 && dataset.item_table.size() != dataset.items.size())
    throw UsageError(fmt::format("cannot save dataset {}: {} items but {} item table rows",
                                 dataset.name, dataset.items.size(), dataset.item_table.size()));
  // A header-only NAME.inter would not load again.
  if (dataset.interactions.size() == 0)
    throw UsageError(fmt::format("cannot save dataset {}: it has no interactions", dataset.name));
  // Reject ids that cannot be fields before writing anything.
  for (const auto& id : dataset.users.ids()) check_writable(id, "user id");
  for (const auto& id : dataset.items.ids()) check_writable(id, "item id");
  for (const auto& id : dataset.producers.ids()) check_writable(id, "producer id");

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("cannot create directory {}: {}", dir.string(), ec.message()));
  // All three files are complete on disk before any is renamed into place.
  data::AtomicOutput inter(dir / (name + ".inter"));
  data::AtomicOutput item(dir / (name + ".item"));
  data::AtomicOutput user(dir / (name + ".user"));
  write_inter(dataset, inter);
  write_items(dataset, item);
  // NAME.user keeps user order (and users without interactions) across a round trip.
  user.write("user_id:token\n");
  for (const auto& id : dataset.users.ids()) {
    user.write(id);
    user.write("\n");
    user.flush_if_full();
  }
  inter.finish();
  item.finish();
  user.finish();
  inter.commit();
  item.commit();
  user.commit();
}

}  // namespace invr
