// The load cache: a binary copy of a parsed NAME.inter (and the user ids of
// NAME.user), kept next to it as NAME.inter.cache, that load_atomic reads
// instead of parsing the text again while NAME.inter, NAME.item and NAME.user
// are unchanged (the way RecBole's
// save_dataset or LightGBM's binary dataset spare a re-parse).
//
// Staleness: a cache records a stamp of each source file (size, inode,
// device, modification and change times in nanoseconds) and is used only
// while every stamp still matches. The change time moves on any write, even
// one that restores the size and modification time. File times tick with the
// kernel's coarse clock, so a cache is never written for a file changed in the
// last kRacySeconds: a later change would be too close to tell apart (git's
// "racily clean" rule).
//
// Safety: a cache is written to a temporary file and renamed into place, and
// a cache that is stale, truncated, from another format version or holding an
// index out of range is ignored (and rewritten by the next parse): a bad cache
// costs a re-parse, never a wrong or half-loaded dataset.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "data/atomic_ids.h"
#include "invr/data.h"

namespace invr::data {

constexpr double kRacySeconds = 1.0;

// What identifies one version of a file on disk.
struct FileStamp {
  std::uint64_t size = 0, inode = 0, device = 0;
  std::int64_t modified_ns = 0, changed_ns = 0;
  bool operator==(const FileStamp&) const = default;
};
// nullopt when path does not exist or cannot be stat'ed.
std::optional<FileStamp> stamp_file(const std::filesystem::path& path);
// True when the file changed less than kRacySeconds ago (by the system clock).
bool changed_recently(const FileStamp& stamp);

// Everything a load of NAME.inter and NAME.user depends on: their bytes, and
// the items the .item file defined before them (their number, and its stamp,
// which fixes their order).
struct InterCacheKey {
  FileStamp inter;
  std::optional<FileStamp> item, user;
  std::uint64_t items_before = 0;
};

// True when the three files still have key's stamps (absent ones still
// absent) and none changed in the last kRacySeconds: a parse of them is worth
// caching.
bool settled(const InterCacheKey& key, const std::filesystem::path& inter,
             const std::filesystem::path& item, const std::filesystem::path& user);

// NAME.inter -> NAME.inter.cache
std::filesystem::path inter_cache_path(const std::filesystem::path& inter_path);

// The cached rows of NAME.inter when `cache` exists and matches key, after
// adding every user (those of NAME.user, then those NAME.inter met) to the
// empty users, and the items NAME.inter met to items (which holds those of
// NAME.item). nullopt, with the reason in the debug log, when it is absent,
// stale or damaged; users and items may then hold extra ids and must be
// dropped. Never throws for a bad cache file.
std::optional<Interactions> read_inter_cache(const std::filesystem::path& cache,
                                             const InterCacheKey& key, IdMap& users, IdMap& items);

// Writes the cache of a load that found `users` (all of them) and added items
// [key.items_before, items.size()): to a temporary file, renamed into place
// when complete, and says so in the log (info). Returns false, logging why,
// when it cannot (a read-only directory, a full disk); the load goes on either way.
bool write_inter_cache(const std::filesystem::path& cache, const InterCacheKey& key,
                       const FastIdIndex& users, const FastIdIndex& items,
                       const Interactions& interactions);

}  // namespace invr::data
