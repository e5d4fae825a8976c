// Rules both backends share: generation ids, manifest stamping, expiry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "invr/store.h"

namespace invr::store {

// UsageError naming `uri` unless valid_generation_id(id).
void check_generation_id(std::string_view uri, std::string_view id);

// UsageError naming `uri` and `id` unless `part` is a part number, 1..9999
// (GenerationPart; 0 is the beginning writer's own puts).
void check_part_number(std::string_view uri, std::string_view id, int part);

// UsageError unless `json` parses as a JSON object. Checked before a commit
// touches anything.
void check_manifest(std::string_view uri, std::string_view id, std::string_view json);

// The job's manifest with "generation", "commit_time", "commit_time_ms" and
// "stored_users" set by the store; pretty-printed.
std::string stamp_manifest(std::string_view json, std::string_view id, std::int64_t commit_time_ms,
                           std::size_t stored_users);

// Ids in `committed` (oldest commit first) that may be removed at `now_ms`: a
// generation expires grace_seconds after its successor's commit. `current` is
// never returned, whatever its position.
std::vector<std::string> expired_generations(const std::vector<GenerationInfo>& committed,
                                             std::string_view current, std::int64_t now_ms,
                                             double grace_seconds);

// UsageError naming the bad field unless the options are within bounds.
void check_options(const StoreOptions& options);

std::int64_t unix_time_ms();

}  // namespace invr::store
