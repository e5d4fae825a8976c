// The RecBole atomic-file reader (load_atomic: NAME.inter, .item, .user) and
// the exposure-log reader, on files written from the input's sections
// "=== d.inter" (the default: a bare input is the .inter), "=== d.item",
// "=== d.user" and "=== d.log". The log is read against the loaded dataset's
// items, or a fixed catalog (i1, i2, i3) when the dataset does not load. A
// dataset that loads is also loaded as two user shards, which must partition it.
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
  std::size_t users = 0, rows = 0;
  fuzz::expected([&] {
    Dataset dataset = load_atomic(dir.path(), "d", options);
    items = dataset.items;
    users = dataset.users.size();
    rows = dataset.interactions.size();
    loaded = true;
  });
  if (loaded) {
    // The sharded job's loader: two shards of what loaded whole must load
    // too (no catch: an error here is a finding) and partition it.
    std::size_t shard_users = 0, shard_rows = 0;
    options.shard_count = 2;
    for (int s = 0; s < 2; ++s) {
      options.shard_index = s;
      const DatasetShard shard = load_atomic_shard(dir.path(), "d", options);
      if (shard.total_users != users || shard.total_interactions != rows ||
          shard.dataset.items.ids() != items.ids())
        __builtin_trap();
      shard_users += shard.dataset.users.size();
      shard_rows += shard.dataset.interactions.size();
    }
    if (shard_users != users || shard_rows != rows) __builtin_trap();
    options.shard_count = 1;
    options.shard_index = 0;
  }
  if (sections.contains("d.log")) {
    if (!loaded)
      for (const char* id : {"i1", "i2", "i3"}) items.add(id);
    fuzz::expected([&] { read_exposure_log(dir.path() / "d.log", items); });
  }
  return 0;
}
