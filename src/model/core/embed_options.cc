// Small helpers of the public model API that both the host and the LibTorch
// plugin use.
#include "invr/model.h"

namespace invr {

const char* cold_start_name(ColdStart mode) {
  return mode == ColdStart::content ? "content" : "random";
}

std::optional<ColdStart> parse_cold_start(std::string_view name) {
  if (name == "random") return ColdStart::random;
  if (name == "content") return ColdStart::content;
  return std::nullopt;
}

double latest_timestamp(const Dataset& dataset) {
  double latest = kNoTime;
  for (double t : dataset.interactions.timestamp)
    if (has_time(t) && (!has_time(latest) || t > latest)) latest = t;
  return latest;
}

}  // namespace invr
