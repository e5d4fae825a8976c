// Finding and loading libinvr_rocksdb.so (rocksdb_plugin_api.h says why the
// RocksDB backend is a plugin).
#include "common/plugin_loader.h"
#include "store/rocksdb_plugin_api.h"

// Defined (weakly) in a program built against an installed invr: invrConfig.cmake
// adds a generated source returning <prefix>/<libdir>/libinvr_rocksdb.so to
// every target linking invr::store (docs/library.md, "The plugins"); the
// Python module defines it too (next to itself). Null in the build tree.
extern "C" __attribute__((weak)) const char* invr_rocksdb_plugin_installed_path();

namespace invr::store {

const RocksDbPluginApi& rocksdb_plugin() {
  static const RocksDbPluginApi& api = load_plugin<RocksDbPluginApi>({
      .description = "RocksDB store plugin",
      .file = "libinvr_rocksdb.so",
      .entry = kRocksDbPluginEntry,
      .env_var = "INVR_ROCKSDB_PLUGIN",
      .installed_path = invr_rocksdb_plugin_installed_path,
      .build_path = INVR_ROCKSDB_PLUGIN_BUILD_PATH,
  });
  return api;
}

}  // namespace invr::store
