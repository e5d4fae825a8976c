// The state one Server shares with its request handlers: loaded once by the
// constructor, then read-only except for the thread-safe feed, event log and
// metrics. Handlers are free functions over it (one file per endpoint).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "invr/server.h"
#include "serving/event_log.h"
#include "serving/prom_metrics.h"
#include "serving/server_candidates.h"
#include "serving/server_world.h"

namespace httplib {
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace invr::serving {

struct ServerContext {
  ServerConfig config;
  ServingWorld world;
  double fixed_now = kNoTime;  // kNoTime = the wall clock per request
  std::unique_ptr<CandidateFeed> feed;  // null: no store configured, no InvR items
  std::unique_ptr<EventLog> events;     // null: no event log configured
  Metrics metrics;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  ServerContext(const ServerConfig& config, ServingWorld world);
  // Request time in Unix seconds.
  double now() const;
  // "control, invr-random, ..." for error messages.
  std::string arm_names() const;
};

void handle_recommend(ServerContext& context, const httplib::Request& req, httplib::Response& res);
void handle_events(ServerContext& context, const httplib::Request& req, httplib::Response& res,
                   const httplib::ContentReader& content);
void handle_healthz(const ServerContext& context, httplib::Response& res);
void handle_metrics(const ServerContext& context, httplib::Response& res);

}  // namespace invr::serving
