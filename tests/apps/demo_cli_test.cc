// `invr demo` end to end on a small world through the real binary:
// generate -> train -> job -> simulate -> report. Also the simulate
// command's flag errors, which need the binary too.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "build_features.h"
#include "test_util.h"

namespace invr {

TEST(DemoCli, RunsEveryStepAndSaysWhereTheReportIs) {
  INVR_REQUIRE_TORCH();
  test::TempDir dir;
  auto r = test::run_cli("-q demo --users 3000 --items 800 --publishers 60 --days 5 "
                         "--sim-days 2 --out " +
                         dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string report = (dir / "report.html").string();
  EXPECT_NE(r.out.find("Report: " + report), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("bottom-50% share"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("invr-user-rank vs control"), std::string::npos) << r.out;
  for (const char* file : {"world/world.inter", "world/world.item", "world/world.exposures",
                           "world/world.truth", "model/manifest.json", "simulation/results.json",
                           "simulation/exposures.tsv", "report.html"})
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  EXPECT_NE(test::read_file(dir / "report.html").find("<html"), std::string::npos);

  auto summary = nlohmann::json::parse(test::read_file(dir / "demo_summary.json"));
  EXPECT_EQ(summary["users"], 3000);
  const auto& producers = summary["legacy"]["producers"];
  // The legacy recommender is popularity-biased: the top 1% of publishers
  // get far more than 1%, the bottom half far less than half.
  EXPECT_GT(producers["t1ps"].get<double>(), 0.05);
  EXPECT_LT(producers["b50ps"].get<double>(), 0.25);
  EXPECT_GT(summary["initial_job"]["users_with_candidates"].get<int>(), 0);

  auto results = nlohmann::json::parse(test::read_file(dir / "simulation/results.json"));
  EXPECT_EQ(results["format"], "invr-simulation-results");
  EXPECT_EQ(results["world"]["days"], 2);
  EXPECT_GT(results["totals"]["control"]["impressions"].get<int>(), 0);
  EXPECT_GT(results["arms"][3]["invr_impressions"].get<int>(), 0);
}

TEST(DemoCli, BadWorldSizeIsAUsageError) {
  test::TempDir dir;
  auto r = test::run_cli("-q demo --users 0 --out " + dir.path().string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--users"), std::string::npos) << r.err;
}

TEST(DemoCli, SimulatedDaysMustLeaveHistory) {
  test::TempDir dir;
  auto r = test::run_cli("-q demo --days 5 --sim-days 5 --out " + dir.path().string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--sim-days 5 must be smaller than --days 5"), std::string::npos) << r.err;
}

TEST(SimulateCli, NeedsExactlyOneOfWorldAndData) {
  test::TempDir dir;
  auto r = test::run_cli("-q simulate --out " + dir.path().string());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("exactly one of --world"), std::string::npos) << r.err;
}

TEST(SimulateCli, BadArmsAndValuesNameTheirFlag) {
  test::TempDir dir;
  auto r = test::run_cli("-q simulate --world " + dir.path().string() + " --arms control,invr-best");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--arms: unknown arm \"invr-best\""), std::string::npos) << r.err;
  r = test::run_cli("-q simulate --world " + dir.path().string() + " --days 0");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--days must be in [1, 3650], got 0"), std::string::npos) << r.err;
  r = test::run_cli("-q simulate --world " + dir.path().string() + " --slots \"1,2;x\"");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--slots"), std::string::npos) << r.err;
}

TEST(SimulateCli, MissingWorldTruthSaysWhatIsExpected) {
  test::TempDir dir;
  auto r = test::run_cli("-q simulate --world " + dir.path().string() + " --out " +
                         (dir / "out").string());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("no world.truth"), std::string::npos) << r.err;
}

}  // namespace invr
