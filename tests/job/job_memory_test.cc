// The manifest's memory section: what the job must hold, compared with its
// peak RSS (docs/job.md, "Benchmark").
#include <gtest/gtest.h>

#include <string>

#include "invr/job.h"

namespace invr {
namespace {

// Regression: the estimate counted every id twice (a vector entry and a hash
// map key, as an unordered_map-backed IdMap once stored them), so each
// manifest overstated dataset_bytes. IdMap now stores an id once, plus its
// 8-byte index slots (at least 2 per id, at most 4).
TEST(DatasetBytes, CountsEachIdOnceWithItsIndexSlots) {
  constexpr std::size_t kIds = 1024;
  Dataset empty;
  Dataset d;
  d.users.reserve(kIds);
  for (std::size_t i = 0; i < kIds; ++i) d.users.add("u" + std::to_string(i));  // short: no heap buffer
  const std::uint64_t ids = dataset_bytes(d) - dataset_bytes(empty);
  EXPECT_GE(ids, kIds * (sizeof(std::string) + 2 * 8));
  EXPECT_LE(ids, kIds * (sizeof(std::string) + 4 * 8));
}

TEST(DatasetBytes, LongIdsAddTheirHeapBuffer) {
  Dataset short_ids;
  Dataset long_ids;
  for (int i = 0; i < 100; ++i) {
    short_ids.items.add("i" + std::to_string(i));
    long_ids.items.add("item-with-a-long-name-" + std::to_string(i + 100));  // 25 bytes + NUL
  }
  EXPECT_EQ(dataset_bytes(long_ids) - dataset_bytes(short_ids), 100u * 26);
}

}  // namespace
}  // namespace invr
