// with_new_items: catalog + content cold-start embeddings -> a new snapshot;
// the item log's line format and reader.
#include "serving/world_items.h"

#include <algorithm>

#include <fmt/format.h>

#include "invr/atomic_io.h"
#include "invr/error.h"

namespace invr::serving {

std::shared_ptr<const ServingWorld> with_new_items(const ServingWorld& world,
                                                   std::span<const NewItem> items) {
  auto next = std::make_shared<ServingWorld>(world);  // shares users, model
  auto content = std::make_shared<ItemContent>(*world.content);
  Dataset fresh;  // the new items alone, for the item tower
  std::vector<Index> token_rows, fresh_token_rows;
  for (const NewItem& item : items) {
    token_rows.clear();
    fresh_token_rows.clear();
    for (const std::string& token : item.tokens) {
      token_rows.push_back(content->tokens.add(token));
      fresh_token_rows.push_back(fresh.tokens.add(token));
    }
    content->table.push_back(next->producers.add(item.producer), item.publish_time, token_rows);
    fresh.items.add(item.id);
    fresh.item_table.push_back(fresh.producers.add(item.producer), item.publish_time, fresh_token_rows);
  }
  EmbedOptions options;
  // Ages as for the dataset's items (embedded after its last event).
  options.as_of = world.data_end_time;
  options.cold_start = ColdStart::content;
  const Matrix rows = world.model->embed_items(fresh, options);
  const SlateCatalog& old = world.assembler->catalog();
  if (rows.rows != items.size() || rows.cols != old.embeddings.cols)
    throw Error(fmt::format("the model embedded {} new items as {} x {}, expected {} x {}", items.size(),
                            rows.rows, rows.cols, items.size(), old.embeddings.cols));

  SlateCatalog catalog;
  catalog.item_ids = old.item_ids;
  catalog.producer = old.producer;
  catalog.publish_time = old.publish_time;
  catalog.popularity = old.popularity;
  catalog.embeddings = Matrix(old.embeddings.rows + rows.rows, old.embeddings.cols);
  std::copy(old.embeddings.data.begin(), old.embeddings.data.end(), catalog.embeddings.data.begin());
  std::copy(rows.data.begin(), rows.data.end(),
            catalog.embeddings.data.begin() + static_cast<std::ptrdiff_t>(old.embeddings.data.size()));
  const std::size_t first = content->table.size() - items.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    catalog.item_ids.add(items[i].id);
    catalog.producer.push_back(content->table.producer[first + i]);
    catalog.publish_time.push_back(items[i].publish_time);
    catalog.popularity.push_back(0);  // no events yet
  }
  next->assembler = std::make_shared<SlateAssembler>(std::move(catalog), world.assembler->params(),
                                                     world.assembler->retrieval_spec());
  next->content = std::move(content);
  return next;
}

std::shared_ptr<const ServingWorld> with_logged_items(std::shared_ptr<const ServingWorld> world,
                                                      const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::file_size(path, ec) <= kItemLogHeader.size() || ec) return world;  // no items yet
  const IdMap& known = world->assembler->catalog().item_ids;
  std::vector<NewItem> added;
  for (auto& item : read_item_log(path))
    if (known.find(item.id) == kNoIndex) added.push_back(std::move(item));
  if (added.empty()) return world;
  return with_new_items(*world, added);
}

std::string item_line(const NewItem& item) {
  std::string line = item.id + '\t' + item.producer + '\t';
  if (has_time(item.publish_time)) line += fmt::format("{}", item.publish_time);
  line += '\t';
  for (std::size_t i = 0; i < item.tokens.size(); ++i) {
    if (i > 0) line += ' ';
    line += item.tokens[i];
  }
  return line + '\n';
}

std::vector<NewItem> read_item_log(const std::filesystem::path& path) {
  AtomicLoadOptions options;
  options.progress = false;
  options.cache = false;
  const Dataset logged = load_atomic_items(path.parent_path(), path.stem().string(), options);
  std::vector<NewItem> items(logged.items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto row = static_cast<Index>(i);
    items[i].id = logged.items.id(row);
    if (i < logged.item_table.size()) {
      const Index producer = logged.item_table.producer[i];
      items[i].producer = producer == kNoIndex ? items[i].id : logged.producers.id(producer);
      items[i].publish_time = logged.item_table.publish_time[i];
      for (Index token : logged.item_table.item_tokens(row)) items[i].tokens.push_back(logged.tokens.id(token));
    }
  }
  return items;
}

}  // namespace invr::serving
