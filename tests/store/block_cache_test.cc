// StoreOptions::block_cache_bytes: the RocksDB block cache is a caller's
// option (issue 15, item 2; docs/library.md, "Caches"). Every size, none
// included, reads the same lists through get() and through a reader.
#include <gtest/gtest.h>

#include "store_test_util.h"

namespace invr::test {
namespace {

TEST(RocksDbBlockCache, AnySizeAndNoCacheReadTheSameLists) {
  TempDir dir;
  write_generation(*open_store((dir / "s").string()), "g1", 300, 7);
  for (std::size_t bytes : {std::size_t{0}, std::size_t{64} << 10, std::size_t{256} << 20}) {
    SCOPED_TRACE(bytes);
    StoreOptions options;
    options.block_cache_bytes = bytes;
    auto store = open_store((dir / "s").string(), options);
    EXPECT_TRUE(holds_generation(*store, "g1", 300, 7));
    auto reader = store->reader();
    ASSERT_EQ(reader->generation(), "g1");
    for (int u = 0; u < 300; u += 37)
      EXPECT_EQ(reader->read(user_name(u)).candidates, sample_candidates(u, 7)) << u;
  }
}

TEST(RocksDbBlockCache, TheDefaultIsDocumentedAs256MiB) {
  EXPECT_EQ(StoreOptions{}.block_cache_bytes, std::size_t{256} << 20);
}

}  // namespace
}  // namespace invr::test
