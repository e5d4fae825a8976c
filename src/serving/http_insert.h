// POST /v1/insert body validation (docs/serving_http.md, "POST /v1/insert"),
// apart from the handler so the fuzz target (fuzz/fuzz_insert.cc) reaches it
// without a server:
//
//   {"user": "u1", "slate": [{"id": "i9", "score": 0.7}, ...], "arm": "control", "n": 20}
//
// user and slate required; slate 1..kMaxPlatformSlate items, ids unique, score
// optional; n in [1, kMaxInsertN]. Every other key, a wrong type or a key
// given twice (parse_body_object) is a RequestError naming the field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "invr/slate.h"

namespace invr::serving {

// The reply's length bound at most: a full platform slate plus slots to spare.
constexpr std::int64_t kMaxInsertN = 2000;

struct InsertBody {
  std::string user;
  std::optional<std::int64_t> n;  // nullopt: every platform item plus what is inserted
  std::optional<std::string> arm;  // nullopt: the user's bucket
  // The platform slate, source platform, score NaN when not given. An index at
  // or past catalog.items() is extra_ids[index - catalog.items()], an item the
  // catalog lacks (kept; never equal to a candidate).
  std::vector<SlateItem> ranked;
  std::vector<std::string> extra_ids;
};

// One request object (a /v1/insert body or a /v1/insert/batch entry).
InsertBody parse_insert_body(const nlohmann::json& object, const SlateCatalog& catalog);

}  // namespace invr::serving
