#include "store/generation_rules.h"

#include <chrono>
#include <cmath>
#include <ctime>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "invr/error.h"

namespace invr {

bool valid_generation_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  // "." and ".." would name directories that are not generations.
  return id != "." && id != "..";
}

namespace {
std::string utc_iso(std::int64_t ms, const char* date_format) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, date_format, &parts);
  return fmt::format("{}.{:03}Z", text, ms % 1000);
}
}  // namespace

std::string make_generation_id() { return utc_iso(store::unix_time_ms(), "%Y%m%dT%H%M%S"); }

namespace store {

std::int64_t unix_time_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

void check_generation_id(std::string_view uri, std::string_view id) {
  if (!valid_generation_id(id)) {
    throw UsageError(fmt::format(
        "{}: invalid generation id \"{}\": expected 1 to 64 characters of A-Z a-z 0-9 . _ -", uri, id));
  }
}

void check_part_number(std::string_view uri, std::string_view id, int part) {
  if (part < 1 || part > 9999)
    throw UsageError(fmt::format("{}: generation {}: part must be in [1, 9999], got {}", uri, id, part));
}

void check_manifest(std::string_view uri, std::string_view id, std::string_view json) {
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(json);
  } catch (const nlohmann::json::parse_error& e) {
    throw UsageError(fmt::format("{}: manifest of generation {} is not valid JSON: {}", uri, id, e.what()));
  }
  if (!parsed.is_object()) {
    throw UsageError(fmt::format("{}: manifest of generation {} must be a JSON object, got {}", uri, id,
                                 parsed.type_name()));
  }
}

std::string stamp_manifest(std::string_view json, std::string_view id, std::int64_t commit_time_ms,
                           std::size_t stored_users) {
  nlohmann::json manifest = nlohmann::json::parse(json);
  manifest["generation"] = std::string(id);
  manifest["commit_time"] = utc_iso(commit_time_ms, "%Y-%m-%dT%H:%M:%S");
  manifest["commit_time_ms"] = commit_time_ms;
  manifest["stored_users"] = stored_users;
  return manifest.dump(2) + "\n";
}

std::vector<std::string> expired_generations(const std::vector<GenerationInfo>& committed,
                                             std::string_view current, std::int64_t now_ms,
                                             double grace_seconds) {
  const auto grace_ms = static_cast<std::int64_t>(std::ceil(grace_seconds * 1000.0));
  std::vector<std::string> expired;
  for (std::size_t i = 0; i + 1 < committed.size(); ++i) {
    if (committed[i].id == current) continue;
    // Replaced when its successor was committed; readers get grace from then.
    if (now_ms >= committed[i + 1].commit_time_ms + grace_ms) expired.push_back(committed[i].id);
  }
  return expired;
}

void check_options(const StoreOptions& options) {
  auto fail = [](const char* field, const std::string& expected) {
    throw UsageError(fmt::format("store option {}: expected {}", field, expected));
  };
  if (!(options.grace_seconds >= 0.0) || !std::isfinite(options.grace_seconds)) {
    fail("grace_seconds", fmt::format("a finite number >= 0, got {}", options.grace_seconds));
  }
  if (options.batch_users < 1) fail("batch_users", "at least 1");
  if (options.sort_buffer_bytes < 1) fail("sort_buffer_bytes", "at least 1");
  if (options.redis_connect_timeout_ms < 1) fail("redis_connect_timeout_ms", "at least 1");
  if (options.redis_command_timeout_ms < 1) fail("redis_command_timeout_ms", "at least 1");
  if (options.redis_connections < 1) fail("redis_connections", "at least 1");
}

}  // namespace store
}  // namespace invr
