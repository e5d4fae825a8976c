// POST /v1/items: new catalog items, served by main retrieval at once
// (content cold-start embeddings, a new world snapshot) and logged durably
// to [serve] item_log, which a restart and the next job read.
//
//   {"items": [{"id": "i99", "producer": "p1", "publish_time": 1700000000,
//               "tokens": ["genre=Comedy"]}, ...]}     1..1000 items
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "invr/log.h"
#include "common/excerpt.h"
#include "serving/http_slate.h"
#include "serving/http_util.h"
#include "serving/server_context.h"
#include "serving/world_items.h"

namespace invr::serving {
namespace {
using nlohmann::json;

constexpr double kMaxPublishTime = 1e11;  // as for event timestamps: larger is a unit mix-up
constexpr std::size_t kMaxTokens = 256;

// An id already in the catalog: 409.
class ItemConflict : public RequestError {
 public:
  using RequestError::RequestError;
};

std::string token_at(const json& value, const std::string& field) {
  std::string token = json_id(value, field);
  if (token.find(' ') != std::string::npos)
    throw RequestError(field, fmt::format("field '{}' must hold no space (tokens are space-separated in the item log)", field));
  return token;
}

NewItem parse_item(const json& object, const std::string& where) {
  if (!object.is_object())
    throw RequestError(where, fmt::format("{} must be an object {{\"id\": ..., \"producer\": ..., \"publish_time\": ...}}", where));
  NewItem item;
  bool has_id = false, has_producer = false, has_time = false;
  for (const auto& field : object.items()) {
    const std::string name = where + "." + field.key();
    const json& value = field.value();
    if (field.key() == "id") {
      item.id = json_id(value, name);
      has_id = true;
    } else if (field.key() == "producer") {
      item.producer = json_id(value, name);
      has_producer = true;
    } else if (field.key() == "publish_time") {
      const double t = value.is_number() ? value.get<double>() : -1;
      if (!value.is_number() || !std::isfinite(t) || t < 0 || t > kMaxPublishTime)
        throw RequestError(name, fmt::format("field '{}' must be Unix seconds in [0, {}], got {}", name,
                                             kMaxPublishTime, describe_json(value)));
      item.publish_time = t;
      has_time = true;
    } else if (field.key() == "tokens") {
      if (!value.is_array() || value.size() > kMaxTokens)
        throw RequestError(name, fmt::format("field '{}' must be an array of at most {} strings, got {}", name,
                                             kMaxTokens, describe_json(value)));
      for (std::size_t t = 0; t < value.size(); ++t)
        item.tokens.push_back(token_at(value[t], fmt::format("{}[{}]", name, t)));
    } else {
      throw RequestError(name, fmt::format("unknown field {} in {}; expected id, producer, publish_time, tokens",
                                           json_string(excerpt(field.key())), where));
    }
  }
  if (!has_id) throw RequestError(where + ".id", fmt::format("missing field 'id' in {}", where));
  if (!has_producer) throw RequestError(where + ".producer", fmt::format("missing field 'producer' in {}", where));
  if (!has_time)
    throw RequestError(where + ".publish_time", fmt::format("missing field 'publish_time' in {}", where));
  return item;
}

std::vector<NewItem> parse_items(const json& body, const IdMap& catalog) {
  for (const auto& field : body.items())
    if (field.key() != "items")
      throw RequestError(field.key(), fmt::format("unknown field {}; expected items", json_string(excerpt(field.key()))));
  const auto found = body.find("items");
  if (found == body.end()) throw RequestError("items", "missing field 'items' (an array of new items)");
  if (!found->is_array() || found->empty())
    throw RequestError("items", fmt::format("field 'items' must be a non-empty array, got {}", describe_json(*found)));
  if (found->size() > kMaxBatchEntries)
    throw BatchTooLarge(fmt::format("{} items in one call; at most {}", found->size(), kMaxBatchEntries));
  std::vector<NewItem> items;
  std::set<std::string, std::less<>> ids;
  for (std::size_t i = 0; i < found->size(); ++i) {
    const std::string where = fmt::format("items[{}]", i);
    NewItem item = parse_item((*found)[i], where);
    if (!ids.insert(item.id).second)
      throw RequestError(where + ".id", fmt::format("item {} is given twice", json_string(item.id)));
    if (catalog.find(item.id) != kNoIndex)
      throw ItemConflict(where + ".id", fmt::format("item {} is already in the catalog", json_string(item.id)));
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

void handle_items(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  if (!context.item_log) return reply_error(res, 503, "no item log configured ([serve] item_log)");
  // One change at a time: two posts must not both extend the same snapshot.
  std::lock_guard change(context.world_change);
  const auto world = context.world();
  std::vector<NewItem> items;
  try {
    items = parse_items(parse_body_object(req.body), world->assembler->catalog().item_ids);
  } catch (const ItemConflict& e) {
    std::string out = "{\"error\":" + json_string(e.what()) + ",\"field\":" + json_string(e.field()) + "}";
    return reply_json(res, 409, std::move(out));
  } catch (const RequestError& e) {
    return reply_request_error(res, e);
  } catch (const BatchTooLarge& e) {
    return reply_error(res, 413, e.what());
  }
  // Built before anything is written: a failure changes nothing.
  const auto next = with_new_items(*world, items);
  std::string lines;
  for (const NewItem& item : items) lines += item_line(item);
  try {
    context.item_log->append_lines(std::move(lines));
  } catch (const Error& e) {
    invr::logger().error("serve: {}", e.what());  // names the path: the log only (issue 17, item 9)
    return reply_error(res, 503, "item log unavailable (the reason is in the server log)");
  }
  context.set_world(next);
  reply_json(res, 200, fmt::format("{{\"added\":{},\"catalog_items\":{}}}", items.size(),
                                   next->assembler->catalog().items()));
}

}  // namespace invr::serving
