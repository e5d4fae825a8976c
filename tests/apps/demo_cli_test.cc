// `invr demo` end to end on a small world through the real binary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace invr {

TEST(DemoCli, WritesWorldAndASkewedLegacySummary) {
  test::TempDir dir;
  auto r = test::run_cli("-q demo --users 3000 --items 800 --publishers 60 --days 5 --out " +
                         dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("bottom-50% share"), std::string::npos) << r.out;
  for (const char* file : {"world.inter", "world.item", "world.exposures", "world.truth"})
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  auto summary = nlohmann::json::parse(test::read_file(dir / "demo_summary.json"));
  EXPECT_EQ(summary["users"], 3000);
  const auto& producers = summary["legacy"]["producers"];
  // The legacy recommender is popularity-biased: the top 1% of publishers
  // get far more than 1%, the bottom half far less than half.
  EXPECT_GT(producers["t1ps"].get<double>(), 0.05);
  EXPECT_LT(producers["b50ps"].get<double>(), 0.25);
  EXPECT_GT(summary["legacy"]["ctr"].get<double>(), 0.0);
}

TEST(DemoCli, BadWorldSizeIsAUsageError) {
  test::TempDir dir;
  auto r = test::run_cli("-q demo --users 0 --out " + dir.path().string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--users"), std::string::npos) << r.err;
}

}  // namespace invr
