// GET /v1/candidates?user=ID[&ordering=NAME][&n=N]: the user's stored InvR
// lists themselves, with the generation they come from (one pin), for
// platforms that assemble their slates on their own.
#include <fmt/format.h>

#include "common/excerpt.h"
#include "serving/http_query.h"
#include "serving/http_slate.h"
#include "serving/http_util.h"

namespace invr::serving {
namespace {

// The longest list a reply holds per ordering (lists are top-N users per
// item inverted, far shorter in practice).
constexpr std::int64_t kMaxCandidatesN = 10000;

void append_list(std::string& out, const std::vector<StoredCandidate>& list, std::size_t n) {
  out += '[';
  for (std::size_t i = 0; i < list.size() && i < n; ++i) {
    if (i > 0) out += ',';
    out += "{\"id\":";
    append_json_string(out, list[i].item);
    out += fmt::format(",\"score\":{},\"user_rank\":{}}}", list[i].score, list[i].user_rank);
  }
  out += ']';
}

}  // namespace

void handle_candidates(ServerContext& context, const HttpRequest& req, HttpResponse& res) {
  std::string user;
  std::optional<Ordering> ordering;
  std::int64_t n = kMaxCandidatesN;
  try {
    const QueryParams params = parse_query(query_of(req.target), query_parameters(Route::candidates));
    const auto user_param = params.find("user");
    if (user_param == params.end()) throw RequestError("user", "missing query parameter 'user'");
    if (const std::string problem = id_problem(user_param->second); !problem.empty())
      throw RequestError("user", "query parameter 'user' " + problem);
    user = user_param->second;
    if (const auto found = params.find("ordering"); found != params.end()) {
      ordering = parse_ordering(found->second);
      if (!ordering)
        throw RequestError("ordering", fmt::format("query parameter 'ordering' must be random, score, "
                                                   "user_rank or target, got {}", json_string(excerpt(found->second))));
    }
    if (const auto found = params.find("n"); found != params.end()) n = parse_n(found->second, kMaxCandidatesN, "n");
  } catch (const QueryError& e) {
    return reply_query_error(res, e);
  } catch (const RequestError& e) {
    return reply_request_error(res, e, "parameter");
  }
  if (!context.feed) return reply_error(res, 503, "no candidate store configured ([serve] store or [job] store)");
  PinnedCandidates pinned;
  try {
    pinned = read_candidates(context, user);
  } catch (const StoreUnavailable& e) {
    return reply_error(res, 503, e.what());
  }
  std::string out = "{\"user\":";
  append_json_string(out, user);
  out += ',';
  append_generation(out, pinned.generation);
  out += ",\"lists\":{";
  bool first = true;
  static const std::vector<StoredCandidate> kNone;
  for (const Ordering o : kAllOrderings) {
    if (ordering && o != *ordering) continue;
    if (!first) out += ',';
    first = false;
    out += fmt::format("\"{}\":", ordering_name(o));
    append_list(out, pinned.candidates ? pinned.candidates->of(o) : kNone, static_cast<std::size_t>(n));
  }
  out += "}}";
  reply_json(res, 200, std::move(out));
}

}  // namespace invr::serving
