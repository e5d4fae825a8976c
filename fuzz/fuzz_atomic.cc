// The RecBole atomic-file reader (load_atomic: NAME.inter, .item, .user) and
// the exposure-log reader, on files written from the input's sections
// "=== d.inter" (the default: a bare input is the .inter), "=== d.item",
// "=== d.user" and "=== d.log". The log is read against the loaded dataset's
// items, or a fixed catalog (i1, i2, i3) when the dataset does not load.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "invr/atomic_io.h"
#include "invr/exposure_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace invr;
  auto& dir = fuzz::scratch();
  dir.clear();
  const auto sections = fuzz::split_sections(fuzz::as_text(data, size), "d.inter");
  for (const char* name : {"d.inter", "d.item", "d.user", "d.log"})
    if (const auto it = sections.find(name); it != sections.end()) dir.write(name, it->second);

  AtomicLoadOptions options;
  options.progress = false;
  options.cache = false;  // the cache is a binary file of invr's own, not input
  IdMap items;
  bool loaded = false;
  fuzz::expected([&] {
    Dataset dataset = load_atomic(dir.path(), "d", options);
    items = dataset.items;
    loaded = true;
  });
  if (sections.contains("d.log")) {
    if (!loaded)
      for (const char* id : {"i1", "i2", "i3"}) items.add(id);
    fuzz::expected([&] { read_exposure_log(dir.path() / "d.log", items); });
  }
  return 0;
}
