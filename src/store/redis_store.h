// The Redis backend. Keys, all under PREFIX (docs/store.md):
//   PREFIX:gen:ID:u:USER     one user's encoded lists
//   PREFIX:gen:ID:manifest   the stamped manifest
//   PREFIX:gen:ID:part:N     a finished part's user count (another process's puts)
//   PREFIX:generations       sorted set: committed ids scored by commit time (ms)
//   PREFIX:current           the served id
//   PREFIX:pending:ID        a live writer's heartbeat (expires when it dies)
//   PREFIX:writing           set of ids begun and not committed
// The commit point is one MULTI/EXEC that adds the id to PREFIX:generations
// and sets PREFIX:current, so readers switch atomically.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "invr/store.h"
#include "store/redis_client.h"
#include "store/store_uri.h"

namespace invr::store {

struct RedisKeys {
  std::string prefix;

  std::string user(std::string_view id, std::string_view user_id) const {
    return prefix + ":gen:" + std::string(id) + ":u:" + std::string(user_id);
  }
  std::string manifest(std::string_view id) const { return prefix + ":gen:" + std::string(id) + ":manifest"; }
  // A finished part's user count (GenerationPart::finish).
  std::string part(std::string_view id, int part) const {
    return prefix + ":gen:" + std::string(id) + ":part:" + std::to_string(part);
  }
  // SCAN MATCH pattern of every key of a generation (prefix and id hold no glob characters).
  std::string generation_pattern(std::string_view id) const { return prefix + ":gen:" + std::string(id) + ":*"; }
  std::string generations() const { return prefix + ":generations"; }
  std::string current() const { return prefix + ":current"; }
  std::string pending(std::string_view id) const { return prefix + ":pending:" + std::string(id); }
  std::string writing() const { return prefix + ":writing"; }
};

// A writer that has not sent a batch for this long is taken for dead: its
// heartbeat key expires and cleaners may delete its partial generation.
inline constexpr std::chrono::milliseconds kWriterHeartbeatTtl = std::chrono::minutes(10);

// IoError naming the URI when the server cannot be reached.
std::unique_ptr<CandidateStore> open_redis_store(std::string uri, const RedisLocation& location,
                                                 const StoreOptions& options);

// Writer of one generation (redis_writer.cc). Refuses a committed id or one a
// live writer holds (UsageError).
std::unique_ptr<GenerationWriter> begin_redis_generation(std::shared_ptr<RedisPool> pool, RedisKeys keys,
                                                         const StoreOptions& options, std::string_view id);

// A part writer of generation `id`; UsageError unless a live writer began it.
std::unique_ptr<GenerationPart> join_redis_generation(std::shared_ptr<RedisPool> pool, RedisKeys keys,
                                                      const StoreOptions& options, std::string_view id, int part);

// Deletes every key of a generation with SCAN + UNLINK.
void delete_generation_keys(RedisConnection& connection, const RedisKeys& keys, std::string_view id);

// Removes expired generations (unlisting them first) and the leftovers of
// writers whose heartbeat expired. Returns the removed committed ids.
std::vector<std::string> remove_expired_redis(RedisConnection& connection, const RedisKeys& keys,
                                              double grace_seconds);

}  // namespace invr::store
