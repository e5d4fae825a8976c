// `invr evaluate` through the real binary (moved from tests/evaluation so it
// always runs: the apps test binary depends on the CLI).
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "build_features.h"
#include "invr/atomic_io.h"
#include "invr/convert.h"
#include "invr/error.h"
#include "invr/evaluate.h"
#include "invr/npy.h"
#include "invr/split.h"
#include "baselines/tiny_dataset.h"
#include "test_util.h"

namespace invr {
namespace {
using test::make_dataset;

// A synthetic world with timestamps, a precomputed model, and the CLI.
TEST(EvaluateCli, JsonKeysAndRanges) {
  test::TempDir dir;
  const std::size_t users = 30, items = 22;
  Dataset d = make_dataset(users, items);
  double t = 0;
  // Each user likes six consecutive items of 20; items 20 and 21 arrive late (cold).
  for (std::size_t step = 0; step < 6; ++step)
    for (std::size_t u = 0; u < users; ++u)
      d.interactions.push_back(static_cast<Index>(u), static_cast<Index>((u + step) % 20), t++,
                               EventType::click, 1);
  for (std::size_t u = 0; u < users; u += 3)
    d.interactions.push_back(static_cast<Index>(u), static_cast<Index>(20 + u % 2), t++, EventType::click, 1);
  save_atomic(d, dir / "data", "tiny");
  // Precomputed model: user u and item i on a circle; close angles score high.
  const std::filesystem::path model = dir / "model";
  test::write_circle_model(model, items, users);

  const auto result = test::run_cli("evaluate --model " + model.string() + " --data " +
                                    (dir / "data").string() + " --k 5 --test-fraction 0.3");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["setup"]["protocol"], "temporal");
  EXPECT_GT(json["setup"]["cold_test_rows"].get<int>(), 0);
  for (const char* method : {"two_tower", "most_popular", "item_knn", "ease"}) {
    ASSERT_TRUE(json.contains(method)) << method;
    for (const char* part : {"overall", "cold"}) {
      const auto& m = json[method][part];
      for (const char* key : {"recall@5", "ndcg@5", "mrr@5", "hit@5"}) {
        ASSERT_TRUE(m.contains(key)) << method << " " << part << " " << key;
        EXPECT_GE(m[key].get<double>(), 0.0);
        EXPECT_LE(m[key].get<double>(), 1.0);
      }
    }
  }
  // cold_only ranks the two cold items alone: with k = 5 both are listed, so
  // every relevant cold item is hit, for exactly the users scored on cold.
  const auto& cold_only = json["two_tower"]["cold_only"];
  EXPECT_EQ(cold_only["users"], json["two_tower"]["cold"]["users"]);
  EXPECT_GT(cold_only["users"].get<int>(), 0);
  EXPECT_DOUBLE_EQ(cold_only["recall@5"].get<double>(), 1.0);
  EXPECT_FALSE(json["most_popular"].contains("cold_only"));
  // The circle model points each user 3 steps ahead of their start: the next
  // items they click, so it must beat most-popular here.
  EXPECT_GT(json["two_tower"]["overall"]["recall@5"].get<double>(),
            json["most_popular"]["overall"]["recall@5"].get<double>());
  const auto skipped = test::run_cli("evaluate --data " + (dir / "data").string() +
                                     " --methods ease --ease-max-items 10");
  ASSERT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_NE(nlohmann::json::parse(skipped.out)["ease"]["skipped"].get<std::string>().find("limit of 10"),
            std::string::npos);
  EXPECT_EQ(test::run_cli("evaluate --data " + (dir / "data").string() + " --methods two_tower").exit_code, 2);
}


// Untimed data: `invr train` validates on the seeded random rows that
// `invr evaluate` then holds out, and a NAME.split's test rows never reach
// training, so no evaluated row was trained on.
TEST(EvaluateCli, TrainAndEvaluateHoldOutTheSameRows) {
  INVR_REQUIRE_TORCH();
  test::TempDir dir;
  const std::size_t users = 40, items = 30;
  Dataset d = make_dataset(users, items);
  for (std::size_t u = 0; u < users; ++u)
    for (std::size_t step = 0; step < 8; ++step)
      d.interactions.push_back(static_cast<Index>(u), static_cast<Index>((u + 3 * step) % items), kNoTime,
                               EventType::click, 1);
  save_atomic(d, dir / "random", "tiny");
  const std::string train_flags = " --epochs 1 --threads 1 --dim 8 --embedding-dim 8 --hidden-dim 8 "
                                  "--batch-size 32 --validation-fraction 0.25 --seed 5";
  auto trained = test::run_cli("train --data " + (dir / "random").string() + " --out " +
                               (dir / "model").string() + train_flags);
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const Split rows = random_split(d.interactions, 0.25, 5);
  EXPECT_EQ(nlohmann::json::parse(trained.out)["train_examples"].get<std::size_t>(), rows.train.size());
  auto evaluated = test::run_cli("evaluate --model " + (dir / "model").string() + " --data " +
                                 (dir / "random").string() + " --k 5 --methods two_tower");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  auto setup = nlohmann::json::parse(evaluated.out)["setup"];
  EXPECT_EQ(setup["protocol"], "random");
  EXPECT_EQ(setup["test_rows"].get<std::size_t>(), rows.test.size());
  EXPECT_EQ(setup["train_rows"].get<std::size_t>(), rows.train.size());

  // The same rows with a split file: every fourth row is test.
  ConvertedSplit split;
  std::vector<bool> kept(d.interactions.size());
  for (std::size_t r = 0; r < d.interactions.size(); ++r) {
    split.part.push_back(r % 4 == 0 ? ConvertedSplit::kTest : ConvertedSplit::kTrain);
    kept[r] = r % 4 != 0;
  }
  save_atomic(d, dir / "split", "tiny");
  save_split(d, split, dir / "split", "tiny");
  trained = test::run_cli("train --data " + (dir / "split").string() + " --out " +
                          (dir / "split_model").string() + train_flags);
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const Split kept_rows = random_split(d.interactions.select(kept), 0.25, 5);
  EXPECT_EQ(nlohmann::json::parse(trained.out)["train_examples"].get<std::size_t>(), kept_rows.train.size());
  evaluated = test::run_cli("evaluate --model " + (dir / "split_model").string() + " --data " +
                            (dir / "split").string() + " --k 5 --methods two_tower");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  setup = nlohmann::json::parse(evaluated.out)["setup"];
  EXPECT_EQ(setup["protocol"], "dataset_split");
  EXPECT_EQ(setup["test_rows"].get<std::size_t>(), d.interactions.size() / 4);
}

// `invr split` writes a user-temporal holdout that train drops and evaluate
// scores; a model validated on each user's latest rows is evaluated on them.
TEST(EvaluateCli, SplitCommandAndUserTemporalValidation) {
  INVR_REQUIRE_TORCH();
  test::TempDir dir;
  const std::size_t users = 40, items = 30;
  Dataset d = make_dataset(users, items);
  for (std::size_t step = 0; step < 10; ++step)
    for (std::size_t u = 0; u < users; ++u)
      d.interactions.push_back(static_cast<Index>(u), static_cast<Index>((u + 3 * step) % items),
                               1000.0 * static_cast<double>(step) + static_cast<double>(u),
                               EventType::click, 1);
  const std::string data = (dir / "data").string();
  save_atomic(d, data, "tiny");
  auto split = test::run_cli("split --data " + data + " --protocol user-temporal --test-fraction 0.2");
  ASSERT_EQ(split.exit_code, 0) << split.err;
  EXPECT_EQ(nlohmann::json::parse(split.out)["test"].get<std::size_t>(), 2 * users);
  // An existing split is not replaced without --force; untimed protocols need timestamps.
  auto again = test::run_cli("split --data " + data);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  // --protocol temporal: the cutoff evaluate's own temporal holdout would use.
  auto temporal = test::run_cli("split --data " + data + " --protocol temporal --force");
  ASSERT_EQ(temporal.exit_code, 0) << temporal.err;
  EXPECT_EQ(nlohmann::json::parse(temporal.out)["test"].get<std::size_t>(),
            temporal_split(d.interactions, positive_cutoff(d.interactions, 0.2)).test.size());
  // Data without timestamps can only be split at random.
  Dataset untimed = d;
  std::fill(untimed.interactions.timestamp.begin(), untimed.interactions.timestamp.end(), kNoTime);
  save_atomic(untimed, dir / "untimed", "tiny");
  auto refused = test::run_cli("split --data " + (dir / "untimed").string());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("use random"), std::string::npos) << refused.err;
  auto rewritten = test::run_cli("split --data " + data + " --force");
  ASSERT_EQ(rewritten.exit_code, 0) << rewritten.err;
  const Split expected = user_temporal_split(d.interactions, 0.2);
  auto evaluated = test::run_cli("evaluate --data " + data + " --k 5 --methods most_popular");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  auto setup = nlohmann::json::parse(evaluated.out)["setup"];
  EXPECT_EQ(setup["protocol"], "dataset_split");
  EXPECT_EQ(setup["test_rows"].get<std::size_t>(), expected.test.size());

  // Without a split file, the model's own user-temporal validation rows are the holdout.
  const std::string plain = (dir / "plain").string();
  save_atomic(d, plain, "tiny");
  auto trained = test::run_cli("train --data " + plain + " --out " + (dir / "model").string() +
                               " --epochs 1 --threads 1 --dim 8 --embedding-dim 8 --hidden-dim 8 "
                               "--batch-size 32 --validation-split user-temporal "
                               "--validation-fraction 0.3");
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  const Split validation = user_temporal_split(d.interactions, 0.3);
  EXPECT_EQ(nlohmann::json::parse(trained.out)["train_examples"].get<std::size_t>(),
            validation.train.size());
  evaluated = test::run_cli("evaluate --model " + (dir / "model").string() + " --data " + plain +
                            " --k 5 --methods two_tower");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  setup = nlohmann::json::parse(evaluated.out)["setup"];
  EXPECT_EQ(setup["protocol"], "user_temporal");
  EXPECT_EQ(setup["test_rows"].get<std::size_t>(), validation.test.size());
  // An explicit --test-fraction keeps the model's protocol, at the new share.
  evaluated = test::run_cli("evaluate --model " + (dir / "model").string() + " --data " + plain +
                            " --k 5 --methods two_tower --test-fraction 0.2");
  ASSERT_EQ(evaluated.exit_code, 0) << evaluated.err;
  setup = nlohmann::json::parse(evaluated.out)["setup"];
  EXPECT_EQ(setup["protocol"], "user_temporal");
  EXPECT_EQ(setup["test_rows"].get<std::size_t>(), user_temporal_split(d.interactions, 0.2).test.size());
}

}  // namespace
}  // namespace invr
