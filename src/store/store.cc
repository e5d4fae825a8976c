#include "invr/store.h"

#include <variant>

#include "invr/error.h"
#include "store/generation_rules.h"
#include "store/read_hook.h"
#include "store/rocksdb_plugin_api.h"
#include "store/store_uri.h"
#ifndef INVR_WITHOUT_REDIS
#include "store/redis_store.h"
#endif

namespace invr {

std::unique_ptr<CandidateStore> open_store(std::string_view uri, const StoreOptions& options) {
  store::check_options(options);
  const store::StoreLocation location = store::parse_store_uri(uri);
  if (const auto* rocks = std::get_if<store::RocksDbLocation>(&location)) {
    // The backend is a plugin, loaded now if this is the first RocksDB store.
    return store::rocksdb_plugin().open_store(std::string(uri), rocks->path, options, &store::run_read_hook);
  }
#ifdef INVR_WITHOUT_REDIS
  throw UsageError("store " + std::string(uri) + ": this invr was built without Redis (INVR_WITH_REDIS=OFF)");
#else
  return store::open_redis_store(std::string(uri), std::get<store::RedisLocation>(location), options);
#endif
}

}  // namespace invr
