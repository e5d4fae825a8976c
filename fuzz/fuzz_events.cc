// The POST /v1/events body parser (JSON lines; duplicate keys refused) with a
// catalog of items i1..i9 and the default experiment's arms.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "serving/http_events.h"
#include "serving/http_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace invr;
  static const IdMap items = [] {
    IdMap map;
    for (int i = 1; i <= 9; ++i) map.add("i" + std::to_string(i));
    return map;
  }();
  static const Experiment experiment = default_experiment();
  fuzz::expected([&] {
    for (const auto& event : serving::parse_event_lines(fuzz::as_text(data, size), items, experiment, 1.7e9))
      (void)serving::json_string(event.user);
  });
  return 0;
}
