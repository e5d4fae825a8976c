// POST /v1/insert: the platform's own ranked slate in, the same slate out with
// the user's InvR candidates at the arm's slots (SlateAssembler::insert, the
// insertion step /v1/recommend and the simulator run). POST /v1/insert/batch:
// the same for up to 1,000 users. docs/serving_http.md, "POST /v1/insert".
#include <chrono>
#include <cmath>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "serving/http_insert.h"
#include "serving/http_slate.h"
#include "serving/http_util.h"

namespace invr::serving {
namespace {
using Clock = std::chrono::steady_clock;

std::int64_t micros_since(Clock::time_point from) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - from).count();
}

// One user's insert request, parsed and resolved up to the store read.
struct InsertEntry {
  InsertBody body;
  std::size_t arm = 0;
  ServingWorld::UserView view;
  PinnedCandidates pinned;
  std::shared_ptr<const std::vector<Index>> treated;  // forward-longtail arms
  std::int64_t read_us = 0;  // the store read
};

// The platform slate: [{"id": ..., "score": ...}, ...], ids unique.
void parse_platform_slate(const nlohmann::json& value, const SlateCatalog& catalog, InsertBody& body) {
  if (!value.is_array())
    throw RequestError("slate", fmt::format("field 'slate' must be an array of {{\"id\": ..., \"score\": ...}}, "
                                            "got {}", describe_json(value)));
  if (value.empty()) throw RequestError("slate", "field 'slate' is empty; send the platform's ranked items");
  if (value.size() > kMaxPlatformSlate)
    throw RequestError("slate", fmt::format("field 'slate' has {} items; at most {}", value.size(), kMaxPlatformSlate));
  const auto catalog_items = static_cast<Index>(catalog.items());
  std::unordered_set<std::string> ids;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const nlohmann::json& item = value[i];
    const std::string at = fmt::format("slate[{}]", i);
    if (!item.is_object())
      throw RequestError(at, fmt::format("{} must be an object {{\"id\": ..., \"score\": ...}}, got {}", at,
                                         describe_json(item)));
    std::string id;
    double score = std::nan("");
    bool has_id = false;
    for (const auto& field : item.items()) {
      const std::string name = at + "." + field.key();
      if (field.key() == "id") {
        id = json_id(field.value(), name);
        has_id = true;
      } else if (field.key() == "score") {
        if (!field.value().is_number())
          throw RequestError(name, fmt::format("field '{}' must be a number, got {}", name, describe_json(field.value())));
        score = field.value().get<double>();
      } else {
        throw RequestError(name, fmt::format("unknown field {}; a slate item has id and score",
                                             json_string(excerpt(field.key()))));
      }
    }
    if (!has_id) throw RequestError(at + ".id", fmt::format("missing field '{}.id'", at));
    if (!ids.insert(id).second)
      throw RequestError(at + ".id", fmt::format("item {} appears twice in 'slate'; a slate lists each item once",
                                                 json_string(id)));
    Index index = catalog.item_ids.find(id);
    Index producer = kNoIndex;
    if (index == kNoIndex) {
      // The platform owns items invr never loaded: kept, under an index past the catalog.
      index = catalog_items + static_cast<Index>(body.extra_ids.size());
      body.extra_ids.push_back(id);
    } else {
      producer = catalog.producer[static_cast<std::size_t>(index)];
    }
    body.ranked.push_back({index, producer, score, SlateSource::platform, 0});
  }
}

// Parsed, its arm chosen, its candidates read (StoreUnavailable if that fails).
InsertEntry resolve_insert(ServerContext& context, const ServingWorld& world,
                           const nlohmann::json& object) {
  InsertEntry entry;
  entry.body = parse_insert_body(object, world.assembler->catalog());
  const std::string* arm_name = entry.body.arm ? &*entry.body.arm : nullptr;
  entry.arm = choose_arm(context, entry.body.user, arm_name, "arm");
  entry.view = world.user(entry.body.user, context.live_seen);
  const auto read_started = Clock::now();
  entry.pinned = read_for_arm(context, entry.body.user, context.config.experiment.arms[entry.arm]);
  entry.treated = read_treated(context, world, context.config.experiment.arms[entry.arm], entry.pinned);
  entry.read_us = micros_since(read_started);
  return entry;
}

// The reply without its closing brace.
void append_insert_reply(std::string& out, ServerContext& context, const ServingWorld& world,
                         const InsertEntry& entry) {
  const Arm& arm = context.config.experiment.arms[entry.arm];
  SlateRequest request;
  request.seen_items = entry.view.seen;
  // Default: room for every platform item and every slot.
  const InsertBody& body = entry.body;
  request.n = static_cast<int>(body.n.value_or(static_cast<std::int64_t>(body.ranked.size() + arm.slots.size())));
  request.arm = &arm;
  request.invr = entry.pinned.candidates ? &*entry.pinned.candidates : nullptr;
  request.now = context.now();
  // forward-longtail inserts the user's own top treated items.
  if (entry.treated) {
    request.treated_items = *entry.treated;
    request.user_embedding = entry.view.embedding;
  }
  const Slate slate = world.assembler->insert(body.ranked, request);
  context.metrics.add_slate(entry.arm, slate.invr_items, false);
  out += "{\"user\":";
  append_json_string(out, body.user);
  out += ",\"arm\":";
  append_json_string(out, arm.name);
  out += ',';
  append_generation(out, entry.pinned.generation);
  out += fmt::format(",\"inserted\":{},\"known_user\":{},", slate.invr_items, entry.view.known);
  append_slate_items(out, world, slate, body.extra_ids);
}

}  // namespace

InsertBody parse_insert_body(const nlohmann::json& object, const SlateCatalog& catalog) {
  if (!object.is_object())
    throw RequestError("", "each request must be a JSON object {\"user\": ..., \"slate\": [...]}");
  InsertBody body;
  bool has_user = false, has_slate = false;
  for (const auto& field : object.items()) {
    const std::string& key = field.key();
    if (key == "user") {
      body.user = json_id(field.value(), key);
      has_user = true;
    } else if (key == "slate") {
      parse_platform_slate(field.value(), catalog, body);
      has_slate = true;
    } else if (key == "n") {
      body.n = json_n(field.value(), kMaxInsertN, key);
    } else if (key == "arm") {
      if (!field.value().is_string())
        throw RequestError(key, fmt::format("field 'arm' must be a string, got {}", describe_json(field.value())));
      body.arm = field.value().get<std::string>();
    } else {
      throw RequestError(key, fmt::format("unknown field {}; expected user, slate, arm, n", json_string(excerpt(key))));
    }
  }
  if (!has_user) throw RequestError("user", "missing field 'user'");
  if (!has_slate) throw RequestError("slate", "missing field 'slate' (the platform's ranked items)");
  return body;
}

void handle_insert(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  const auto started = Clock::now();
  const auto world = context.world();
  InsertEntry entry;
  try {
    entry = resolve_insert(context, *world, parse_body_object(req.body));
  } catch (const RequestError& e) {
    return reply_request_error(res, e);
  } catch (const StoreUnavailable& e) {
    return reply_error(res, 503, e.what());
  }
  std::string out;
  out.reserve(256 + entry.body.ranked.size() * 96);
  append_insert_reply(out, context, *world, entry);
  out += fmt::format(",\"timing\":{{\"candidates_us\":{},\"total_us\":{}}}}}", entry.read_us,
                     micros_since(started));
  res.set_header("X-Invr-Arm", context.config.experiment.arms[entry.arm].name);
  reply_json(res, 200, std::move(out));
}

void handle_insert_batch(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  const auto started = Clock::now();
  nlohmann::json body;
  const nlohmann::json* entries = read_batch_body(req, res, body);
  if (!entries) return;
  const auto world = context.world();  // one snapshot for the whole batch
  std::string out = "{\"results\":[";
  for (std::size_t i = 0; i < entries->size(); ++i) {
    if (i > 0) out += ',';
    try {
      const InsertEntry entry = resolve_insert(context, *world, (*entries)[i]);
      append_insert_reply(out, context, *world, entry);
      out += ",\"status\":200}";
    } catch (const RequestError& e) {
      append_entry_error(out, 400, e.what(), e.field());
    } catch (const StoreUnavailable& e) {
      append_entry_error(out, 503, e.what(), "");
    }
  }
  out += fmt::format("],\"timing\":{{\"total_us\":{}}}}}", micros_since(started));
  reply_json(res, 200, std::move(out));
}

}  // namespace invr::serving
