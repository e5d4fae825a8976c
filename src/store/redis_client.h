// A small hiredis wrapper: connections that report failures as IoError naming
// the store URI, and a pool so many server threads can read at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <hiredis/hiredis.h>

#include "invr/store.h"
#include "store/store_uri.h"

namespace invr::store {

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using RedisReply = std::unique_ptr<redisReply, ReplyDeleter>;

// String payload of a STRING, STATUS or ERROR reply.
inline std::string_view reply_text(const redisReply& reply) { return {reply.str, reply.len}; }

class RedisConnection {
 public:
  // Connects with the connect timeout, sets the command timeout, selects the
  // database and PINGs. IoError "URI: cannot connect: REASON" on failure.
  RedisConnection(const RedisLocation& location, const StoreOptions& options, std::string uri);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // One round trip. IoError on a connection failure or an error reply.
  RedisReply run(std::initializer_list<std::string_view> args);
  RedisReply run(const std::vector<std::string_view>& args);

  // Pipelining: append() queues a command; read_reply() returns the next
  // reply in order. Error replies are returned, not thrown, so a caller can
  // drain every reply before failing; connection failures throw.
  void append(std::initializer_list<std::string_view> args);
  void append(const std::vector<std::string_view>& args);
  RedisReply read_reply();

  // A failed connection is unusable (hiredis keeps no resync state).
  bool broken() const { return broken_; }
  const std::string& uri() const { return uri_; }

 private:
  [[noreturn]] void fail(std::string_view action);

  redisContext* context_ = nullptr;
  std::string uri_;
  bool broken_ = false;
};

// Server time in Unix milliseconds (TIME), so every writer and cleaner, on any
// host, measures commit times and grace on one clock.
std::int64_t server_time_ms(RedisConnection& connection);

class RedisPool {
 public:
  // Connects one connection now, so an unreachable server fails at open.
  RedisPool(RedisLocation location, StoreOptions options, std::string uri);

  class Lease {
   public:
    Lease(RedisPool& pool, std::unique_ptr<RedisConnection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    RedisConnection& operator*() const { return *connection_; }
    RedisConnection* operator->() const { return connection_.get(); }

   private:
    RedisPool* pool_;
    std::unique_ptr<RedisConnection> connection_;
  };

  // An idle connection, a new one (up to redis_connections), or waits for one.
  Lease acquire();
  // A connection outside the pool, for a writer's long pipeline.
  std::unique_ptr<RedisConnection> connect() const;
  const std::string& uri() const { return uri_; }

 private:
  void give_back(std::unique_ptr<RedisConnection> connection);

  RedisLocation location_;
  StoreOptions options_;
  std::string uri_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  std::size_t open_ = 0;
};

}  // namespace invr::store
