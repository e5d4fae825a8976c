// Server: wires the loaded state (ServerContext) to cpp-httplib, and runs the
// background threads (store refresher, embedded job scheduler). Handlers live
// in http_*.cc; this file is lifecycle, routing, access logs and metrics.
#include "invr/server.h"

#include <httplib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "invr/error.h"
#include "serving/http_query.h"
#include "serving/http_util.h"
#include "serving/server_context.h"
#include "serving/server_periodic.h"

namespace invr {
namespace {
using Clock = std::chrono::steady_clock;
using serving::Route;

// Set by the pre-routing handler and read by the logger, which httplib calls
// on the same worker thread once the response is written.
thread_local Clock::time_point t_request_start;
thread_local bool t_request_started = false;

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

const char* rejection_message(int status) {
  switch (status) {
    case 400: return "malformed HTTP request";
    case 404: return "not found";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 416: return "bad Range header";
    default: return "request failed";
  }
}
// Answers what is wrong with a request that needs no body to tell: an unknown
// path (404), a wrong method (405), a bad query (400). False: route it.
bool refused_before_body(const httplib::Request& req, httplib::Response& res) {
  const Route route = serving::route_of(req.path);
  if (route == Route::other) {
    serving::reply_error(res, 404, fmt::format("no endpoint {} {}; see docs/serving_http.md",
                                               req.method, req.path));
    return true;
  }
  const std::string allowed = route == Route::events ? "POST" : "GET";
  if (req.method != allowed && !(allowed == "GET" && req.method == "HEAD")) {
    res.set_header("Allow", allowed);
    serving::reply_error(res, 405, fmt::format("{} takes {}, not {}", req.path, allowed, req.method));
    return true;
  }
  // Every endpoint's query goes through the one strict parser; httplib's
  // req.params is never read.
  try {
    serving::parse_query(serving::query_of(req.target), serving::query_parameters(route));
  } catch (const serving::QueryError& e) {
    serving::reply_query_error(res, e);
    return true;
  }
  return false;
}
}  // namespace

struct Server::Impl {
  std::unique_ptr<serving::ServerContext> context;
  std::string store_uri;
  httplib::Server http;
  std::thread listener;
  std::atomic<bool> listener_ended{false};  // listen_after_bind returned
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

  void install_routes();
  void log_request(const httplib::Request& req, const httplib::Response& res);
  bool refresh_now(bool rethrow);
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
    spdlog::info("serve: candidate store {} at generation {}", impl_->store_uri,
                 generation.value_or("(none yet)"));
  } else {
    spdlog::warn("serve: no candidate store configured; InvR arms serve the main slate only");
  }
  if (!config.serve.event_log.empty())
    context.events = std::make_unique<serving::EventLog>(config.serve.event_log,
                                                         config.serve.event_fsync_seconds);
  impl_->access_log = make_access_log(config.serve.access_log);
}

Server::~Server() { stop(); }

void Server::Impl::install_routes() {
  serving::ServerContext& ctx = *context;
  const ServeSettings& serve = ctx.config.serve;
  const auto threads = static_cast<std::size_t>(serve.http_threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  auto split = [](double seconds, auto&& set) {
    const auto whole = static_cast<time_t>(seconds);
    set(whole, static_cast<time_t>((seconds - static_cast<double>(whole)) * 1e6));
  };
  split(serve.read_timeout_seconds, [&](time_t s, time_t us) { http.set_read_timeout(s, us); });
  split(serve.write_timeout_seconds, [&](time_t s, time_t us) { http.set_write_timeout(s, us); });
  http.set_keep_alive_timeout(static_cast<time_t>(serve.keep_alive_seconds));
  http.set_keep_alive_max_count(static_cast<std::size_t>(serve.keep_alive_requests));
  http.set_payload_max_length(static_cast<std::size_t>(serve.max_body_bytes));
  // httplib's default sets SO_REUSEPORT, which lets a second server bind the
  // same port and silently take half the traffic; SO_REUSEADDR alone still
  // allows a quick restart.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Headers and body go out in two writes: without this, Nagle's algorithm
  // holds the body until the client's delayed ACK (tens of ms). Accepted
  // sockets inherit it from the listening socket on Linux.
  http.set_tcp_nodelay(true);

  // Unknown paths, wrong methods and bad queries are answered before any body is read.
  http.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    t_request_start = Clock::now();
    t_request_started = true;
    if (!refused_before_body(req, res)) return httplib::Server::HandlerResponse::Unhandled;
    // The body stays unread, and httplib would read it as the next request
    // on this connection: tell the client (or proxy) not to reuse it. httplib
    // 0.11 adds the header itself only when the client asked to close.
    const bool body = req.has_header("Content-Length") || req.has_header("Transfer-Encoding");
    if (body && req.get_header_value("Connection") != "close") res.set_header("Connection", "close");
    return httplib::Server::HandlerResponse::Handled;
  });
  http.Get("/v1/recommend", [&ctx](const httplib::Request& req, httplib::Response& res) {
    serving::handle_recommend(ctx, req, res);
  });
  http.Post("/v1/events", [&ctx](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& content) {
    serving::handle_events(ctx, req, res, content);
  });
  http.Get("/healthz", [&ctx](const httplib::Request&, httplib::Response& res) {
    serving::handle_healthz(ctx, res);
  });
  http.Get("/metrics", [&ctx](const httplib::Request&, httplib::Response& res) {
    serving::handle_metrics(ctx, res);
  });
  // Rejections httplib makes itself (malformed request, 413 by Content-Length)
  // get the same JSON body as ours.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        serving::reply_error(res, res.status, rejection_message(res.status));
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, std::exception_ptr error) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        spdlog::error("serve: {} {} failed: {}", req.method, req.path, what);
        serving::reply_error(res, 500, "internal error: " + what);
      });
  http.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    log_request(req, res);
  });
}

void Server::Impl::log_request(const httplib::Request& req, const httplib::Response& res) {
  double seconds = 0;  // requests httplib rejected before routing have no start
  if (t_request_started) {
    seconds = std::chrono::duration<double>(Clock::now() - t_request_start).count();
    t_request_started = false;
  }
  context->metrics.observe_request(serving::route_of(req.path), res.status, seconds);
  if (!access_log) return;
  std::string line = "{\"time\":\"" + utc_timestamp() + "\",\"remote\":";
  serving::append_json_string(line, req.remote_addr);
  line += ",\"method\":";
  serving::append_json_string(line, req.method);
  line += ",\"target\":";
  serving::append_json_string(line, req.target);
  line += fmt::format(",\"status\":{},\"duration_us\":{},\"bytes\":{}", res.status,
                      std::llround(seconds * 1e6), res.body.size());
  if (res.has_header("X-Invr-Arm")) {
    line += ",\"arm\":";
    serving::append_json_string(line, res.get_header_value("X-Invr-Arm"));
  }
  line += '}';
  access_log->info(line);
}

bool Server::Impl::refresh_now(bool rethrow) {
  if (!context->feed) return false;
  std::lock_guard lock(refresh_mutex);
  try {
    const bool changed = context->feed->refresh();
    if (changed) {
      context->metrics.add_generation_switch();
      spdlog::info("serve: now serving generation {}",
                   context->feed->generation().value_or("(none)"));
    }
    if (!last_refresh_error.empty()) spdlog::info("serve: candidate store reachable again");
    last_refresh_error.clear();
    return changed;
  } catch (const std::exception& e) {
    context->metrics.add_store_error(serving::StoreOp::refresh);
    // Log a failure once, not every refresh period while it lasts.
    if (last_refresh_error != e.what())
      spdlog::warn("serve: store refresh failed; still serving the pinned generation: {}",
                   e.what());
    last_refresh_error = e.what();
    if (rethrow) throw;
    return false;
  }
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
    spdlog::info("serve: embedded job committed generation {} in {:.1f} s", result.generation,
                 seconds);
  } catch (const std::exception& e) {
    const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    context->metrics.add_job_run(false, seconds);
    spdlog::error("serve: embedded job failed; the previous generation stays served: {}", e.what());
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
  impl.install_routes();
  const ServeSettings& serve = impl.context->config.serve;
  if (serve.port == 0) {
    impl.port = impl.http.bind_to_any_port(serve.host);
  } else {
    impl.port = impl.http.bind_to_port(serve.host, static_cast<int>(serve.port))
                    ? static_cast<int>(serve.port)
                    : -1;
  }
  if (impl.port < 0)
    throw IoError(fmt::format("cannot listen on {}:{} (address in use, or not an address of "
                              "this host)", serve.host, serve.port));
  impl.listener = std::thread([&impl] {
    impl.http.listen_after_bind();
    impl.listener_ended = true;
  });
  while (!impl.http.is_running() && !impl.listener_ended)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!impl.http.is_running()) {
    impl.listener.join();
    throw IoError(fmt::format("the listener on {}:{} stopped at once", serve.host, impl.port));
  }
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
  spdlog::info("serve: listening on http://{}:{} with {} threads", serve.host, impl.port,
               serve.http_threads);
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
  // Closing the listening socket ends the accept loop; listen_after_bind then
  // joins the workers, which finish the requests they are serving.
  impl.http.stop();
  if (impl.listener.joinable()) impl.listener.join();
  impl.refresher.reset();
  impl.scheduler.reset();  // waits for a job run in progress
  if (impl.context->events) {
    try {
      impl.context->events->sync();
    } catch (const Error& e) {
      spdlog::error("serve: {}", e.what());
    }
  }
  {
    std::lock_guard lock(impl.state_mutex);
    impl.running = false;
    impl.stopped = true;
  }
  impl.state_changed.notify_all();
  spdlog::info("serve: stopped");
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
