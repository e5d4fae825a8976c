// The server's counters and their Prometheus text exposition (format 0.0.4).
// Every update is a relaxed atomic add, so the request path takes no lock;
// render() reads a consistent-enough snapshot (counters only grow).
// Metric names are listed in docs/serving_http.md.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "invr/data.h"

namespace invr::serving {

// Routes get their own label value; anything else is "other", so a scan of
// random paths cannot blow up the label set.
enum class Route : std::uint8_t {
  recommend = 0,
  events,
  healthz,
  metrics,
  insert,
  candidates,
  recommend_batch,
  insert_batch,
  items,
  other
};
constexpr std::size_t kRoutes = 10;
const char* route_label(Route route);
Route route_of(std::string_view path);
// The method a route takes ("GET" routes also answer HEAD).
const char* route_method(Route route);

enum class StoreOp : std::uint8_t { get = 0, refresh = 1 };

// Why the front end turned a new connection away (docs/serving_http.md,
// "Connections and slow clients").
enum class Refusal : std::uint8_t { max_connections = 0, max_connections_per_peer = 1 };

// Gauges the server computes at scrape time.
struct MetricsSnapshot {
  std::optional<std::string> generation;
  double generation_age_seconds = -1;  // < 0: unknown (no generation)
  double uptime_seconds = 0;
  std::size_t users = 0;
  std::size_t items = 0;
  std::uint64_t event_log_bytes = 0;
  double retrieval_recall = 1;  // ServingWorld::retrieval_recall
};

class Metrics {
 public:
  // Latency histogram bucket upper bounds, seconds.
  static constexpr std::array<double, 14> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025,
                                                      0.005,  0.01,    0.025,  0.05,  0.1,
                                                      0.25,   0.5,     1,      2.5};

  explicit Metrics(std::vector<std::string> arms);

  void observe_request(Route route, int status, double seconds);
  void add_slate(std::size_t arm, int invr_items, bool fallback);
  void add_store_error(StoreOp op);
  void add_generation_switch();
  // The generation to serve was found unreadable (its data is gone) and the
  // server fell back to an older readable one (to_older) or to none.
  void add_generation_fallback(bool to_older);
  void add_events(EventType type, std::uint64_t count);
  void add_event_log_error();
  void add_job_run(bool ok, double seconds);
  // Connections (the HTTP front end): opened and closed move the open gauge.
  void add_connection_opened();
  void add_connection_closed();
  void add_connection_refused(Refusal reason);
  void add_connection_shed();    // an idle connection closed to make room for a new one
  void add_request_timeout();    // a request's headers and body missed the deadline

  std::uint64_t requests(Route route, int status) const;
  std::uint64_t store_errors(StoreOp op) const;
  std::uint64_t generation_fallbacks(bool to_older) const;
  std::uint64_t connections_open() const;
  std::uint64_t connections_refused(Refusal reason) const;
  std::uint64_t connections_shed() const;
  std::uint64_t request_timeouts() const;

  std::string render(const MetricsSnapshot& snapshot) const;

 private:
  using Counter = std::atomic<std::uint64_t>;
  void render_connections(std::string& out) const;
  static constexpr int kMinStatus = 100, kMaxStatus = 599;
  struct RouteCounters {
    std::array<Counter, kMaxStatus - kMinStatus + 1> by_status{};
    std::array<Counter, kBuckets.size() + 1> buckets{};  // last = +Inf
    Counter micros_sum{0};
    Counter count{0};
  };
  struct ArmCounters {
    Counter slates{0};
    Counter invr_items{0};
    Counter fallback{0};
  };

  std::vector<std::string> arms_;
  std::array<RouteCounters, kRoutes> routes_{};
  std::vector<ArmCounters> arm_counters_;
  std::array<Counter, 2> store_errors_{};
  Counter generation_switches_{0};
  std::array<Counter, 2> generation_fallbacks_{};  // none, older
  std::array<Counter, 2> events_{};  // impression, click
  Counter event_log_errors_{0};
  std::array<Counter, 2> job_runs_{};  // ok, error
  std::atomic<double> last_job_seconds_{-1};
  Counter connections_open_{0};
  std::array<Counter, 2> connections_refused_{};
  Counter connections_shed_{0};
  Counter request_timeouts_{0};
};

}  // namespace invr::serving
