// GET /v1/recommend?user=ID[&n=N][&arm=NAME]: parameters (http_query.h) -> user lookup ->
// arm -> the user's InvR candidates (InvR arms only) -> SlateAssembler -> JSON.
#include <charconv>
#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/excerpt.h"
#include "serving/http_query.h"
#include "serving/http_util.h"
#include "serving/server_context.h"

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

void append_slate_json(std::string& out, const ServingWorld& world, const Slate& slate) {
  const SlateCatalog& catalog = world.assembler->catalog();
  out += "\"items\":[";
  for (std::size_t i = 0; i < slate.items.size(); ++i) {
    const SlateItem& item = slate.items[i];
    if (i > 0) out += ',';
    out += "{\"id\":";
    append_json_string(out, catalog.item_ids.id(item.item));
    out += ",\"producer\":";
    if (item.producer >= 0 && static_cast<std::size_t>(item.producer) < world.producers.size())
      append_json_string(out, world.producers.id(item.producer));
    else
      out += "null";
    if (std::isfinite(item.score)) out += fmt::format(",\"score\":{}", item.score);
    else out += ",\"score\":null";
    out += fmt::format(",\"source\":\"{}\",\"position\":{}}}", slate_source_name(item.source),
                       item.position);
  }
  out += ']';
}

}  // namespace

void handle_recommend(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  const auto started = Clock::now();
  const ServerConfig& config = context.config;
  QueryParams params;
  try {
    params = parse_query(query_of(req.target), query_parameters(Route::recommend));
  } catch (const QueryError& e) {
    return reply_query_error(res, e);
  }
  const std::string* user = param(params, "user");
  const std::string* n_text = param(params, "n");
  const std::string* arm_name = param(params, "arm");
  if (!user) return reply_query_error(res, QueryError("user", "missing query parameter 'user'"));
  if (const std::string problem = id_problem(*user); !problem.empty())
    return reply_query_error(res, QueryError("user", "query parameter 'user' " + problem));

  std::int64_t n = config.serve.default_n;
  if (n_text) {
    const char* first = n_text->data();
    const char* last = first + n_text->size();
    const auto [end, ec] = std::from_chars(first, last, n);
    if (n_text->empty() || ec != std::errc() || end != last || n < 1 || n > config.slate.max_n)
      return reply_query_error(
          res, QueryError("n", fmt::format("query parameter 'n' must be an integer in [1, {}], got {}",
                                           config.slate.max_n, json_string(excerpt(*n_text)))));
  }

  const Experiment& experiment = config.experiment;
  std::size_t arm_index = 0;
  if (arm_name) {
    const Arm* arm = experiment.find(*arm_name);
    if (!arm)
      return reply_query_error(
          res, QueryError("arm", fmt::format("unknown arm {}; configured arms: {}",
                                             json_string(excerpt(*arm_name)), context.arm_names())));
    arm_index = static_cast<std::size_t>(arm - experiment.arms.data());
  } else {
    arm_index = experiment.assign(*user);
  }
  const Arm& arm = experiment.arms[arm_index];

  const ServingWorld& world = context.world;
  const ServingWorld::UserView view = world.user(*user);
  const auto looked_up = Clock::now();

  // Control arms never touch the store, so a store outage leaves them serving.
  std::optional<StoredCandidates> candidates;
  std::optional<std::string> generation;
  if (context.feed) {
    if (!arm.ordering) {
      generation = context.feed->generation();
    } else {
      try {
        // One pin for both (issue 16, item 2): reading the generation and then
        // the lists let a refresh in between make them disagree.
        PinnedCandidates pinned = context.feed->read(*user);
        generation = std::move(pinned.generation);
        candidates = std::move(pinned.candidates);
      } catch (const std::exception& e) {
        context.metrics.add_store_error(StoreOp::get);
        // The reason names the store's URI or path: the log gets it, the
        // client a short reason (issue 17, item 9).
        spdlog::warn("serve: candidate store get for user {} failed: {}", *user, e.what());
        return reply_error(res, 503, "candidate store unavailable (the reason is in the server log)");
      }
    }
  }
  const auto fetched = Clock::now();

  SlateRequest request;
  request.user_embedding = view.embedding;
  request.seen_items = view.seen;
  request.n = static_cast<int>(n);
  request.arm = &arm;
  request.invr = candidates ? &*candidates : nullptr;
  request.now = context.now();
  const Slate slate = world.assembler->assemble(request);
  const auto assembled = Clock::now();
  context.metrics.add_slate(arm_index, slate.invr_items, slate.fallback);

  std::string out;
  out.reserve(256 + slate.items.size() * 96);
  out += "{\"user\":";
  append_json_string(out, *user);
  out += ",\"arm\":";
  append_json_string(out, arm.name);
  out += ",\"generation\":";
  if (generation) append_json_string(out, *generation);
  else out += "null";
  out += fmt::format(",\"fallback\":{},\"known_user\":{},", slate.fallback, view.known);
  append_slate_json(out, world, slate);
  const auto finished = Clock::now();
  out += fmt::format(
      ",\"timing\":{{\"lookup_us\":{},\"candidates_us\":{},\"assemble_us\":{},\"total_us\":{}}}}}",
      micros(started, looked_up), micros(looked_up, fetched), micros(fetched, assembled),
      micros(started, finished));
  res.set_header("X-Invr-Arm", arm.name);
  reply_json(res, 200, std::move(out));
}

}  // namespace invr::serving
