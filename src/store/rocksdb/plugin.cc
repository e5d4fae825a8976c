// libinvr_rocksdb.so's one exported symbol (rocksdb_plugin_api.h).
#include "store/rocksdb/rocksdb_store.h"
#include "store/rocksdb_plugin_api.h"

extern "C" __attribute__((visibility("default"))) const invr::store::RocksDbPluginApi*
invr_rocksdb_plugin_v1() {
  static const invr::store::RocksDbPluginApi api{&invr::store::open_rocksdb_store};
  return &api;
}
