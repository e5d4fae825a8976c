// The HTTP query-string parser: the input is a request target
// ("/v1/recommend?user=u1&n=5"), or a bare query when it holds no '?'. It is
// parsed with /v1/recommend's parameters (user, n, arm) and with none (the
// other routes), and every value is checked as a client id, as the handlers
// do.
#include <array>
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "serving/http_query.h"
#include "serving/http_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace invr;
  const std::string_view input = fuzz::as_text(data, size);
  const std::string_view query =
      input.find('?') == std::string_view::npos ? input : serving::query_of(input);
  static constexpr std::array<std::string_view, 3> kRecommend = {"user", "n", "arm"};
  fuzz::expected([&] {
    for (const auto& [name, value] : serving::parse_query(query, kRecommend))
      (void)serving::json_string(serving::id_problem(value).empty() ? value : name);
  });
  fuzz::expected([&] { serving::parse_query(query, {}); });
  return 0;
}
