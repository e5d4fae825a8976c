// Parsing of store URIs (see open_store in include/invr/store.h).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

namespace invr::store {

struct RocksDbLocation {
  std::filesystem::path path;
};

struct RedisLocation {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string prefix = "invr";
};

using StoreLocation = std::variant<RocksDbLocation, RedisLocation>;

// UsageError naming the URI and what was expected.
StoreLocation parse_store_uri(std::string_view uri);

// True if `prefix` may be used as a Redis key prefix: 1..64 characters of
// [A-Za-z0-9._:-], so it never contains glob characters that SCAN MATCH reads.
bool valid_redis_prefix(std::string_view prefix);

}  // namespace invr::store
