#include "store/redis_store.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "invr/error.h"
#include "store/generation_rules.h"
#include "store/read_hook.h"
#include "store/value_codec.h"

namespace invr::store {
namespace {

std::vector<GenerationInfo> committed_generations(RedisConnection& connection, const RedisKeys& keys) {
  const RedisReply reply = connection.run({"ZRANGE", keys.generations(), "0", "-1", "WITHSCORES"});
  std::vector<GenerationInfo> out;
  for (std::size_t i = 0; i + 1 < reply->elements; i += 2) {
    const std::string score(reply_text(*reply->element[i + 1]));
    out.push_back({std::string(reply_text(*reply->element[i])), std::llround(std::strtod(score.c_str(), nullptr))});
  }
  return out;
}

std::optional<std::string> current_generation(RedisConnection& connection, const RedisKeys& keys) {
  const RedisReply reply = connection.run({"GET", keys.current()});
  if (reply->type == REDIS_REPLY_NIL) return std::nullopt;
  return std::string(reply_text(*reply));
}

bool is_committed(RedisConnection& connection, const RedisKeys& keys, std::string_view id) {
  return connection.run({"ZSCORE", keys.generations(), id})->type != REDIS_REPLY_NIL;
}

std::optional<StoredCandidates> read_user(RedisConnection& connection, const RedisKeys& keys, std::string_view id,
                                          std::string_view user_id) {
  const RedisReply reply = connection.run({"GET", keys.user(id, user_id)});
  if (reply->type == REDIS_REPLY_NIL) return std::nullopt;
  return decode_candidates(reply_text(*reply),
                           fmt::format("{} generation {} user {}", connection.uri(), id, user_id));
}

// A generation can be read while its manifest exists: commit writes it
// before EXEC and removal deletes it with the rest of the generation's keys; a
// flushed or restarted-empty Redis has none.
bool is_readable(RedisConnection& connection, const RedisKeys& keys, std::string_view id) {
  return connection.run({"EXISTS", keys.manifest(id)})->integer != 0;
}

class RedisReader final : public CandidateReader {
 public:
  RedisReader(std::shared_ptr<RedisPool> pool, RedisKeys keys) : pool_(std::move(pool)), keys_(std::move(keys)) {}

  std::optional<std::string> generation() const override {
    auto pin = pinned();
    if (!pin) return std::nullopt;
    return *pin;
  }

  PinnedCandidates read(std::string_view user_id) const override {
    run_read_hook(ReadPoint::before_pin, {});
    const auto pin = pinned();  // the id this read uses, whatever refresh does meanwhile
    if (!pin) return {};
    run_read_hook(ReadPoint::after_pin, *pin);
    auto connection = pool_->acquire();
    auto candidates = read_user(*connection, keys_, *pin, user_id);
    // A miss is either a user without candidates or a generation whose data is
    // gone (removed after grace, a flushed Redis); the second must not pass
    // for "no candidates".
    if (!candidates && !is_readable(*connection, keys_, *pin)) {
      throw IoError(fmt::format("{}: generation {} is no longer in the store (removed after grace, or the "
                                "Redis data was lost); refresh the reader",
                                pool_->uri(), *pin));
    }
    return {*pin, std::move(candidates)};
  }

  bool refresh() override {
    const auto old = pinned();
    std::optional<std::string> lost;
    std::shared_ptr<const std::string> fresh;
    {
      auto connection = pool_->acquire();
      std::optional<std::string> target = current_generation(*connection, keys_);
      // With no current generation named (a flushed Redis), the pin is what to serve.
      if (!target && old) target = *old;
      if (!target) return false;  // nothing committed yet
      if (is_readable(*connection, keys_, *target)) {
        fresh = old && *old == *target ? old : std::make_shared<const std::string>(std::move(*target));
      } else {
        lost = target;
        fresh = newest_readable(*connection, *target, old);
      }
    }
    std::lock_guard lock(mutex_);
    unreadable_ = lost;
    if (fresh == old) return false;
    pin_ = std::move(fresh);
    return true;
  }

  std::optional<std::string> unreadable() const override {
    std::lock_guard lock(mutex_);
    return unreadable_;
  }

 private:
  std::shared_ptr<const std::string> pinned() const {
    std::lock_guard lock(mutex_);
    return pin_;
  }

  // The newest committed generation other than `lost` whose data is there;
  // null if none is.
  std::shared_ptr<const std::string> newest_readable(RedisConnection& connection, const std::string& lost,
                                                     const std::shared_ptr<const std::string>& old) const {
    const std::vector<GenerationInfo> committed = committed_generations(connection, keys_);  // oldest first
    for (auto it = committed.rbegin(); it != committed.rend(); ++it) {
      if (it->id == lost || !is_readable(connection, keys_, it->id)) continue;
      if (old && *old == it->id) return old;
      return std::make_shared<const std::string>(it->id);
    }
    return nullptr;
  }

  std::shared_ptr<RedisPool> pool_;
  RedisKeys keys_;
  mutable std::mutex mutex_;
  std::shared_ptr<const std::string> pin_;
  std::optional<std::string> unreadable_;
};

class RedisStore final : public CandidateStore {
 public:
  RedisStore(std::string uri, std::shared_ptr<RedisPool> pool, RedisKeys keys, StoreOptions options)
      : uri_(std::move(uri)), pool_(std::move(pool)), keys_(std::move(keys)), options_(options) {}

  const std::string& uri() const override { return uri_; }

  std::unique_ptr<GenerationWriter> begin_generation(std::string_view id) override {
    return begin_redis_generation(pool_, keys_, options_, id);
  }
  std::unique_ptr<GenerationPart> join_generation(std::string_view id, int part) override {
    return join_redis_generation(pool_, keys_, options_, id, part);
  }

  std::vector<GenerationInfo> generations() const override {
    auto connection = pool_->acquire();
    return committed_generations(*connection, keys_);
  }

  std::optional<std::string> current() const override {
    auto connection = pool_->acquire();
    return current_generation(*connection, keys_);
  }

  std::string manifest(std::string_view generation) const override {
    auto connection = pool_->acquire();
    require_committed(*connection, generation);
    const RedisReply reply = connection->run({"GET", keys_.manifest(generation)});
    if (reply->type == REDIS_REPLY_NIL) {
      throw IoError(fmt::format("{}: manifest of generation {} is missing", uri_, generation));
    }
    return std::string(reply_text(*reply));
  }

  std::optional<StoredCandidates> get(std::string_view generation, std::string_view user_id) const override {
    auto connection = pool_->acquire();
    require_committed(*connection, generation);
    return read_user(*connection, keys_, generation, user_id);
  }

  std::unique_ptr<CandidateReader> reader() const override {
    auto reader = std::make_unique<RedisReader>(pool_, keys_);
    reader->refresh();
    return reader;
  }

  std::vector<std::string> remove_expired() override {
    auto connection = pool_->acquire();
    return remove_expired_redis(*connection, keys_, options_.grace_seconds);
  }

  std::string rollback() override {
    auto connection = pool_->acquire();
    RedisConnection& redis = *connection;
    // A commit or another rollback between the read and EXEC fails the EXEC.
    redis.run({"WATCH", keys_.current()});
    const std::optional<std::string> current = current_generation(redis, keys_);
    const std::vector<GenerationInfo> committed = committed_generations(redis, keys_);
    auto at = std::find_if(committed.begin(), committed.end(),
                           [&](const GenerationInfo& g) { return g.id == current; });
    if (!current || at == committed.end()) {
      redis.run({"UNWATCH"});
      throw UsageError(fmt::format("{}: no current generation to roll back from", uri_));
    }
    while (at != committed.begin()) {
      --at;
      if (!is_readable(redis, keys_, at->id)) continue;
      redis.run({"MULTI"});
      redis.run({"SET", keys_.current(), at->id});
      if (redis.run({"EXEC"})->type != REDIS_REPLY_ARRAY)
        throw IoError(fmt::format("{}: the current generation changed during the rollback; retry", uri_));
      return at->id;
    }
    redis.run({"UNWATCH"});
    throw UsageError(fmt::format("{}: no readable generation older than the current one ({}) to roll back to",
                                 uri_, *current));
  }

 private:
  void require_committed(RedisConnection& connection, std::string_view generation) const {
    if (!valid_generation_id(generation) || !is_committed(connection, keys_, generation)) {
      throw UsageError(fmt::format("{}: unknown generation \"{}\" (not committed, or removed after grace)", uri_,
                                   generation));
    }
  }

  std::string uri_;
  std::shared_ptr<RedisPool> pool_;
  RedisKeys keys_;
  StoreOptions options_;
};

}  // namespace

void delete_generation_keys(RedisConnection& connection, const RedisKeys& keys, std::string_view id) {
  const std::string pattern = keys.generation_pattern(id);
  std::string cursor = "0";
  do {
    const RedisReply reply = connection.run({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
      throw IoError(fmt::format("{}: SCAN returned an unexpected reply", connection.uri()));
    }
    cursor = std::string(reply_text(*reply->element[0]));
    const redisReply& batch = *reply->element[1];
    if (batch.elements == 0) continue;
    std::vector<std::string_view> args{"UNLINK"};
    for (std::size_t i = 0; i < batch.elements; ++i) args.push_back(reply_text(*batch.element[i]));
    connection.run(args);
  } while (cursor != "0");
}

std::vector<std::string> remove_expired_redis(RedisConnection& connection, const RedisKeys& keys,
                                              double grace_seconds) {
  const std::int64_t now = server_time_ms(connection);
  std::vector<std::string> removed;
  if (const auto current = current_generation(connection, keys)) {
    removed = expired_generations(committed_generations(connection, keys), *current, now, grace_seconds);
  }
  for (const std::string& id : removed) {
    connection.run({"ZREM", keys.generations(), id});  // unlisted first: readers stop finding it
    delete_generation_keys(connection, keys, id);
  }
  // Dead writers: no heartbeat. Check the heartbeat BEFORE the commit: a
  // commit needs a live heartbeat, so no commit can slip in between.
  const RedisReply writing = connection.run({"SMEMBERS", keys.writing()});
  for (std::size_t i = 0; i < writing->elements; ++i) {
    const std::string id(reply_text(*writing->element[i]));
    if (connection.run({"EXISTS", keys.pending(id)})->integer != 0) continue;
    if (!is_committed(connection, keys, id)) delete_generation_keys(connection, keys, id);
    connection.run({"SREM", keys.writing(), id});
  }
  return removed;
}

std::unique_ptr<CandidateStore> open_redis_store(std::string uri, const RedisLocation& location,
                                                 const StoreOptions& options) {
  // hiredis writes with write(2): a server that closes the socket would kill
  // the process with SIGPIPE. Ignore it unless the program chose a handler.
  struct sigaction action {};
  if (sigaction(SIGPIPE, nullptr, &action) == 0 && action.sa_handler == SIG_DFL) std::signal(SIGPIPE, SIG_IGN);
  auto pool = std::make_shared<RedisPool>(location, options, uri);
  return std::make_unique<RedisStore>(std::move(uri), std::move(pool), RedisKeys{location.prefix}, options);
}

}  // namespace invr::store
