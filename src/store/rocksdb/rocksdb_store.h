// The RocksDB backend (layout in rocksdb_layout.h, protocol in docs/store.md),
// inside the plugin libinvr_rocksdb.so: the host reaches it through
// RocksDbPluginApi (store/rocksdb_plugin_api.h).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "invr/store.h"
#include "store/read_hook.h"

namespace invr::store {

// IoError when the directory is missing (and create_if_missing is false) or
// cannot be created; DataError when its CURRENT file is malformed. Its
// readers call `run_read_hook` (the host's) around their pin.
std::unique_ptr<CandidateStore> open_rocksdb_store(std::string uri, const std::filesystem::path& root,
                                                   const StoreOptions& options, ReadHookRunner run_read_hook);

}  // namespace invr::store
