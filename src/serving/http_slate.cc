// The pieces the slate endpoints share (http_slate.h).
#include "serving/http_slate.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "serving/http_util.h"

#include "invr/log.h"

namespace invr::serving {

RequestError::RequestError(std::string field, const std::string& message)
    : UsageError(message), field_(std::move(field)) {}

std::size_t choose_arm(const ServerContext& context, std::string_view user, const std::string* arm_name,
                       const std::string& field) {
  const Experiment& experiment = context.config.experiment;
  if (!arm_name) return experiment.assign(user);
  const Arm* arm = experiment.find(*arm_name);
  if (!arm)
    throw RequestError(field, fmt::format("unknown arm {}; configured arms: {}",
                                          json_string(excerpt(*arm_name)), context.arm_names()));
  return static_cast<std::size_t>(arm - experiment.arms.data());
}

PinnedCandidates read_for_arm(ServerContext& context, std::string_view user, const Arm& arm) {
  PinnedCandidates out;
  if (!context.feed) return out;
  if (!arm.ordering) {
    out.generation = context.feed->generation();
    return out;
  }
  return read_candidates(context, user);
}

PinnedCandidates read_candidates(ServerContext& context, std::string_view user) {
  try {
    return context.feed->read(user);
  } catch (const std::exception& e) {
    context.metrics.add_store_error(StoreOp::get);
    // The reason names the store's URI or path: the log gets it, the client
    // a short reason (issue 17, item 9).
    invr::logger().warn("serve: candidate store get for user {} failed: {}", user, e.what());
    throw StoreUnavailable();
  }
}

std::shared_ptr<const std::vector<Index>> read_treated(ServerContext& context, const ServingWorld& world,
                                                       const Arm& arm, const PinnedCandidates& pinned) {
  if (arm.method != ArmMethod::forward_longtail || !context.feed || !pinned.generation) return nullptr;
  try {
    return context.treated.get(*context.feed, *pinned.generation, world.assembler);
  } catch (const std::exception& e) {
    context.metrics.add_store_error(StoreOp::get);
    invr::logger().warn("serve: manifest of generation {} (treated items) failed: {}", *pinned.generation,
                        e.what());
    throw StoreUnavailable();
  }
}

std::int64_t checked_n(std::int64_t value, std::int64_t max, const std::string& field) {
  if (value < 1 || value > max)
    throw RequestError(field, fmt::format("'{}' must be an integer in [1, {}], got {}", field, max, value));
  return value;
}

std::int64_t parse_n(const std::string& text, std::int64_t max, const std::string& field) {
  std::int64_t n = 0;
  const char* last = text.data() + text.size();
  const auto [end, ec] = std::from_chars(text.data(), last, n);
  if (text.empty() || ec != std::errc() || end != last || n < 1 || n > max)
    throw RequestError(field, fmt::format("query parameter '{}' must be an integer in [1, {}], got {}",
                                          field, max, json_string(excerpt(text))));
  return n;
}

std::string describe_json(const nlohmann::json& value) {
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string json_id(const nlohmann::json& value, const std::string& field) {
  if (!value.is_string())
    throw RequestError(field, fmt::format("field '{}' must be a string, got {}", field, describe_json(value)));
  const std::string& text = value.get_ref<const std::string&>();
  if (const std::string problem = id_problem(text); !problem.empty())
    throw RequestError(field, fmt::format("field '{}' {}", field, problem));
  return text;
}

std::int64_t json_n(const nlohmann::json& value, std::int64_t max, const std::string& field) {
  // 5.0 is refused too: a count is an integer, and a float here is a client bug.
  if (!value.is_number_integer())
    throw RequestError(field, fmt::format("'{}' must be an integer in [1, {}], got {}", field, max,
                                          describe_json(value)));
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max))
    return checked_n(max + 1, max, field);
  return checked_n(value.get<std::int64_t>(), max, field);
}

nlohmann::json parse_body_object(std::string_view body) {
  std::optional<std::string> duplicate;
  nlohmann::json value = parse_client_json(body, duplicate);
  if (duplicate)
    throw RequestError(*duplicate, fmt::format("field {} is given twice in one object; give each field once",
                                               json_string(excerpt(*duplicate))));
  if (value.is_discarded()) throw RequestError("", "the body is not valid JSON");
  if (!value.is_object()) throw RequestError("", "the body must be a JSON object");
  return value;
}

const nlohmann::json& batch_entries(const nlohmann::json& body) {
  for (const auto& entry : body.items())
    if (entry.key() != "requests")
      throw RequestError(entry.key(), fmt::format("unknown field {}; a batch body is {{\"requests\": [...]}}",
                                                  json_string(excerpt(entry.key()))));
  const auto found = body.find("requests");
  if (found == body.end()) throw RequestError("requests", "missing field 'requests' (an array of requests)");
  if (!found->is_array())
    throw RequestError("requests", fmt::format("field 'requests' must be an array, got {}", describe_json(*found)));
  if (found->empty()) throw RequestError("requests", "field 'requests' is empty; send 1 to 1000 requests");
  if (found->size() > kMaxBatchEntries)
    throw BatchTooLarge(fmt::format("{} requests in one batch; at most {} per call", found->size(),
                                    kMaxBatchEntries));
  return *found;
}

const nlohmann::json* read_batch_body(const HttpRequest& req, HttpResponse& res, nlohmann::json& body) {
  try {
    body = parse_body_object(req.body);
    return &batch_entries(body);
  } catch (const RequestError& e) {
    reply_request_error(res, e);
  } catch (const BatchTooLarge& e) {
    reply_error(res, 413, e.what());
  }
  return nullptr;
}

void append_slate_items(std::string& out, const ServingWorld& world, const Slate& slate,
                        std::span<const std::string> extra_ids) {
  const SlateCatalog& catalog = world.assembler->catalog();
  const auto catalog_items = static_cast<Index>(catalog.items());
  out += "\"items\":[";
  for (std::size_t i = 0; i < slate.items.size(); ++i) {
    const SlateItem& item = slate.items[i];
    if (i > 0) out += ',';
    out += "{\"id\":";
    if (item.item < catalog_items) append_json_string(out, catalog.item_ids.id(item.item));
    else append_json_string(out, extra_ids[static_cast<std::size_t>(item.item - catalog_items)]);
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

void append_generation(std::string& out, const std::optional<std::string>& generation) {
  out += "\"generation\":";
  if (generation) append_json_string(out, *generation);
  else out += "null";
}

void reply_request_error(HttpResponse& res, const RequestError& error, const char* name_key) {
  std::string body = "{\"error\":" + json_string(error.what());
  if (!error.field().empty()) body += fmt::format(",\"{}\":{}", name_key, json_string(excerpt(error.field())));
  reply_json(res, 400, body + "}");
}

void append_entry_error(std::string& out, int status, const std::string& message, const std::string& field) {
  out += fmt::format("{{\"status\":{},\"error\":", status);
  append_json_string(out, message);
  if (!field.empty()) {
    out += ",\"field\":";
    append_json_string(out, excerpt(field));
  }
  out += '}';
}

}  // namespace invr::serving
