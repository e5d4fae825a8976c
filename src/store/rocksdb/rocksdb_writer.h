// Writes one generation of a RocksDB store: sorted runs → one ingested DB →
// manifest → CURRENT (the commit point). Holds the store's writer lock for its
// whole life.
#pragma once

#include <memory>
#include <string>

#include "invr/store.h"
#include "store/rocksdb/rocksdb_layout.h"

namespace invr::store {

// Takes the writer lock (IoError if another writer holds it), refuses a
// committed id (UsageError), removes leftovers of dead writers.
std::unique_ptr<GenerationWriter> begin_rocksdb_generation(const std::string& uri, const RocksDbPaths& paths,
                                                           const StoreOptions& options, std::string_view id);

// A part writer of generation `id`, begun by a writer in another process
// (UsageError when generations/ID/runs does not exist: none began it).
std::unique_ptr<GenerationPart> join_rocksdb_generation(const std::string& uri, const RocksDbPaths& paths,
                                                        const StoreOptions& options, std::string_view id,
                                                        int part);
// Part `part`'s sorted files and user count from its done record; UsageError
// when the part has not finished.
std::pair<std::vector<std::string>, std::size_t> read_rocksdb_part(const std::string& uri, const RocksDbPaths& paths,
                                                                   std::string_view id, int part);

// Drops expired generations from CURRENT, then deletes every unlisted folder.
// Caller holds the writer lock. Returns the removed ids.
std::vector<std::string> remove_expired_locked(const RocksDbPaths& paths, StoreState& state, double grace_seconds,
                                               std::int64_t now_ms);

}  // namespace invr::store
