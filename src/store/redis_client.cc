#include "store/redis_client.h"

#include <sys/time.h>

#include <charconv>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr::store {
namespace {

timeval to_timeval(int milliseconds) {
  timeval tv{};
  tv.tv_sec = milliseconds / 1000;
  tv.tv_usec = static_cast<suseconds_t>((milliseconds % 1000) * 1000);
  return tv;
}

template <typename Args>
void to_argv(const Args& args, std::vector<const char*>& argv, std::vector<std::size_t>& lengths) {
  argv.clear();
  lengths.clear();
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
}

}  // namespace

RedisConnection::RedisConnection(const RedisLocation& location, const StoreOptions& options, std::string uri)
    : uri_(std::move(uri)) {
  context_ = redisConnectWithTimeout(location.host.c_str(), location.port, to_timeval(options.redis_connect_timeout_ms));
  if (context_ == nullptr) throw IoError(fmt::format("{}: cannot connect: out of memory", uri_));
  if (context_->err) {
    const std::string reason = context_->errstr;
    redisFree(context_);
    context_ = nullptr;
    throw IoError(fmt::format("{}: cannot connect to {}:{}: {}", uri_, location.host, location.port, reason));
  }
  try {
    if (redisSetTimeout(context_, to_timeval(options.redis_command_timeout_ms)) != REDIS_OK) fail("set timeout");
    if (location.db != 0) run({"SELECT", std::to_string(location.db)});
    run({"PING"});
  } catch (...) {
    redisFree(context_);  // the destructor does not run for a throwing constructor
    context_ = nullptr;
    throw;
  }
}

RedisConnection::~RedisConnection() {
  if (context_) redisFree(context_);
}

void RedisConnection::fail(std::string_view action) {
  broken_ = true;
  const std::string reason = context_ && context_->err ? context_->errstr : "connection failed";
  throw IoError(fmt::format("{}: {} failed: {}", uri_, action, reason));
}

RedisReply RedisConnection::run(std::initializer_list<std::string_view> args) {
  return run(std::vector<std::string_view>(args));
}

RedisReply RedisConnection::run(const std::vector<std::string_view>& args) {
  if (broken_) fail(args.empty() ? "command" : args.front());
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  to_argv(args, argv, lengths);
  RedisReply reply(static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data())));
  if (!reply) fail(args.front());
  if (reply->type == REDIS_REPLY_ERROR) {
    throw IoError(fmt::format("{}: {} refused: {}", uri_, args.front(), reply_text(*reply)));
  }
  return reply;
}

void RedisConnection::append(std::initializer_list<std::string_view> args) {
  append(std::vector<std::string_view>(args));
}

void RedisConnection::append(const std::vector<std::string_view>& args) {
  if (broken_) fail(args.front());
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  to_argv(args, argv, lengths);
  if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK) {
    fail(args.front());
  }
}

RedisReply RedisConnection::read_reply() {
  if (broken_) fail("pipelined command");
  void* raw = nullptr;
  if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) fail("pipelined command");
  return RedisReply(static_cast<redisReply*>(raw));
}

std::int64_t server_time_ms(RedisConnection& connection) {
  const RedisReply reply = connection.run({"TIME"});
  std::int64_t seconds = 0;
  std::int64_t micros = 0;
  bool ok = reply->type == REDIS_REPLY_ARRAY && reply->elements == 2;
  for (std::size_t i = 0; ok && i < 2; ++i) {
    const std::string_view text = reply_text(*reply->element[i]);
    std::int64_t& out = i == 0 ? seconds : micros;
    ok = std::from_chars(text.data(), text.data() + text.size(), out).ec == std::errc();
  }
  if (!ok) throw IoError(fmt::format("{}: TIME returned an unexpected reply", connection.uri()));
  return seconds * 1000 + micros / 1000;
}

RedisPool::RedisPool(RedisLocation location, StoreOptions options, std::string uri)
    : location_(std::move(location)), options_(options), uri_(std::move(uri)) {
  idle_.push_back(connect());
  open_ = 1;
}

std::unique_ptr<RedisConnection> RedisPool::connect() const {
  return std::make_unique<RedisConnection>(location_, options_, uri_);
}

RedisPool::Lease RedisPool::acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty() || open_ < options_.redis_connections; });
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection));
  }
  ++open_;  // reserve the slot, connect without holding the lock
  lock.unlock();
  try {
    return Lease(*this, connect());
  } catch (...) {
    lock.lock();
    --open_;
    available_.notify_one();
    throw;
  }
}

void RedisPool::give_back(std::unique_ptr<RedisConnection> connection) {
  std::lock_guard lock(mutex_);
  if (connection->broken()) {
    --open_;  // dropped; the next acquire reconnects
  } else {
    idle_.push_back(std::move(connection));
  }
  available_.notify_one();
}

RedisPool::Lease::~Lease() {
  if (connection_) pool_->give_back(std::move(connection_));
}

}  // namespace invr::store
