// POST /v1/events: validate every line of the body, append them all to the
// event log in one write, then add the clicks to the users' live seen items.
#include "invr/log.h"
#include "serving/http_events.h"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/excerpt.h"
#include "serving/http_util.h"
#include "serving/server_context.h"

namespace invr::serving {
namespace {
using nlohmann::json;

constexpr double kMaxTimestamp = 1e11;  // year 5138: anything larger is a unit mix-up
constexpr std::int64_t kMaxPosition = 100000;

std::string describe(const json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

LoggedEvent parse_event(const json& object, std::size_t line, const IdMap& items,
                        const Experiment& experiment, double now) {
  auto fail = [&](const std::string& field, const std::string& message) -> EventInputError {
    return EventInputError(line, field, message);
  };
  if (!object.is_object()) throw fail("", "expected a JSON object such as {\"user\": ..., \"item\": ..., \"event\": ...}");
  LoggedEvent event;
  event.timestamp = now;
  bool has_user = false, has_item = false, has_event = false;
  for (const auto& entry : object.items()) {
    // Named, not a structured binding: the lambda below captures them, which
    // clang 14 (the fuzz build's compiler) cannot do with a binding.
    const std::string& key = entry.key();
    const nlohmann::json& value = entry.value();
    auto id_field = [&] {
      if (!value.is_string()) throw fail(key, fmt::format("field '{}' must be a string, got {}", key, describe(value)));
      const std::string& text = value.get_ref<const std::string&>();
      if (const std::string problem = id_problem(text); !problem.empty())
        throw fail(key, fmt::format("field '{}' {}", key, problem));
      return text;
    };
    if (key == "user") {
      event.user = id_field();
      has_user = true;
    } else if (key == "item") {
      event.item = id_field();
      if (items.find(event.item) == kNoIndex)
        throw fail(key, fmt::format("item {} is not in the served catalog", json_string(event.item)));
      has_item = true;
    } else if (key == "event") {
      const std::string name = value.is_string() ? value.get<std::string>() : std::string();
      if (name == "impression") event.event = EventType::impression;
      else if (name == "click") event.event = EventType::click;
      else throw fail(key, fmt::format("field 'event' must be \"impression\" or \"click\", got {}", describe(value)));
      has_event = true;
    } else if (key == "timestamp") {
      const double t = value.is_number() ? value.get<double>() : -1;
      if (!value.is_number() || !std::isfinite(t) || t < 0 || t > kMaxTimestamp)
        throw fail(key, fmt::format("field 'timestamp' must be Unix seconds in [0, {}], got {}",
                                    kMaxTimestamp, describe(value)));
      event.timestamp = t;
    } else if (key == "position") {
      const bool integer = value.is_number_integer();
      const std::int64_t p = integer ? value.get<std::int64_t>() : 0;
      if (!integer || p < 1 || p > kMaxPosition)
        throw fail(key, fmt::format("field 'position' must be an integer in [1, {}] (1 = top), got {}",
                                    kMaxPosition, describe(value)));
    } else if (key == "arm") {
      if (!value.is_string() || !experiment.find(value.get<std::string>()))
        throw fail(key, fmt::format("field 'arm' must name a configured arm, got {}", describe(value)));
    } else {
      throw fail(key, fmt::format("unknown field {}; expected user, item, event, timestamp, position, arm",
                                  json_string(excerpt(key))));
    }
  }
  if (!has_user) throw fail("user", "missing field 'user'");
  if (!has_item) throw fail("item", "missing field 'item'");
  if (!has_event) throw fail("event", "missing field 'event' (\"impression\" or \"click\")");
  return event;
}

}  // namespace

EventInputError::EventInputError(std::size_t line, std::string field, const std::string& message)
    : UsageError(line > 0 ? fmt::format("line {}: {}", line, message) : message),
      line_(line),
      field_(std::move(field)) {}

std::vector<LoggedEvent> parse_event_lines(std::string_view body, const IdMap& items,
                                           const Experiment& experiment, double now) {
  std::vector<LoggedEvent> events;
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    std::optional<std::string> duplicate;
    const json object = parse_client_json(line, duplicate);
    if (duplicate)
      throw EventInputError(line_number, *duplicate,
                            fmt::format("field {} is given twice; give each field once",
                                        json_string(excerpt(*duplicate))));
    if (object.is_discarded())
      throw EventInputError(line_number, "", "not valid JSON (one JSON object per line)");
    events.push_back(parse_event(object, line_number, items, experiment, now));
  }
  if (events.empty())
    throw EventInputError(0, "", "no events: send one JSON object per line");
  return events;
}

void handle_events(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  // The front end has read the whole body, bounded by max_body_bytes (a
  // larger one got its 413 there, from the Content-Length before reading, or
  // counted as chunks arrived).
  const std::string& body = req.body;
  if (!context.events)
    return reply_error(res, 503, "no event log configured ([serve] event_log)");

  const auto world = context.world();
  const IdMap& items = world->assembler->catalog().item_ids;
  std::vector<LoggedEvent> events;
  try {
    events = parse_event_lines(body, items,
                               context.config.experiment, context.now());
  } catch (const EventInputError& e) {
    std::string out = "{\"error\":" + json_string(e.what());
    if (e.line() > 0) out += fmt::format(",\"line\":{}", e.line());
    if (!e.field().empty()) out += ",\"field\":" + json_string(excerpt(e.field()));
    return reply_json(res, 400, out + "}");
  }
  try {
    context.events->append(events);
  } catch (const Error& e) {
    context.metrics.add_event_log_error();
    // The reason names the log's absolute path: the log gets it, the client
    // a short reason (issue 17, item 9).
    invr::logger().error("serve: {}", e.what());
    return reply_error(res, 503, "event log unavailable (the reason is in the server log)");
  }
  // Logged first, then live: a click the log refused is not in effect either,
  // and one in effect survives a restart (the log is replayed at start).
  std::uint64_t clicks = 0;
  for (const auto& event : events) {
    clicks += event.event == EventType::click;
    if (is_positive(event.event)) context.live_seen.add(event.user, items.find(event.item));
  }
  context.metrics.add_events(EventType::click, clicks);
  context.metrics.add_events(EventType::impression, events.size() - clicks);
  reply_json(res, 200, fmt::format("{{\"accepted\":{}}}", events.size()));
}

}  // namespace invr::serving
