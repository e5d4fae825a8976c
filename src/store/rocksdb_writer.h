// Writes one generation of a RocksDB store: sorted runs → one ingested DB →
// manifest → CURRENT (the commit point). Holds the store's writer lock for its
// whole life.
#pragma once

#include <memory>
#include <string>

#include "invr/store.h"
#include "store/rocksdb_layout.h"

namespace invr::store {

// Takes the writer lock (IoError if another writer holds it), refuses a
// committed id (UsageError), removes leftovers of dead writers.
std::unique_ptr<GenerationWriter> begin_rocksdb_generation(const std::string& uri, const RocksDbPaths& paths,
                                                           const StoreOptions& options, std::string_view id);

// Drops expired generations from CURRENT, then deletes every unlisted folder.
// Caller holds the writer lock. Returns the removed ids.
std::vector<std::string> remove_expired_locked(const RocksDbPaths& paths, StoreState& state, double grace_seconds,
                                               std::int64_t now_ms);

}  // namespace invr::store
