// GET /v1/recommend?user=ID[&n=N][&arm=NAME]: parameters (http_query.h) -> user lookup ->
// arm -> the user's InvR candidates (InvR arms only) -> SlateAssembler -> JSON.
// POST /v1/recommend/batch: the same for up to 1,000 users, assembled in one
// SlateAssembler::assemble call (one index search for all of them).
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "serving/http_query.h"
#include "serving/http_slate.h"
#include "serving/http_util.h"

namespace invr::serving {
namespace {
using Clock = std::chrono::steady_clock;

std::int64_t micros(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::microseconds>(to - from).count();
}

// The value of `key`, or nullptr if absent (parse_query refused repeats).
const std::string* param(const QueryParams& params, std::string_view key) {
  const auto found = params.find(key);
  return found == params.end() ? nullptr : &found->second;
}

// One user's request, resolved up to the store read.
struct RecommendEntry {
  std::string user;
  std::int64_t n = 0;
  std::size_t arm = 0;
  ServingWorld::UserView view;
  PinnedCandidates pinned;
  std::shared_ptr<const std::vector<Index>> treated;  // forward-longtail arms
};

SlateRequest slate_request(const ServerContext& context, const RecommendEntry& entry) {
  SlateRequest request;
  request.user_embedding = entry.view.embedding;
  request.seen_items = entry.view.seen;
  request.n = static_cast<int>(entry.n);
  request.arm = &context.config.experiment.arms[entry.arm];
  request.invr = entry.pinned.candidates ? &*entry.pinned.candidates : nullptr;
  request.now = context.now();
  if (entry.treated) request.treated_items = *entry.treated;
  return request;
}

// The reply's fields up to the items, without the closing brace.
void append_reply(std::string& out, ServerContext& context, const ServingWorld& world,
                  const RecommendEntry& entry, const Slate& slate) {
  context.metrics.add_slate(entry.arm, slate.invr_items, slate.fallback);
  out += "{\"user\":";
  append_json_string(out, entry.user);
  out += ",\"arm\":";
  append_json_string(out, context.config.experiment.arms[entry.arm].name);
  out += ',';
  append_generation(out, entry.pinned.generation);
  out += fmt::format(",\"fallback\":{},\"known_user\":{},", slate.fallback, entry.view.known);
  append_slate_items(out, world, slate);
}

// A batch entry {"user": ..., "n": ..., "arm": ...}; RequestError naming the field.
RecommendEntry parse_batch_entry(ServerContext& context, const nlohmann::json& object) {
  if (!object.is_object())
    throw RequestError("", "each request must be a JSON object such as {\"user\": \"u1\", \"n\": 10}");
  RecommendEntry entry;
  entry.n = context.config.serve.default_n;
  const std::string* arm_name = nullptr;
  bool has_user = false;
  for (const auto& field : object.items()) {
    const std::string& key = field.key();
    if (key == "user") {
      entry.user = json_id(field.value(), key);
      has_user = true;
    } else if (key == "n") {
      entry.n = json_n(field.value(), context.config.slate.max_n, key);
    } else if (key == "arm") {
      if (!field.value().is_string())
        throw RequestError(key, fmt::format("field 'arm' must be a string, got {}", describe_json(field.value())));
      arm_name = &field.value().get_ref<const std::string&>();
    } else {
      throw RequestError(key, fmt::format("unknown field {}; expected user, n, arm", json_string(excerpt(key))));
    }
  }
  if (!has_user) throw RequestError("user", "missing field 'user'");
  entry.arm = choose_arm(context, entry.user, arm_name, "arm");
  return entry;
}

}  // namespace

void handle_recommend(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  const auto started = Clock::now();
  const ServerConfig& config = context.config;
  RecommendEntry entry;
  try {
    const QueryParams params = parse_query(query_of(req.target), query_parameters(Route::recommend));
    const std::string* user = param(params, "user");
    if (!user) throw RequestError("user", "missing query parameter 'user'");
    if (const std::string problem = id_problem(*user); !problem.empty())
      throw RequestError("user", "query parameter 'user' " + problem);
    entry.user = *user;
    const std::string* n_text = param(params, "n");
    entry.n = n_text ? parse_n(*n_text, config.slate.max_n, "n") : config.serve.default_n;
    entry.arm = choose_arm(context, entry.user, param(params, "arm"), "arm");
  } catch (const QueryError& e) {
    return reply_query_error(res, e);
  } catch (const RequestError& e) {
    return reply_request_error(res, e, "parameter");
  }
  const auto world = context.world();
  entry.view = world->user(entry.user, context.live_seen);
  const auto looked_up = Clock::now();
  try {
    entry.pinned = read_for_arm(context, entry.user, config.experiment.arms[entry.arm]);
    entry.treated = read_treated(context, *world, config.experiment.arms[entry.arm], entry.pinned);
  } catch (const StoreUnavailable& e) {
    return reply_error(res, 503, e.what());
  }
  const auto fetched = Clock::now();
  const Slate slate = world->assembler->assemble(slate_request(context, entry));
  const auto assembled = Clock::now();

  std::string out;
  out.reserve(256 + slate.items.size() * 96);
  append_reply(out, context, *world, entry, slate);
  const auto finished = Clock::now();
  out += fmt::format(
      ",\"timing\":{{\"lookup_us\":{},\"candidates_us\":{},\"assemble_us\":{},\"total_us\":{}}}}}",
      micros(started, looked_up), micros(looked_up, fetched), micros(fetched, assembled),
      micros(started, finished));
  res.set_header("X-Invr-Arm", config.experiment.arms[entry.arm].name);
  reply_json(res, 200, std::move(out));
}

void handle_recommend_batch(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  const auto started = Clock::now();
  nlohmann::json body;
  const nlohmann::json* entries = read_batch_body(req, res, body);
  if (!entries) return;
  const auto world = context.world();  // one snapshot for the whole batch
  // Per entry: a resolved request, or the error that entry gets.
  std::vector<RecommendEntry> resolved(entries->size());
  std::vector<std::string> errors(entries->size());
  std::vector<SlateRequest> requests;
  std::vector<std::size_t> positions;  // requests[k] is entry positions[k]
  for (std::size_t i = 0; i < entries->size(); ++i) {
    try {
      resolved[i] = parse_batch_entry(context, (*entries)[i]);
      resolved[i].view = world->user(resolved[i].user, context.live_seen);
      const Arm& arm = context.config.experiment.arms[resolved[i].arm];
      resolved[i].pinned = read_for_arm(context, resolved[i].user, arm);
      resolved[i].treated = read_treated(context, *world, arm, resolved[i].pinned);
      requests.push_back(slate_request(context, resolved[i]));
      positions.push_back(i);
    } catch (const RequestError& e) {
      append_entry_error(errors[i], 400, e.what(), e.field());
    } catch (const StoreUnavailable& e) {
      append_entry_error(errors[i], 503, e.what(), "");
    }
  }
  const std::vector<Slate> slates = world->assembler->assemble(requests);
  std::string out = "{\"results\":[";
  out.reserve(64 + entries->size() * 2048);
  std::size_t next = 0;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    if (i > 0) out += ',';
    if (next < positions.size() && positions[next] == i) {
      append_reply(out, context, *world, resolved[i], slates[next++]);
      out += ",\"status\":200}";
    } else {
      out += errors[i];
    }
  }
  out += fmt::format("],\"timing\":{{\"total_us\":{}}}}}", micros(started, Clock::now()));
  reply_json(res, 200, std::move(out));
}

}  // namespace invr::serving
