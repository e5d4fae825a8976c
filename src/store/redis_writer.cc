#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/log.h"
#include "store/generation_rules.h"
#include "store/redis_store.h"
#include "store/value_codec.h"
#include "store/writer_state.h"

namespace invr::store {
namespace {

const std::string kHeartbeatTtlMs = std::to_string(kWriterHeartbeatTtl.count());

[[noreturn]] void throw_heartbeat_expired(const std::string& uri, std::string_view id) {
  throw IoError(fmt::format("{}: cannot write generation {}: its writer heartbeat expired (no write for {} s), "
                            "so it may have been cleaned as abandoned; write it again",
                            uri, id, kWriterHeartbeatTtl.count() / 1000));
}

// Sends the queued SETs plus a heartbeat and checks every reply (all are
// read even after an error, so the connection stays in step). Parts renew
// the beginning writer's heartbeat: the generation lives while anyone writes.
void flush_batch(RedisConnection& connection, const RedisKeys& keys, const std::string& uri, std::string_view id,
                 std::size_t& queued) {
  // XX: renew only; an expired heartbeat must stay expired (see commit).
  connection.append({"SET", keys.pending(id), "1", "XX", "PX", kHeartbeatTtlMs});
  ++queued;
  std::string first_error;
  bool heartbeat_lost = false;
  for (; queued > 0; --queued) {
    const RedisReply reply = connection.read_reply();
    if (reply->type == REDIS_REPLY_ERROR && first_error.empty()) first_error = std::string(reply_text(*reply));
    if (queued == 1) heartbeat_lost = reply->type == REDIS_REPLY_NIL;
  }
  if (!first_error.empty()) throw IoError(fmt::format("{}: cannot write generation {}: {}", uri, id, first_error));
  if (heartbeat_lost) throw_heartbeat_expired(uri, id);
}

// Queues one user's SET; flushes every batch_users.
void queue_user(RedisConnection& connection, const RedisKeys& keys, const std::string& uri, std::string_view id,
                std::string_view user_id, const std::string& value, std::size_t batch_users, std::size_t& queued) {
  connection.append({"SET", keys.user(id, user_id), value});
  if (++queued >= batch_users) flush_batch(connection, keys, uri, id, queued);
}

class RedisPart final : public GenerationPart {
 public:
  RedisPart(std::shared_ptr<RedisPool> pool, std::unique_ptr<RedisConnection> connection, RedisKeys keys,
            StoreOptions options, std::string id, int part)
      : pool_(std::move(pool)),
        connection_(std::move(connection)),
        keys_(std::move(keys)),
        options_(options),
        id_(std::move(id)),
        part_(part) {}

  void put(std::string_view user_id, const StoredCandidates& candidates) override {
    state_.require_open(pool_->uri(), id_, "put");
    const std::string value = encode_candidates(candidates);
    state_.failing_closes([&] {
      queue_user(*connection_, keys_, pool_->uri(), id_, user_id, value, options_.batch_users, queued_);
      ++users_;
    });
  }
  std::size_t users_written() const override { return users_; }

  void finish() override {
    state_.require_open(pool_->uri(), id_, "finish");
    state_.failing_closes([&] {
      flush_batch(*connection_, keys_, pool_->uri(), id_, queued_);
      connection_->run({"SET", keys_.part(id_, part_), std::to_string(users_)});
    });
    state_.committed = true;
  }

 private:
  std::shared_ptr<RedisPool> pool_;
  std::unique_ptr<RedisConnection> connection_;
  RedisKeys keys_;
  StoreOptions options_;
  std::string id_;
  int part_;
  std::size_t queued_ = 0;
  std::size_t users_ = 0;
  WriterState state_;
};

class RedisWriter final : public GenerationWriter {
 public:
  RedisWriter(std::shared_ptr<RedisPool> pool, std::unique_ptr<RedisConnection> connection, RedisKeys keys,
              StoreOptions options, std::string id)
      : pool_(std::move(pool)),
        connection_(std::move(connection)),
        keys_(std::move(keys)),
        options_(options),
        id_(std::move(id)) {}

  ~RedisWriter() override {
    try {
      abort();
    } catch (const std::exception& e) {
      invr::logger().warn("{}: aborting generation {}: {} (cleaned once its heartbeat expires)", pool_->uri(), id_, e.what());
    }
  }

  const std::string& id() const override { return id_; }
  std::size_t users_written() const override { return users_written_; }

  void put(std::string_view user_id, const StoredCandidates& candidates) override {
    state_.require_open(pool_->uri(), id_, "put");
    const std::string value = encode_candidates(candidates);
    state_.failing_closes([&] {
      queue_user(*connection_, keys_, pool_->uri(), id_, user_id, value, options_.batch_users, queued_);
      ++users_written_;
    });
  }

  void commit(std::string_view manifest_json) override {
    state_.require_open(pool_->uri(), id_, "commit");
    check_manifest(pool_->uri(), id_, manifest_json);
    state_.failing_closes([&] { commit_checked(manifest_json); });
  }

  void commit_checked(std::string_view manifest_json) {
    flush();
    RedisConnection& redis = *connection_;
    const std::int64_t now = server_time_ms(redis);
    redis.run({"SET", keys_.manifest(id_), stamp_manifest(manifest_json, id_, now, users_written_)});
    // The heartbeat must still be ours: if it expired, a cleaner may have
    // deleted part of this generation. WATCH makes EXEC fail if it changes.
    redis.run({"WATCH", keys_.pending(id_)});
    if (redis.run({"GET", keys_.pending(id_)})->type == REDIS_REPLY_NIL) {
      redis.run({"UNWATCH"});
      throw_heartbeat_expired(pool_->uri(), id_);
    }
    redis.run({"MULTI"});
    redis.run({"ZADD", keys_.generations(), std::to_string(now), id_});
    redis.run({"SET", keys_.current(), id_});
    redis.run({"DEL", keys_.pending(id_)});
    redis.run({"SREM", keys_.writing(), id_});
    const RedisReply exec = redis.run({"EXEC"});  // the commit point
    if (exec->type != REDIS_REPLY_ARRAY) {
      throw IoError(fmt::format("{}: cannot commit generation {}: its heartbeat changed during the commit",
                                pool_->uri(), id_));
    }
    state_.committed = true;
    try {
      const auto removed = remove_expired_redis(redis, keys_, options_.grace_seconds);
      invr::logger().info("{}: committed generation {} ({} users); removed {} expired", pool_->uri(), id_, users_written_,
                          removed.size());
    } catch (const Error& e) {
      invr::logger().warn("{}: committed generation {}, but removing expired generations failed: {}", pool_->uri(), id_,
                          e.what());
    }
  }

  void add_part(int part) override {
    state_.require_open(pool_->uri(), id_, "add_part");
    check_part_number(pool_->uri(), id_, part);
    if (std::find(parts_.begin(), parts_.end(), part) != parts_.end())
      throw UsageError(fmt::format("{}: part {} of generation {} was added already", pool_->uri(), part, id_));
    flush();  // the connection must be in step before a plain command
    const RedisReply reply = connection_->run({"GET", keys_.part(id_, part)});
    if (reply->type == REDIS_REPLY_NIL)
      throw UsageError(fmt::format("{}: part {} of generation {} has not finished", pool_->uri(), part, id_));
    users_written_ += std::stoull(std::string(reply_text(*reply)));
    parts_.push_back(part);
  }

  void abort() override {
    if (state_.committed || state_.aborted) return;
    state_.aborted = true;
    // The writer's connection may be mid-pipeline, broken or inside MULTI
    // after a failure; a fresh one is in a known state.
    const std::unique_ptr<RedisConnection> fresh = pool_->connect();
    RedisConnection& redis = *fresh;
    delete_generation_keys(redis, keys_, id_);
    redis.run({"DEL", keys_.pending(id_)});
    redis.run({"SREM", keys_.writing(), id_});
  }

 private:

  void flush() { flush_batch(*connection_, keys_, pool_->uri(), id_, queued_); }

  std::shared_ptr<RedisPool> pool_;
  std::unique_ptr<RedisConnection> connection_;
  RedisKeys keys_;
  StoreOptions options_;
  std::string id_;
  std::size_t queued_ = 0;
  std::size_t users_written_ = 0;
  std::vector<int> parts_;
  WriterState state_;
};

}  // namespace

std::unique_ptr<GenerationWriter> begin_redis_generation(std::shared_ptr<RedisPool> pool, RedisKeys keys,
                                                         const StoreOptions& options, std::string_view id) {
  check_generation_id(pool->uri(), id);
  auto connection = pool->connect();
  if (connection->run({"ZSCORE", keys.generations(), id})->type != REDIS_REPLY_NIL) {
    throw UsageError(fmt::format("{}: generation {} is already committed", pool->uri(), id));
  }
  // NX: a live writer of the same id keeps its heartbeat; we do not steal it.
  if (connection->run({"SET", keys.pending(id), "1", "NX", "PX", kHeartbeatTtlMs})->type == REDIS_REPLY_NIL) {
    throw UsageError(fmt::format("{}: generation {} is being written by another live writer", pool->uri(), id));
  }
  // Leftovers of a dead writer of this same id.
  if (connection->run({"SISMEMBER", keys.writing(), id})->integer != 0) delete_generation_keys(*connection, keys, id);
  connection->run({"SADD", keys.writing(), id});
  return std::make_unique<RedisWriter>(std::move(pool), std::move(connection), std::move(keys), options,
                                       std::string(id));
}

}  // namespace invr::store

namespace invr::store {

std::unique_ptr<GenerationPart> join_redis_generation(std::shared_ptr<RedisPool> pool, RedisKeys keys,
                                                      const StoreOptions& options, std::string_view id, int part) {
  check_generation_id(pool->uri(), id);
  check_part_number(pool->uri(), id, part);
  auto connection = pool->connect();
  if (connection->run({"GET", keys.pending(id)})->type == REDIS_REPLY_NIL)
    throw UsageError(fmt::format("{}: no live writer has begun generation {}", pool->uri(), id));
  return std::make_unique<RedisPart>(std::move(pool), std::move(connection), std::move(keys), options,
                                     std::string(id), part);
}

}  // namespace invr::store
