// The interface between the store stage and its RocksDB backend, which is
// built as a plugin (libinvr_rocksdb.so, src/store/rocksdb/) and loaded the
// first time a RocksDB store is opened (common/plugin_loader.h).
// Why a plugin: linking librocksdb (and its compression libraries) costs
// every process about 12 ms of dynamic loading and static initialisation at
// start (on the 2-core development VM: a hello-world linked to it starts in
// 15.5 ms, 2.8 ms without); `invr topk`, `generate`, `simulate`, the test
// binaries and the Python module mostly never open a RocksDB store.
//
// The plugin links its own hidden copies of the static invr code it needs
// (common, data, the store's codec and generation rules) and returns objects
// the host owns through the public CandidateStore interface; it is never
// unloaded. Process-wide state stays the host's: the read hook is the host's
// run_read_hook, passed in; the "invr" logger is shared through spdlog's
// registry (a shared library); Progress is not used by the backend. The
// block-cache map (rocksdb_store.cc) lives in the plugin, its only user.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "invr/store.h"
#include "store/read_hook.h"

namespace invr::store {

struct RocksDbPluginApi {
  // IoError when the directory is missing (and create_if_missing is false) or
  // cannot be created; DataError when its CURRENT file is malformed. Readers
  // of the store call `run_read_hook` (the host's, read_hook.h).
  std::unique_ptr<CandidateStore> (*open_store)(std::string uri, const std::filesystem::path& root,
                                                const StoreOptions& options, ReadHookRunner run_read_hook);
};

// The plugin's one exported symbol: extern "C" const RocksDbPluginApi* NAME().
// The version suffix changes whenever RocksDbPluginApi or a type it passes does.
inline constexpr const char* kRocksDbPluginEntry = "invr_rocksdb_plugin_v1";

// Loads libinvr_rocksdb.so once (thread-safe) and returns its API: looks at
// $INVR_ROCKSDB_PLUGIN, then ../lib/ and the folder of the running executable,
// then the installed library folder, then the build tree. Throws Error naming
// every path tried if none loads.
const RocksDbPluginApi& rocksdb_plugin();

}  // namespace invr::store
