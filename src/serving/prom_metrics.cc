// Prometheus counters for the server and their text rendering.
#include "serving/prom_metrics.h"

#include <cmath>

#include <fmt/format.h>

namespace invr::serving {
namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;

// Label values escape backslash, double quote and line feed (exposition format).
std::string label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}
}  // namespace

const char* route_label(Route route) {
  switch (route) {
    case Route::recommend: return "/v1/recommend";
    case Route::events: return "/v1/events";
    case Route::healthz: return "/healthz";
    case Route::metrics: return "/metrics";
    case Route::insert: return "/v1/insert";
    case Route::candidates: return "/v1/candidates";
    case Route::recommend_batch: return "/v1/recommend/batch";
    case Route::insert_batch: return "/v1/insert/batch";
    case Route::items: return "/v1/items";
    case Route::other: break;
  }
  return "other";
}

const char* route_method(Route route) {
  switch (route) {
    case Route::events:
    case Route::insert:
    case Route::recommend_batch:
    case Route::insert_batch:
    case Route::items: return "POST";
    default: return "GET";
  }
}

Route route_of(std::string_view path) {
  if (path == "/v1/recommend") return Route::recommend;
  if (path == "/v1/events") return Route::events;
  if (path == "/healthz") return Route::healthz;
  if (path == "/metrics") return Route::metrics;
  if (path == "/v1/insert") return Route::insert;
  if (path == "/v1/candidates") return Route::candidates;
  if (path == "/v1/recommend/batch") return Route::recommend_batch;
  if (path == "/v1/insert/batch") return Route::insert_batch;
  if (path == "/v1/items") return Route::items;
  return Route::other;
}

Metrics::Metrics(std::vector<std::string> arms)
    : arms_(std::move(arms)), arm_counters_(arms_.size()) {}

void Metrics::observe_request(Route route, int status, double seconds) {
  RouteCounters& r = routes_[static_cast<std::size_t>(route)];
  if (status < kMinStatus || status > kMaxStatus) status = 500;
  r.by_status[static_cast<std::size_t>(status - kMinStatus)].fetch_add(1, kRelaxed);
  std::size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  r.buckets[bucket].fetch_add(1, kRelaxed);
  r.micros_sum.fetch_add(static_cast<std::uint64_t>(std::llround(seconds * 1e6)), kRelaxed);
  r.count.fetch_add(1, kRelaxed);
}

void Metrics::add_slate(std::size_t arm, int invr_items, bool fallback) {
  ArmCounters& a = arm_counters_.at(arm);
  a.slates.fetch_add(1, kRelaxed);
  a.invr_items.fetch_add(static_cast<std::uint64_t>(invr_items), kRelaxed);
  if (fallback) a.fallback.fetch_add(1, kRelaxed);
}

void Metrics::add_store_error(StoreOp op) {
  store_errors_[static_cast<std::size_t>(op)].fetch_add(1, kRelaxed);
}
void Metrics::add_generation_switch() { generation_switches_.fetch_add(1, kRelaxed); }
void Metrics::add_generation_fallback(bool to_older) {
  generation_fallbacks_[to_older ? 1 : 0].fetch_add(1, kRelaxed);
}
std::uint64_t Metrics::generation_fallbacks(bool to_older) const {
  return generation_fallbacks_[to_older ? 1 : 0].load(kRelaxed);
}
void Metrics::add_events(EventType type, std::uint64_t count) {
  events_[type == EventType::click ? 1 : 0].fetch_add(count, kRelaxed);
}
void Metrics::add_event_log_error() { event_log_errors_.fetch_add(1, kRelaxed); }
void Metrics::add_job_run(bool ok, double seconds) {
  job_runs_[ok ? 0 : 1].fetch_add(1, kRelaxed);
  last_job_seconds_.store(seconds, kRelaxed);
}

void Metrics::add_connection_opened() { connections_open_.fetch_add(1, kRelaxed); }
void Metrics::add_connection_closed() { connections_open_.fetch_sub(1, kRelaxed); }
void Metrics::add_connection_refused(Refusal reason) {
  connections_refused_[static_cast<std::size_t>(reason)].fetch_add(1, kRelaxed);
}
void Metrics::add_connection_shed() { connections_shed_.fetch_add(1, kRelaxed); }
void Metrics::add_request_timeout() { request_timeouts_.fetch_add(1, kRelaxed); }

std::uint64_t Metrics::connections_open() const { return connections_open_.load(kRelaxed); }
std::uint64_t Metrics::connections_refused(Refusal reason) const {
  return connections_refused_[static_cast<std::size_t>(reason)].load(kRelaxed);
}
std::uint64_t Metrics::connections_shed() const { return connections_shed_.load(kRelaxed); }
std::uint64_t Metrics::request_timeouts() const { return request_timeouts_.load(kRelaxed); }

std::uint64_t Metrics::requests(Route route, int status) const {
  if (status < kMinStatus || status > kMaxStatus) return 0;
  return routes_[static_cast<std::size_t>(route)]
      .by_status[static_cast<std::size_t>(status - kMinStatus)]
      .load(kRelaxed);
}
std::uint64_t Metrics::store_errors(StoreOp op) const {
  return store_errors_[static_cast<std::size_t>(op)].load(kRelaxed);
}

void Metrics::render_connections(std::string& out) const {
  header(out, "invr_http_connections_open", "gauge", "Open HTTP connections.");
  out += fmt::format("invr_http_connections_open {}\n", connections_open());
  header(out, "invr_http_connections_refused_total", "counter",
         "New connections closed at once because a connection cap was reached.");
  out += fmt::format("invr_http_connections_refused_total{{reason=\"max_connections\"}} {}\n",
                     connections_refused(Refusal::max_connections));
  out += fmt::format("invr_http_connections_refused_total{{reason=\"max_connections_per_peer\"}} {}\n",
                     connections_refused(Refusal::max_connections_per_peer));
  header(out, "invr_http_connections_shed_total", "counter",
         "Idle keep-alive connections closed to make room for a new connection.");
  out += fmt::format("invr_http_connections_shed_total {}\n", connections_shed());
  header(out, "invr_http_request_timeouts_total", "counter",
         "Connections closed because a request's headers and body missed request_timeout_seconds.");
  out += fmt::format("invr_http_request_timeouts_total {}\n", request_timeouts());
}

std::string Metrics::render(const MetricsSnapshot& snapshot) const {
  std::string out;
  header(out, "invr_http_requests_total", "counter", "HTTP requests by route and status code.");
  for (std::size_t r = 0; r < kRoutes; ++r)
    for (int status = kMinStatus; status <= kMaxStatus; ++status) {
      const auto n = routes_[r].by_status[static_cast<std::size_t>(status - kMinStatus)].load(kRelaxed);
      if (n > 0)
        out += fmt::format("invr_http_requests_total{{route=\"{}\",status=\"{}\"}} {}\n",
                           route_label(static_cast<Route>(r)), status, n);
    }
  header(out, "invr_http_request_duration_seconds", "histogram",
         "Time from routing a request to writing its response.");
  for (std::size_t r = 0; r < kRoutes; ++r) {
    const RouteCounters& rc = routes_[r];
    const char* route = route_label(static_cast<Route>(r));
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += rc.buckets[b].load(kRelaxed);
      const std::string le = b < kBuckets.size() ? fmt::format("{}", kBuckets[b]) : "+Inf";
      out += fmt::format("invr_http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         route, le, cumulative);
    }
    out += fmt::format("invr_http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route,
                       static_cast<double>(rc.micros_sum.load(kRelaxed)) * 1e-6);
    out += fmt::format("invr_http_request_duration_seconds_count{{route=\"{}\"}} {}\n", route,
                       cumulative);
  }
  render_connections(out);
  header(out, "invr_slates_total", "counter", "Slates served per arm.");
  for (std::size_t a = 0; a < arms_.size(); ++a)
    out += fmt::format("invr_slates_total{{arm=\"{}\"}} {}\n", label(arms_[a]),
                       arm_counters_[a].slates.load(kRelaxed));
  header(out, "invr_invr_items_served_total", "counter",
         "InvR candidates inserted into served slates, per arm.");
  for (std::size_t a = 0; a < arms_.size(); ++a)
    out += fmt::format("invr_invr_items_served_total{{arm=\"{}\"}} {}\n", label(arms_[a]),
                       arm_counters_[a].invr_items.load(kRelaxed));
  header(out, "invr_fallback_slates_total", "counter",
         "Slates for unknown or history-less users (popularity fallback), per arm.");
  for (std::size_t a = 0; a < arms_.size(); ++a)
    out += fmt::format("invr_fallback_slates_total{{arm=\"{}\"}} {}\n", label(arms_[a]),
                       arm_counters_[a].fallback.load(kRelaxed));
  header(out, "invr_store_errors_total", "counter",
         "Candidate store failures: get (a request got 503) or refresh (kept the old generation).");
  out += fmt::format("invr_store_errors_total{{op=\"get\"}} {}\n", store_errors(StoreOp::get));
  out += fmt::format("invr_store_errors_total{{op=\"refresh\"}} {}\n", store_errors(StoreOp::refresh));
  header(out, "invr_generation_switches_total", "counter",
         "Times the pinned candidate generation changed (a newer one, or a fallback).");
  out += fmt::format("invr_generation_switches_total {}\n", generation_switches_.load(kRelaxed));
  header(out, "invr_generation_fallbacks_total", "counter",
         "Times the generation to serve could not be read and the server fell back to the newest "
         "readable one (to=older) or to none.");
  out += fmt::format("invr_generation_fallbacks_total{{to=\"older\"}} {}\n", generation_fallbacks(true));
  out += fmt::format("invr_generation_fallbacks_total{{to=\"none\"}} {}\n", generation_fallbacks(false));
  if (snapshot.generation) {
    header(out, "invr_generation_info", "gauge", "The candidate generation being served.");
    out += fmt::format("invr_generation_info{{generation=\"{}\"}} 1\n", label(*snapshot.generation));
  }
  if (snapshot.generation_age_seconds >= 0) {
    header(out, "invr_generation_age_seconds", "gauge",
           "Seconds since the served generation was committed.");
    out += fmt::format("invr_generation_age_seconds {:.3f}\n", snapshot.generation_age_seconds);
  }
  header(out, "invr_events_logged_total", "counter", "Events appended to the event log.");
  out += fmt::format("invr_events_logged_total{{event=\"impression\"}} {}\n", events_[0].load(kRelaxed));
  out += fmt::format("invr_events_logged_total{{event=\"click\"}} {}\n", events_[1].load(kRelaxed));
  header(out, "invr_event_log_errors_total", "counter", "Failed event log appends (503s).");
  out += fmt::format("invr_event_log_errors_total {}\n", event_log_errors_.load(kRelaxed));
  header(out, "invr_event_log_bytes", "gauge", "Size of the event log file.");
  out += fmt::format("invr_event_log_bytes {}\n", snapshot.event_log_bytes);
  header(out, "invr_job_runs_total", "counter", "Embedded scheduler job runs by result.");
  out += fmt::format("invr_job_runs_total{{result=\"ok\"}} {}\n", job_runs_[0].load(kRelaxed));
  out += fmt::format("invr_job_runs_total{{result=\"error\"}} {}\n", job_runs_[1].load(kRelaxed));
  const double last_job = last_job_seconds_.load(kRelaxed);
  if (last_job >= 0) {
    header(out, "invr_job_last_duration_seconds", "gauge", "Duration of the last embedded job run.");
    out += fmt::format("invr_job_last_duration_seconds {:.3f}\n", last_job);
  }
  header(out, "invr_catalog_items", "gauge", "Items the server can recommend.");
  out += fmt::format("invr_catalog_items {}\n", snapshot.items);
  header(out, "invr_retrieval_recall", "gauge",
         "Recall@retrieve_k of item retrieval against exact search, measured at start (1: exact).");
  out += fmt::format("invr_retrieval_recall {:.4f}\n", snapshot.retrieval_recall);
  header(out, "invr_known_users", "gauge", "Users with an embedding and a history.");
  out += fmt::format("invr_known_users {}\n", snapshot.users);
  header(out, "invr_uptime_seconds", "gauge", "Seconds since the server started listening.");
  out += fmt::format("invr_uptime_seconds {:.3f}\n", snapshot.uptime_seconds);
  return out;
}

}  // namespace invr::serving
