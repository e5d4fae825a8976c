// The POST /v1/insert and /v1/insert/batch body readers (parse_client_json,
// parse_body_object, batch_entries, parse_insert_body) with a catalog of items
// i1..i9: a body with "requests" is read as a batch, anything else as one insert.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "serving/http_insert.h"
#include "serving/http_slate.h"
#include "serving/http_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace invr;
  static const SlateCatalog catalog = [] {
    SlateCatalog c;
    for (int i = 1; i <= 9; ++i) {
      c.item_ids.add("i" + std::to_string(i));
      c.producer.push_back(i % 3);
    }
    return c;
  }();
  auto check = [](const serving::InsertBody& body) {
    (void)serving::json_string(body.user);
    for (const SlateItem& item : body.ranked) {
      // Every index names a catalog item or one of the extra ids.
      const auto extra = static_cast<std::size_t>(item.item) - catalog.items();
      if (item.item < 0 || (static_cast<std::size_t>(item.item) >= catalog.items() && extra >= body.extra_ids.size()))
        throw std::logic_error("platform item index out of range");
    }
  };
  fuzz::expected([&] {
    const nlohmann::json body = serving::parse_body_object(fuzz::as_text(data, size));
    if (body.contains("requests")) {
      for (const auto& entry : serving::batch_entries(body)) {
        try {
          check(serving::parse_insert_body(entry, catalog));
        } catch (const serving::RequestError&) {
          // One bad entry is that entry's error; the rest are still read.
        }
      }
    } else {
      check(serving::parse_insert_body(body, catalog));
    }
  });
  return 0;
}
