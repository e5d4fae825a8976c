// RecBole atomic files: invr's primary on-disk dataset format.
//
// A dataset NAME in folder DIR is DIR/NAME.inter (required), DIR/NAME.item
// (optional; without it every item is its own producer) and DIR/NAME.user
// (optional, read for ids only). Each is tab-separated, UTF-8, with a typed
// header such as "user_id:token<TAB>item_id:token<TAB>timestamp:float".
// Column names and types are listed in docs/formats.md.
//
// Loading is all-or-nothing: any bad row throws DataError naming file, line
// and column, and no partially filled Dataset is returned. Saving writes to
// temporary files and renames them into place, so a reader never sees a
// half-written dataset.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "invr/data.h"

namespace invr {

// Process-wide default of AtomicLoadOptions::cache: off for a library caller
// (nothing is written next to the caller's data unless asked); the invr CLI
// sets it on at start, and its --no-load-cache leaves it off.
void set_load_cache_default(bool enabled);
bool load_cache_default();

struct AtomicLoadOptions {
  // Column of NAME.item that holds the producer (publisher, artist, brand).
  std::string producer_column = "producer_id";
  // Report progress while reading (to the ProgressScope's callback, or bars
  // where the program turned them on; invr/progress.h).
  bool progress = true;
  // The load cache (src/data/inter_cache.h): after parsing a NAME.inter of at
  // least cache_min_bytes, keep a binary copy next to it (NAME.inter.cache),
  // and load from that copy while NAME.inter, .item and .user are unchanged.
  // Writing it is best effort: a read-only folder just means no cache.
  bool cache = load_cache_default();
  std::uint64_t cache_min_bytes = std::uint64_t{64} << 20;
  // Keep only the users of shard `shard_index` of `shard_count`
  // (user_shard(), invr/data.h) and their rows: the sharded job's loader
  // (docs/distributed.md). Every row is still parsed and checked, and items
  // are numbered as in the whole file. The load cache is not used.
  int shard_index = 0;
  int shard_count = 1;
};

// Finds the dataset name in dir: the stem of the single *.inter file there.
// Throws UsageError if there is none or several.
std::string find_atomic_name(const std::filesystem::path& dir);

// Loads dir/name.{inter,item,user}. name empty means find_atomic_name(dir).
// Throws IoError when name.inter cannot be read, DataError for bad content.
Dataset load_atomic(const std::filesystem::path& dir, const std::string& name = "",
                    const AtomicLoadOptions& options = {});

// A user shard of a dataset (AtomicLoadOptions::shard_count > 1): its
// dataset holds the shard's users only, numbered in the whole dataset's order,
// their rows and every item. global_user[u] is local user u's index in the
// whole dataset (ascending; u itself for a whole dataset, shard_count 1);
// total_users and total_interactions count the whole dataset.
struct DatasetShard {
  Dataset dataset;
  std::vector<std::int64_t> global_user;
  std::size_t total_users = 0;
  std::size_t total_interactions = 0;
};
// load_atomic for options' shard (a whole dataset when shard_count is 1).
DatasetShard load_atomic_shard(const std::filesystem::path& dir, const std::string& name,
                               const AtomicLoadOptions& options);

// Loads only the catalog dir/name.item (required): items, producers, tokens
// and the item table, with no users or interactions. For tools that need the
// items of a dataset whose interactions live elsewhere (exposure logs).
Dataset load_atomic_items(const std::filesystem::path& dir, const std::string& name,
                          const AtomicLoadOptions& options = {});

// Writes dir/name.inter, dir/name.item and dir/name.user (creating dir).
// Columns without data (no timestamps, no tokens) are left out; ids that
// cannot be tab-separated fields (empty, or holding a tab or line break) and
// tokens holding a space throw UsageError before anything is written.
void save_atomic(const Dataset& dataset, const std::filesystem::path& dir, const std::string& name);

}  // namespace invr
