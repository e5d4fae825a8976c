// Server: wires the loaded state (ServerContext) to the HTTP front end
// (http_front.h), and runs the background threads (store refresher, embedded
// job scheduler). Handlers live in http_*.cc; this file is lifecycle, routing,
// access logs and metrics.
#include "invr/log.h"
#include "invr/server.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "invr/error.h"
#include "serving/http_front.h"
#include "serving/http_query.h"
#include "serving/http_util.h"
#include "serving/model_swap.h"
#include "serving/server_context.h"
#include "serving/server_periodic.h"
#include "serving/world_items.h"

namespace invr {
namespace {
using Clock = std::chrono::steady_clock;
using serving::HttpRequest;
using serving::HttpResponse;
using serving::Route;

std::string effective_store(const ServerConfig& config) {
  return config.serve.store.empty() ? config.job.job.store : config.serve.store;
}

std::shared_ptr<spdlog::logger> make_access_log(const std::string& target) {
  if (target == "off") return nullptr;
  spdlog::sink_ptr sink;
  if (target.empty()) sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  else sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(target, /*truncate=*/false);
  auto logger = std::make_shared<spdlog::logger>("access", sink);
  logger->set_pattern("%v");
  logger->flush_on(spdlog::level::info);
  return logger;
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03d}Z",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(now)), millis);
}

// Each connection is a descriptor: with a soft limit below max_connections,
// accept fails (and is retried) before the cap is reached. Raising the limit
// is the process's business (CONTRIBUTING.md, convention 7), so only warn.
void warn_if_few_descriptors(const ServeSettings& serve) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  const auto wanted = static_cast<rlim_t>(serve.max_connections) + 64;
  if (limit.rlim_cur < wanted)
    invr::logger().warn("serve: the open-file limit ({}) is below max_connections ({}) plus files; "
                        "raise it (ulimit -n) or lower max_connections",
                        limit.rlim_cur, serve.max_connections);
}

// Answers what is wrong with a request that needs no body to tell: an unknown
// path (404), a wrong method (405), a bad query (400). False: route it.
bool refused_before_body(const HttpRequest& req, HttpResponse& res) {
  const Route route = serving::route_of(req.path);
  if (route == Route::other) {
    serving::reply_error(res, 404, fmt::format("no endpoint {} {}; see docs/serving_http.md",
                                               req.method, req.path));
    return true;
  }
  const std::string allowed = serving::route_method(route);
  if (req.method != allowed && !(allowed == "GET" && req.method == "HEAD")) {
    res.set_header("Allow", allowed);
    serving::reply_error(res, 405, fmt::format("{} takes {}, not {}", req.path, allowed, req.method));
    return true;
  }
  // Every endpoint's query goes through the one strict parser.
  try {
    serving::parse_query(serving::query_of(req.target), serving::query_parameters(route));
  } catch (const serving::QueryError& e) {
    serving::reply_query_error(res, e);
    return true;
  }
  return false;
}
// Opens [serve] item_log and adds the items it holds that the dataset lacks,
// so items posted before a restart are served again.
void open_item_log(serving::ServerContext& context) {
  const ServeSettings& serve = context.config.serve;
  if (serve.item_log.empty()) return;
  if (std::filesystem::path(serve.item_log).extension() != ".item")
    throw UsageError(fmt::format("--item-log must name an atomic .item file, got {}", serve.item_log));
  context.item_log = std::make_unique<serving::EventLog>(serve.item_log, serve.event_fsync_seconds,
                                                          serving::kItemLogHeader);
  const auto world = context.world();
  const auto next = serving::with_logged_items(world, serve.item_log);
  if (next == world) return;
  invr::logger().info("serve: {} items added from the item log {}",
                      next->assembler->catalog().items() - world->assembler->catalog().items(), serve.item_log);
  context.set_world(next);
}
}  // namespace

struct Server::Impl {
  std::unique_ptr<serving::ServerContext> context;
  std::string store_uri;
  std::unique_ptr<serving::HttpFrontEnd> http;
  std::shared_ptr<spdlog::logger> access_log;
  std::unique_ptr<serving::PeriodicTask> refresher;
  std::unique_ptr<serving::PeriodicTask> scheduler;
  int port = 0;

  std::mutex refresh_mutex;  // one refresh at a time (refresher, scheduler, refresh())
  std::string last_refresh_error;

  std::mutex state_mutex;
  std::condition_variable state_changed;
  bool running = false;
  bool stopping = false;
  bool stopped = false;

  serving::FrontEndHandlers handlers();
  void handle(const HttpRequest& req, HttpResponse& res);
  void log_request(const HttpRequest& req, const HttpResponse& res, std::size_t body_bytes,
                   double seconds);
  bool refresh_now(bool rethrow);
  void note_unreadable(const std::optional<std::string>& before, bool pin_moved);
  void run_embedded_job();
};

Server::Server(const ServerConfig& config) : impl_(std::make_unique<Impl>()) {
  validate(config);
  impl_->context = std::make_unique<serving::ServerContext>(
      config, serving::load_serving_world(config.serve, config.slate));
  serving::ServerContext& context = *impl_->context;
  impl_->store_uri = effective_store(config);
  if (!impl_->store_uri.empty()) {
    StoreOptions options;
    // Serving a mistyped path as "no candidates" would hide the mistake; only
    // an embedded job may create the store it then writes.
    options.create_if_missing = config.serve.embedded_job;
    options.grace_seconds = config.job.job.grace_seconds;
    options.redis_connect_timeout_ms = static_cast<int>(config.serve.store_timeout_ms);
    options.redis_command_timeout_ms = static_cast<int>(config.serve.store_timeout_ms);
    options.redis_connections =
        static_cast<std::size_t>(std::clamp<std::int64_t>(config.serve.http_threads, 1, 64));
    context.feed = std::make_unique<serving::CandidateFeed>(impl_->store_uri, options);
    const auto generation = context.feed->generation();
    invr::logger().info("serve: candidate store {} at generation {}", impl_->store_uri,
                        generation.value_or("(none yet)"));
    impl_->note_unreadable(std::nullopt, false);
  } else {
    invr::logger().warn("serve: no candidate store configured; InvR arms serve the main slate only");
  }
  open_item_log(context);
  if (!config.serve.event_log.empty()) {
    context.events = std::make_unique<serving::EventLog>(config.serve.event_log,
                                                         config.serve.event_fsync_seconds);
    // Clicks posted before a restart stay in effect (docs/serving_http.md, "Live state").
    const std::size_t replayed = serving::replay_event_log(
        config.serve.event_log, context.world()->assembler->catalog().item_ids, context.live_seen);
    if (replayed > 0)
      invr::logger().info("serve: {} positive events replayed from the event log into users' seen items",
                          replayed);
  }
  impl_->access_log = make_access_log(config.serve.access_log);
}

Server::~Server() { stop(); }

serving::FrontEndHandlers Server::Impl::handlers() {
  serving::FrontEndHandlers out;
  // Unknown paths, wrong methods and bad queries are answered before any body
  // is read (the front end then closes a connection whose body it left unread).
  out.refuse = [](const HttpRequest& req, HttpResponse& res) { return refused_before_body(req, res); };
  out.handle = [this](const HttpRequest& req, HttpResponse& res) { handle(req, res); };
  out.log = [this](const HttpRequest& req, const HttpResponse& res, std::size_t bytes, double seconds) {
    log_request(req, res, bytes, seconds);
  };
  return out;
}

void Server::Impl::handle(const HttpRequest& req, HttpResponse& res) {
  serving::ServerContext& ctx = *context;
  try {
    switch (serving::route_of(req.path)) {
      case Route::recommend: return serving::handle_recommend(ctx, req, res);
      case Route::events: return serving::handle_events(ctx, req, res);
      case Route::healthz: return serving::handle_healthz(ctx, res);
      case Route::metrics: return serving::handle_metrics(ctx, res);
      case Route::insert: return serving::handle_insert(ctx, req, res);
      case Route::candidates: return serving::handle_candidates(ctx, req, res);
      case Route::recommend_batch: return serving::handle_recommend_batch(ctx, req, res);
      case Route::insert_batch: return serving::handle_insert_batch(ctx, req, res);
      case Route::items: return serving::handle_items(ctx, req, res);
      case Route::other: break;  // refused_before_body answered it
    }
    serving::reply_error(res, 404, "not found");
  } catch (const std::exception& e) {
    // The text may name files or the store's URI: the log gets it, the client
    // a generic reason (issue 17, item 9).
    invr::logger().error("serve: {} {} failed: {}", req.method, req.path, e.what());
    res = HttpResponse();
    serving::reply_error(res, 500, "internal error (the reason is in the server log)");
  }
}

void Server::Impl::log_request(const HttpRequest& req, const HttpResponse& res,
                               std::size_t body_bytes, double seconds) {
  context->metrics.observe_request(serving::route_of(req.path), res.status, seconds);
  if (!access_log) return;
  std::string line = "{\"time\":\"" + utc_timestamp() + "\",\"remote\":";
  serving::append_json_string(line, req.remote_addr);
  line += ",\"method\":";
  serving::append_json_string(line, req.method);
  line += ",\"target\":";
  serving::append_json_string(line, req.target);
  line += fmt::format(",\"status\":{},\"duration_us\":{},\"bytes\":{}", res.status,
                      std::llround(seconds * 1e6), body_bytes);
  if (const std::string* arm = res.header("X-Invr-Arm")) {
    line += ",\"arm\":";
    serving::append_json_string(line, *arm);
  }
  line += '}';
  access_log->info(line);
}

bool Server::Impl::refresh_now(bool rethrow) {
  if (!context->feed) return false;
  std::lock_guard lock(refresh_mutex);
  try {
    const std::optional<std::string> unreadable_before = context->feed->status().unreadable;
    // The new generation's model, loaded before its candidates are pinned.
    std::shared_ptr<serving::ServingWorld> next_world;
    try {
      next_world = serving::prepare_model_swap(*context);
    } catch (const std::exception& e) {
      invr::logger().error("serve: cannot load the model the new generation names; keeping the served one: {}",
                           e.what());
    }
    const bool changed = context->feed->refresh();
    if (next_world) serving::install_world(*context, std::move(next_world));
    note_unreadable(unreadable_before, changed);
    if (changed) {
      context->metrics.add_generation_switch();
      invr::logger().info("serve: now serving generation {}",
                          context->feed->generation().value_or("(none)"));
    }
    if (!last_refresh_error.empty()) invr::logger().info("serve: candidate store reachable again");
    last_refresh_error.clear();
    return changed;
  } catch (const std::exception& e) {
    context->metrics.add_store_error(serving::StoreOp::refresh);
    // Log a failure once, not every refresh period while it lasts.
    if (last_refresh_error != e.what())
      invr::logger().warn("serve: store refresh failed; still serving the pinned generation: {}",
                          e.what());
    last_refresh_error = e.what();
    if (rethrow) throw;
    return false;
  }
}

// Logs and counts a fallback: the generation to serve was found unreadable
// (Redis flushed, a generation folder removed): once per lost generation and
// once per pin it moves to.
void Server::Impl::note_unreadable(const std::optional<std::string>& before, bool pin_moved) {
  const serving::FeedStatus status = context->feed->status();
  if (status.unreadable == before && !(status.unreadable && pin_moved)) return;
  if (!status.unreadable) {
    invr::logger().info("serve: the current generation can be read again; serving {}",
                        status.generation.value_or("(none)"));
    return;
  }
  context->metrics.add_generation_fallback(status.generation.has_value());
  if (status.generation)
    invr::logger().warn("serve: store {}: generation {} can no longer be read; falling back to {}, the newest "
                        "readable generation",
                        store_uri, *status.unreadable, *status.generation);
  else
    invr::logger().error("serve: store {}: generation {} can no longer be read and no other generation can; "
                         "InvR arms serve without candidates until a generation is committed",
                         store_uri, *status.unreadable);
}

void Server::Impl::run_embedded_job() {
  // The job competes with requests for the same cores: run it (and the
  // threads it starts, which inherit this) at a lower priority.
  setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
  const ServerConfig& config = context->config;
  JobFiles files;
  files.data = config.serve.data;
  files.name = config.serve.name;
  files.producer_column = config.serve.producer_column;
  files.model = config.serve.model;
  files.config_file = config.config_file;
  JobConfig job = config.job;
  job.job.store = store_uri;
  const auto started = Clock::now();
  try {
    const JobResult result = run_job_from_files(files, job);
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    context->metrics.add_job_run(true, seconds);
    invr::logger().info("serve: embedded job committed generation {} in {:.1f} s", result.generation,
                        seconds);
  } catch (const std::exception& e) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    context->metrics.add_job_run(false, seconds);
    invr::logger().error("serve: embedded job failed; the previous generation stays served: {}", e.what());
    return;
  }
  refresh_now(false);
}

void Server::start() {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.state_mutex);
    if (impl.running || impl.stopped) throw UsageError("Server::start: already started");
  }
  const ServeSettings& serve = impl.context->config.serve;
  impl.http = std::make_unique<serving::HttpFrontEnd>(serve, impl.handlers(), impl.context->metrics);
  impl.port = impl.http->start();
  warn_if_few_descriptors(serve);
  impl.context->started = Clock::now();
  if (impl.context->feed && serve.refresh_seconds > 0)
    impl.refresher = std::make_unique<serving::PeriodicTask>(
        serve.refresh_seconds, [&impl] { impl.refresh_now(false); });
  if (serve.embedded_job)
    impl.scheduler = std::make_unique<serving::PeriodicTask>(
        serve.job_interval_seconds, [&impl] { impl.run_embedded_job(); });
  {
    std::lock_guard lock(impl.state_mutex);
    impl.running = true;
  }
  invr::logger().info("serve: listening on http://{}:{} with {} I/O and {} worker threads", serve.host,
                      impl.port, serve.io_threads, serve.http_threads);
}

void Server::stop() {
  Impl& impl = *impl_;
  {
    std::unique_lock lock(impl.state_mutex);
    if (impl.stopping) {  // another thread is stopping it: wait for that
      impl.state_changed.wait(lock, [&] { return impl.stopped; });
      return;
    }
    if (!impl.running) {
      impl.stopped = true;
      impl.state_changed.notify_all();
      return;
    }
    impl.stopping = true;
  }
  // Stops accepting, closes idle connections, lets requests in a handler
  // finish and be written, then joins the I/O and worker threads.
  impl.http->stop();
  impl.refresher.reset();
  impl.scheduler.reset();  // waits for a job run in progress
  if (impl.context->events) {
    try {
      impl.context->events->sync();
    } catch (const Error& e) {
      invr::logger().error("serve: {}", e.what());
    }
  }
  {
    std::lock_guard lock(impl.state_mutex);
    impl.running = false;
    impl.stopped = true;
  }
  impl.state_changed.notify_all();
  invr::logger().info("serve: stopped");
}

void Server::wait() {
  std::unique_lock lock(impl_->state_mutex);
  impl_->state_changed.wait(lock, [&] { return impl_->stopped; });
}

int Server::port() const { return impl_->port; }

bool Server::refresh() { return impl_->refresh_now(true); }

std::optional<std::string> Server::generation() const {
  return impl_->context->feed ? impl_->context->feed->generation() : std::nullopt;
}

}  // namespace invr
