// New items for a live world (POST /v1/items; docs/serving_http.md, "Live
// state"): a new snapshot whose catalog is the old one with the items
// appended, embedded by the model's item tower on their content (ColdStart::
// content: producer, tokens, age; their ids are unknown to the model), and
// whose retrieval index is rebuilt. Users and their embeddings are shared
// with the old snapshot.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "serving/server_world.h"

namespace invr::serving {

struct NewItem {
  std::string id;
  std::string producer;
  double publish_time = kNoTime;
  std::vector<std::string> tokens;  // finished tokens ("genre=Comedy"), no spaces
};

// `world` with `items` appended (ids new to the catalog and to each other:
// the caller checks). Costs a copy of the catalog (items x dim floats) and a
// rebuild of the retrieval index, so clients post items in batches.
std::shared_ptr<const ServingWorld> with_new_items(const ServingWorld& world,
                                                   std::span<const NewItem> items);

// `world` with the items of the item log at `path` that its catalog lacks, in
// log order (the same snapshot if none): what a restart or a new model adds
// to the dataset's items. DataError/IoError as the log's reader throws them.
std::shared_ptr<const ServingWorld> with_logged_items(std::shared_ptr<const ServingWorld> world,
                                                      const std::filesystem::path& path);

// The item log's header (an atomic .item file; docs/serving_http.md).
inline constexpr std::string_view kItemLogHeader =
    "item_id:token\tproducer_id:token\tpublish_time:float\ttokens:token_seq\n";
// One item as an item-log line (with its line end).
std::string item_line(const NewItem& item);
// The items of an item log (load_atomic_items' reader), in file order.
std::vector<NewItem> read_item_log(const std::filesystem::path& path);

}  // namespace invr::serving
