// What the slate endpoints share (GET /v1/recommend, POST /v1/insert, their
// batch forms, GET /v1/candidates): a request error that names its field, the
// arm choice, the one-pin candidate read, the n rule, the slate's JSON, and
// the JSON body readers of the POST forms (docs/serving_http.md).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "invr/error.h"
#include "invr/slate.h"
#include "serving/server_context.h"

namespace invr::serving {

// Most users (batch entries) per batch call, and most items per platform slate.
constexpr std::size_t kMaxBatchEntries = 1000;
constexpr std::size_t kMaxPlatformSlate = 1000;

// A bad request parameter or body field: 400 naming it (field() "" = the
// whole body or entry).
class RequestError : public UsageError {
 public:
  RequestError(std::string field, const std::string& message);
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

// The candidate store failed; the request gets 503 (the reason was logged).
class StoreUnavailable : public std::runtime_error {
 public:
  StoreUnavailable() : std::runtime_error("candidate store unavailable (the reason is in the server log)") {}
};

// The arm called `arm_name` (RequestError naming `field` if unknown), or the
// user's bucket when arm_name is null. Returns an index into the experiment.
std::size_t choose_arm(const ServerContext& context, std::string_view user, const std::string* arm_name,
                       const std::string& field);

// The user's lists and their generation from one pin (issue 16, item 2);
// context.feed must be set. Counts and logs a failed read, then throws
// StoreUnavailable.
PinnedCandidates read_candidates(ServerContext& context, std::string_view user);
// The same for a request on `arm`: a
// control arm reads no lists (a store outage leaves it serving) and names the
// pinned generation. Counts and logs a failed read, then throws StoreUnavailable.
PinnedCandidates read_for_arm(ServerContext& context, std::string_view user, const Arm& arm);

// forward-longtail arms: the treated items (catalog indices of `world`) of
// the generation `pinned` names; null for other arms or no generation. A
// failed manifest read counts and logs as a store error, then throws
// StoreUnavailable.
std::shared_ptr<const std::vector<Index>> read_treated(ServerContext& context, const ServingWorld& world,
                                                       const Arm& arm, const PinnedCandidates& pinned);

// `value` checked against [1, max]; RequestError naming `field` otherwise.
std::int64_t checked_n(std::int64_t value, std::int64_t max, const std::string& field);
// The same for a query value ("20"): an integer, then the range.
std::int64_t parse_n(const std::string& text, std::int64_t max, const std::string& field);

// A client id (user, item): a JSON string obeying id_problem; RequestError naming `field`.
std::string json_id(const nlohmann::json& value, const std::string& field);
// A JSON integer in [1, max]; RequestError naming `field`.
std::int64_t json_n(const nlohmann::json& value, std::int64_t max, const std::string& field);
// A short rendering of a client value for an error message.
std::string describe_json(const nlohmann::json& value);

// A POST body parsed strictly (parse_client_json: a repeated key is refused)
// that must be a JSON object; RequestError otherwise.
nlohmann::json parse_body_object(std::string_view body);
// The "requests" array of a batch body: 1..kMaxBatchEntries entries. More is
// a BatchTooLarge (413); anything else wrong a RequestError.
class BatchTooLarge : public UsageError {
 public:
  using UsageError::UsageError;
};
const nlohmann::json& batch_entries(const nlohmann::json& body);
// A batch request's body parsed into `body` and its entries: nullptr after
// answering the 400 or 413 itself (both batch routes start this way).
const nlohmann::json* read_batch_body(const HttpRequest& req, HttpResponse& res, nlohmann::json& body);

// `"items":[...]` of a slate: id, producer (null if none), score (null if not
// finite), source, position. An index >= the catalog's size is
// extra_ids[index - catalog size] (a platform item the catalog lacks).
void append_slate_items(std::string& out, const ServingWorld& world, const Slate& slate,
                        std::span<const std::string> extra_ids = {});
// `"generation":"g"` or `"generation":null`.
void append_generation(std::string& out, const std::optional<std::string>& generation);

// A 400 for a RequestError: {"error": what, "field": name}; `name_key`
// "parameter" for query parameters.
void reply_request_error(HttpResponse& res, const RequestError& error, const char* name_key = "field");
// The same error as a batch result: {"status": 400|503, "error": ..., "field": ...}.
void append_entry_error(std::string& out, int status, const std::string& message, const std::string& field);

}  // namespace invr::serving
