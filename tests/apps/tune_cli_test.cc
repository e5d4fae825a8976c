// `invr tune` through the real binary: a short search writes its log and a
// best.toml that `invr train --config` takes; bad flags exit 2 with the flag
// named; `invr evaluate --model` reports an als directory as "als".
#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "invr/atomic_io.h"
#include "model/toy_data.h"
#include "test_util.h"

namespace invr {
namespace {

TEST(TuneCli, WritesALogAndAConfigThatTrainTakes) {
  test::TempDir dir;
  save_atomic(test::make_toy_dataset(), dir / "data", "toy");
  const std::string data = (dir / "data").string();
  const std::string out = (dir / "tune").string();
  const auto tuned = test::run_cli("tune --data " + data + " --kind als --budget 5 --max-trials 3 --seed 7 "
                                   "--threads 2 --out " + out);
  ASSERT_EQ(tuned.exit_code, 0) << tuned.err;
  const auto summary = nlohmann::json::parse(tuned.out);
  EXPECT_EQ(summary["trials"], 3);
  EXPECT_EQ(summary["trials_run"], 3);
  EXPECT_EQ(summary["test_protocol"], "temporal");
  EXPECT_GT(summary["validation_rows"].get<int>(), 0);
  EXPECT_EQ(test::count(tuned.err, "-> recall@20"), 3) << tuned.err;  // a progress line per trial
  const std::string log = test::read_file(dir / "tune" / "trials.jsonl");
  EXPECT_EQ(test::count(log, "\n"), 3);
  const auto first = nlohmann::json::parse(log.substr(0, log.find('\n')));
  for (const char* key : {"trial", "kind", "seed", "phase", "settings", "recall@20", "ndcg@20", "seconds"})
    EXPECT_TRUE(first.contains(key)) << key;

  // Resumed: the three logged trials are not run again.
  const auto resumed = test::run_cli("tune --data " + data + " --kind als --budget 5 --max-trials 4 --seed 7 "
                                     "--threads 2 --resume --out " + out);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(nlohmann::json::parse(resumed.out)["trials_run"], 1);

  const auto trained = test::run_cli("train --data " + data + " --config " + out + "/best.toml --threads 2 --out " +
                                     (dir / "model").string());
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const auto evaluated = test::run_cli("evaluate --model " + (dir / "model").string() + " --data " + data +
                                       " --methods two_tower,most_popular");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  const auto json = nlohmann::json::parse(evaluated.out);
  EXPECT_TRUE(json.contains("als")) << evaluated.out;
  EXPECT_FALSE(json.contains("two_tower")) << evaluated.out;
  // best.toml validates on evaluate's own test fraction, so the holdout is the default one.
  EXPECT_EQ(json["setup"]["test_rows"], nlohmann::json::parse(test::run_cli(
      "evaluate --data " + data + " --methods most_popular").out)["setup"]["test_rows"]);
}

TEST(TuneCli, BadFlagsExit2NamingTheFlag) {
  test::TempDir dir;
  save_atomic(test::make_toy_dataset(), dir / "data", "toy");
  const std::string data = (dir / "data").string();
  const std::string out = " --out " + (dir / "tune").string();
  auto bad = test::run_cli("tune --data " + data + " --kind svd --budget 1" + out);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--kind must be two-tower or als, got 'svd'"), std::string::npos) << bad.err;
  bad = test::run_cli("tune --data " + data + " --kind als --budget 0" + out);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--budget must be a positive number of minutes"), std::string::npos) << bad.err;
  bad = test::run_cli("tune --kind als --budget 1" + out);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--data"), std::string::npos) << bad.err;
  bad = test::run_cli("tune --data " + (dir / "nowhere").string() + " --kind als --budget 1" + out);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--data"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "tune"));
}

}  // namespace
}  // namespace invr
