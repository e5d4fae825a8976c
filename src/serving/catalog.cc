// The assembler's copy of the item side of a Dataset, and the popularity
// count the history-less fallback ranks by.
#include <algorithm>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/slate.h"

namespace invr {

SlateCatalog make_catalog(const Dataset& dataset, Matrix item_embeddings,
                          std::vector<double> popularity) {
  const std::size_t items = dataset.items.size();
  if (item_embeddings.rows != items)
    throw UsageError(fmt::format("item embeddings have {} rows, the dataset has {} items",
                                 item_embeddings.rows, items));
  if (popularity.size() != items)
    throw UsageError(fmt::format("popularity has {} entries, the dataset has {} items",
                                 popularity.size(), items));
  SlateCatalog catalog;
  catalog.item_ids = dataset.items;
  catalog.producer = dataset.item_table.producer;
  catalog.publish_time = dataset.item_table.publish_time;
  // Datasets without an item table know nothing of producers or times.
  catalog.producer.resize(items, kNoIndex);
  catalog.publish_time.resize(items, kNoTime);
  catalog.embeddings = std::move(item_embeddings);
  catalog.popularity = std::move(popularity);
  return catalog;
}

std::vector<double> item_popularity(const Dataset& dataset, double as_of) {
  std::vector<double> counts(dataset.items.size(), 0.0);
  const Interactions& events = dataset.interactions;
  const bool cut = has_time(as_of);
  for (std::size_t row = 0; row < events.size(); ++row) {
    if (!is_positive(events.event[row])) continue;
    // An event with no timestamp cannot be placed before a cut.
    if (cut && !(events.timestamp[row] < as_of)) continue;
    counts[static_cast<std::size_t>(events.item[row])] += 1.0;
  }
  return counts;
}

std::vector<Index> catalog_items(const SlateCatalog& catalog, std::span<const std::string> ids) {
  return catalog_items(catalog.item_ids, ids);
}

std::vector<Index> catalog_items(const IdMap& item_ids, std::span<const std::string> ids) {
  std::vector<Index> items;
  items.reserve(ids.size());
  for (const std::string& id : ids) {
    // A generation may name items this catalog never loaded (aged out).
    const Index item = item_ids.find(id);
    if (item != kNoIndex) items.push_back(item);
  }
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  return items;
}

}  // namespace invr
