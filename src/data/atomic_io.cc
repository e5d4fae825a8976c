// load_atomic and find_atomic_name: find the files of a dataset, read each
// (atomic_inter.cc, atomic_item.cc) and assemble the Dataset only when every
// file has been read without error.
#include "invr/atomic_io.h"

#include <algorithm>
#include <atomic>
#include <numeric>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "data/atomic_load.h"
#include "data/inter_cache.h"
#include "invr/error.h"
#include "invr/log.h"

namespace invr {
namespace fs = std::filesystem;

std::string find_atomic_name(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UsageError(fmt::format("{} is not a directory", dir.string()));
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().extension() == ".inter") names.push_back(entry.path().stem().string());
  if (ec) throw IoError(fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  if (names.empty())
    throw UsageError(
        fmt::format("no .inter file in {}; expected a RecBole dataset NAME.inter", dir.string()));
  if (names.size() > 1) {
    std::sort(names.begin(), names.end());
    throw UsageError(fmt::format("several datasets in {} ({}); name the one to load", dir.string(),
                                 fmt::join(names, ", ")));
  }
  return names.front();
}

namespace {
// Off: a library writes no file next to its caller's data unless asked
// (CONTRIBUTING.md, convention 7). The CLI turns it on.
std::atomic<bool> cache_default{false};
}  // namespace

void set_load_cache_default(bool enabled) { cache_default = enabled; }
bool load_cache_default() { return cache_default; }

namespace {
// Keeps the shard's users (user_shard; NAME.user's too, with or without
// rows), renumbered in whole-file order, and points the rows at them.
void keep_shard_users(const data::FastIdIndex& users, const AtomicLoadOptions& options,
                      DatasetShard& out) {
  Interactions& rows = out.dataset.interactions;
  std::vector<Index> local(users.size(), kNoIndex);
  for (std::size_t u = 0; u < users.size(); ++u) {
    const std::string_view id = users.id(static_cast<Index>(u));
    if (user_shard(id, options.shard_count) != options.shard_index) continue;
    local[u] = static_cast<Index>(out.global_user.size());
    out.global_user.push_back(static_cast<std::int64_t>(u));
    out.dataset.users.add(id);
  }
  for (Index& user : rows.user) user = local[static_cast<std::size_t>(user)];
}
}  // namespace

namespace {
DatasetShard load(const fs::path& dir, const std::string& name, const AtomicLoadOptions& options);
}  // namespace

Dataset load_atomic(const fs::path& dir, const std::string& name,
                    const AtomicLoadOptions& options) {
  if (options.shard_count != 1)
    throw UsageError("load_atomic: a shard (shard_count > 1) is load_atomic_shard's");
  return load(dir, name, options).dataset;
}

DatasetShard load_atomic_shard(const fs::path& dir, const std::string& name,
                               const AtomicLoadOptions& options) {
  DatasetShard shard = load(dir, name, options);
  if (options.shard_count == 1) {  // the whole dataset: each user is its own index
    shard.global_user.resize(shard.dataset.users.size());
    std::iota(shard.global_user.begin(), shard.global_user.end(), std::int64_t{0});
  }
  return shard;
}

namespace {
DatasetShard load(const fs::path& dir, const std::string& name, const AtomicLoadOptions& options) {
  if (options.shard_count < 1 || options.shard_index < 0 ||
      options.shard_index >= options.shard_count)
    throw UsageError(fmt::format("load_atomic: shard {} of {} does not exist", options.shard_index,
                                 options.shard_count));
  const bool sharded = options.shard_count > 1;
  const std::string dataset_name = name.empty() ? find_atomic_name(dir) : name;
  if (dataset_name.find('/') != std::string::npos)
    throw UsageError(fmt::format("dataset name {} must not contain '/'", dataset_name));
  const fs::path inter_path = dir / (dataset_name + ".inter");
  const fs::path item_path = dir / (dataset_name + ".item");
  const fs::path user_path = dir / (dataset_name + ".user");

  // Stamps come before any read, so a file changed while it is read leaves a stale key.
  data::InterCacheKey key;
  const auto inter_stamp = data::stamp_file(inter_path);
  key.item = data::stamp_file(item_path);
  key.user = data::stamp_file(user_path);
  if (inter_stamp) key.inter = *inter_stamp;
  const bool use_cache = !sharded && options.cache && inter_stamp &&
                         inter_stamp->size >= options.cache_min_bytes;

  std::optional<data::ItemFile> item_file;
  if (key.item) item_file = data::read_item_file(item_path, options);
  data::FastIdIndex inter_items;
  data::FastIdIndex& items = item_file ? item_file->items : inter_items;
  key.items_before = items.size();
  const fs::path cache_path = data::inter_cache_path(inter_path);

  DatasetShard shard;
  Dataset& dataset = shard.dataset;
  dataset.name = dataset_name;
  bool from_cache = false;
  if (use_cache) {
    // The cache holds the users of NAME.user too: a hit skips that file.
    dataset.items = items.to_id_map();
    if (auto rows = data::read_inter_cache(cache_path, key, dataset.users, dataset.items)) {
      dataset.interactions = std::move(*rows);
      from_cache = true;
    } else {
      dataset.users = IdMap();
    }
  }
  if (!from_cache) {
    data::FastIdIndex users;
    if (key.user) data::read_user_file(user_path, users);
    Interactions interactions;
    shard.total_interactions = data::read_inter_file(
        inter_path, item_file ? item_path.filename().string() : std::string(), users, items,
        interactions, options);
    if (use_cache && data::settled(key, inter_path, item_path, user_path))
      data::write_inter_cache(cache_path, key, users, items, interactions);
    shard.total_users = users.size();
    dataset.items = items.to_id_map();
    dataset.interactions = std::move(interactions);
    if (sharded) {
      keep_shard_users(users, options, shard);
    } else {
      dataset.users = users.to_id_map();
    }
  } else {
    shard.total_users = dataset.users.size();
    shard.total_interactions = dataset.interactions.size();
  }

  if (item_file) {
    dataset.producers = std::move(item_file->producers);
    dataset.tokens = std::move(item_file->tokens);
    dataset.item_table = std::move(item_file->table);
  } else {
    // No item file: every item is its own producer, with the item's id.
    dataset.producers = dataset.items;
    dataset.item_table.producer.reserve(dataset.items.size());
    for (std::size_t i = 0; i < dataset.items.size(); ++i)
      dataset.item_table.push_back(static_cast<Index>(i), kNoTime, {});
  }
  invr::logger().debug("loaded {} from {}{}: {} interactions, {} users, {} items, {} producers",
                       dataset_name, dir.string(), from_cache ? " (its load cache)" : "",
                       dataset.interactions.size(), dataset.users.size(), dataset.items.size(),
                       dataset.producers.size());
  return shard;
}
}  // namespace

Dataset load_atomic_items(const fs::path& dir, const std::string& name,
                          const AtomicLoadOptions& options) {
  if (name.empty() || name.find('/') != std::string::npos)
    throw UsageError(fmt::format("invalid dataset name '{}': expected a file name without '/'", name));
  data::ItemFile item_file = data::read_item_file(dir / (name + ".item"), options);
  Dataset dataset;
  dataset.name = name;
  dataset.items = item_file.items.to_id_map();
  dataset.producers = std::move(item_file.producers);
  dataset.tokens = std::move(item_file.tokens);
  dataset.item_table = std::move(item_file.table);
  return dataset;
}

}  // namespace invr
