// GET /healthz and GET /metrics, and the ServerContext basics they share.
#include <chrono>

#include <fmt/format.h>

#include "serving/http_util.h"
#include "serving/server_context.h"

namespace invr::serving {
namespace {

std::vector<std::string> names_of(const Experiment& experiment) {
  std::vector<std::string> names;
  for (const Arm& arm : experiment.arms) names.push_back(arm.name);
  return names;
}

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

MetricsSnapshot snapshot_of(const ServerContext& context) {
  MetricsSnapshot snapshot;
  if (context.feed) {
    const FeedStatus status = context.feed->status();
    snapshot.generation = status.generation;
    if (status.generation && status.commit_time_ms > 0)
      snapshot.generation_age_seconds =
          std::max(0.0, unix_now() - static_cast<double>(status.commit_time_ms) / 1000.0);
  }
  snapshot.uptime_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - context.started).count();
  const auto world = context.world();
  snapshot.users = world->users->ids.size();
  snapshot.items = world->assembler->catalog().items();
  snapshot.retrieval_recall = world->retrieval_recall;
  snapshot.event_log_bytes = context.events ? context.events->bytes() : 0;
  return snapshot;
}

}  // namespace

ServerContext::ServerContext(const ServerConfig& server_config,
                             std::shared_ptr<const ServingWorld> serving_world)
    : config(server_config),
      metrics(names_of(server_config.experiment)),
      world_(std::move(serving_world)) {
  if (config.serve.now == -1) fixed_now = world_->data_end_time;
  else if (config.serve.now > 0) fixed_now = config.serve.now;
}

std::shared_ptr<const ServingWorld> ServerContext::world() const {
  std::lock_guard lock(world_mutex_);
  return world_;
}

void ServerContext::set_world(std::shared_ptr<const ServingWorld> next) {
  std::lock_guard lock(world_mutex_);
  world_.swap(next);
  // `next` (the old snapshot) is released after the lock, by its last holder.
}

double ServerContext::now() const { return has_time(fixed_now) ? fixed_now : unix_now(); }

std::string ServerContext::arm_names() const {
  return fmt::format("{}", fmt::join(names_of(config.experiment), ", "));
}

namespace {

// Short reasons for /healthz: generation ids, never the store's URI or path
// nor a backend's error text (those name it; the server log has them).
std::vector<std::string> store_problems(const FeedStatus& status) {
  std::vector<std::string> reasons;
  if (status.unreadable) {
    reasons.push_back(
        status.generation
            ? fmt::format("generation {} can no longer be read; serving {}, the newest readable generation",
                          *status.unreadable, *status.generation)
            : fmt::format("generation {} can no longer be read and no other generation can; InvR arms serve "
                          "without candidates",
                          *status.unreadable));
  }
  if (!status.last_error.empty())
    reasons.emplace_back("the last store refresh failed; the pinned generation is still served (the reason is in "
                         "the server log)");
  if (status.reads_failing)
    reasons.emplace_back("candidate reads are failing; InvR arms get 503 (the reason is in the server log)");
  return reasons;
}

}  // namespace

void handle_healthz(const ServerContext& context, HttpResponse& res) {
  const MetricsSnapshot snapshot = snapshot_of(context);
  std::vector<std::string> reasons;
  if (context.feed) reasons = store_problems(context.feed->status());
  const char* store = !context.feed ? "none" : reasons.empty() ? "ok" : "degraded";
  std::string out = fmt::format("{{\"status\":\"{}\",\"generation\":", reasons.empty() ? "ok" : "degraded");
  if (snapshot.generation) append_json_string(out, *snapshot.generation);
  else out += "null";
  out += ",\"generation_age_seconds\":";
  out += snapshot.generation_age_seconds >= 0
             ? fmt::format("{:.3f}", snapshot.generation_age_seconds)
             : "null";
  out += fmt::format(",\"store\":\"{}\",\"reasons\":[", store);
  for (std::size_t r = 0; r < reasons.size(); ++r) {
    if (r > 0) out += ',';
    append_json_string(out, reasons[r]);
  }
  out += fmt::format("],\"users\":{},\"items\":{},\"uptime_seconds\":{:.3f},\"arms\":[",
                     snapshot.users, snapshot.items, snapshot.uptime_seconds);
  for (std::size_t a = 0; a < context.config.experiment.arms.size(); ++a) {
    if (a > 0) out += ',';
    append_json_string(out, context.config.experiment.arms[a].name);
  }
  out += "]}";
  reply_json(res, 200, std::move(out));
}

void handle_metrics(const ServerContext& context, HttpResponse& res) {
  res.status = 200;
  res.body = context.metrics.render(snapshot_of(context));
  res.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace invr::serving
