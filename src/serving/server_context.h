// The state one Server shares with its request handlers: loaded once by the
// constructor, then read-only except for the thread-safe feed, event log and
// metrics. Handlers are free functions over it (one file per endpoint).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "invr/server.h"
#include "serving/event_log.h"
#include "serving/http_message.h"
#include "serving/prom_metrics.h"
#include "serving/server_candidates.h"
#include "serving/server_world.h"

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

// The handlers run on the worker pool with the whole body read (the front
// end answered 413 for a body over max_body_bytes).
void handle_recommend(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_recommend_batch(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_insert(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_insert_batch(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_candidates(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_events(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_healthz(const ServerContext& context, HttpResponse& res);
void handle_metrics(const ServerContext& context, HttpResponse& res);

}  // namespace invr::serving
