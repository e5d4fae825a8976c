// The state one Server shares with its request handlers: the world snapshot
// (swapped whole, RCU-style: a request takes it once and keeps it alive), the
// live seen items, the thread-safe feed, event log and metrics. Handlers are
// free functions over it (one file per endpoint).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "invr/server.h"
#include "serving/event_log.h"
#include "serving/http_message.h"
#include "serving/prom_metrics.h"
#include "serving/server_candidates.h"
#include "serving/server_world.h"
#include "serving/treated_cache.h"

namespace invr::serving {

struct ServerContext {
  ServerConfig config;
  LiveSeen live_seen;  // positive events posted since the world was loaded
  double fixed_now = kNoTime;  // kNoTime = the wall clock per request
  std::unique_ptr<CandidateFeed> feed;  // null: no store configured, no InvR items
  std::unique_ptr<EventLog> events;     // null: no event log configured
  std::unique_ptr<EventLog> item_log;   // null: no item log configured (POST /v1/items: 503)
  std::mutex world_change;              // one new snapshot at a time (new items, a new model)
  Metrics metrics;
  TreatedCache treated;  // forward-longtail arms: the pinned generation's treated items
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

  ServerContext(const ServerConfig& config, std::shared_ptr<const ServingWorld> world);
  // The current snapshot; a request takes it once and reads only it.
  std::shared_ptr<const ServingWorld> world() const;
  // Makes `next` the snapshot later requests take; requests holding the old
  // one finish on it.
  void set_world(std::shared_ptr<const ServingWorld> next);
  // Request time in Unix seconds.
  double now() const;
  // "control, invr-random, ..." for error messages.
  std::string arm_names() const;

 private:
  mutable std::mutex world_mutex_;  // guards the pointer only, held for a copy
  std::shared_ptr<const ServingWorld> world_;
};

// The handlers run on the worker pool with the whole body read (the front
// end answered 413 for a body over max_body_bytes).
void handle_recommend(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_recommend_batch(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_insert(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_insert_batch(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_candidates(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_events(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_items(ServerContext& context, const HttpRequest& req, HttpResponse& res);
void handle_healthz(const ServerContext& context, HttpResponse& res);
void handle_metrics(const ServerContext& context, HttpResponse& res);

}  // namespace invr::serving
