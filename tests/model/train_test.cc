#include <gtest/gtest.h>

#include "build_features.h"
#include "invr/error.h"
#include "invr/model_train.h"
#include "invr/progress.h"
#include "test_util.h"
#include "toy_data.h"

namespace invr {
namespace {

TrainResult train_toy(const std::filesystem::path& out, const ModelConfig& config,
                      bool resume = false, const test::ToyParams& params = {}) {
  Progress::set_enabled(false);
  TrainOptions options;
  options.out_dir = out;
  options.resume = resume;
  return train_two_tower(test::make_toy_dataset(params), config, options);
}

TEST(Train, ReducesLossAndBeatsMostPopular) {
  INVR_REQUIRE_TORCH();
  test::TempDir dir;
  const TrainResult result = train_toy(dir.path(), test::toy_config());
  const TrainReport& r = result.report;
  // 300 users × 12 clicks; the latest 10% are held out.
  EXPECT_GT(r.train_examples, 3000u);
  EXPECT_LT(r.train_examples, 3600u);
  EXPECT_GT(r.validation_users, 150u);
  ASSERT_GE(r.epochs.size(), 2u);
  EXPECT_LT(r.epochs.back().loss, r.epochs.front().loss);
  // Most popular ranks the top items of every cluster, so an eighth of them
  // suit each user; the towers learn the clusters.
  EXPECT_GT(r.best_recall, r.popularity_recall + 0.2)
      << "model " << r.best_recall << " vs most-popular " << r.popularity_recall;
  EXPECT_GT(r.best_recall, 0.6);
  EXPECT_GT(r.epochs.front().examples_per_second, 0);
  for (const char* file : {"manifest.json", "config.toml", "weights.pt", "items.txt",
                           "producers.txt", "users.txt", "item_counts.txt"})
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  ASSERT_TRUE(result.model);
  EXPECT_EQ(result.model->kind(), "two-tower");
  EXPECT_EQ(result.model->dim(), 16u);
}

TEST(Train, SameSeedGivesIdenticalModels) {
  INVR_REQUIRE_TORCH();
  ModelConfig config = test::toy_config();
  config.epochs = 2;
  test::TempDir a, b, c;
  const TrainResult first = train_toy(a.path(), config);
  const TrainResult second = train_toy(b.path(), config);
  const Dataset data = test::make_toy_dataset();
  EXPECT_EQ(first.model->embed_items(data).data, second.model->embed_items(data).data);
  EXPECT_EQ(first.model->embed_users(data).data, second.model->embed_users(data).data);
  for (std::size_t e = 0; e < first.report.epochs.size(); ++e)
    EXPECT_EQ(first.report.epochs[e].loss, second.report.epochs[e].loss);
  config.seed = 43;
  const TrainResult other = train_toy(c.path(), config);
  EXPECT_NE(first.model->embed_items(data).data, other.model->embed_items(data).data);
}

TEST(Train, ResumedRunMatchesAnUninterruptedOne) {
  INVR_REQUIRE_TORCH();
  ModelConfig config = test::toy_config();
  config.epochs = 3;
  config.patience = 100;
  test::TempDir whole, split;
  const TrainResult uninterrupted = train_toy(whole.path(), config);
  config.epochs = 1;
  train_toy(split.path(), config);
  config.epochs = 3;
  const TrainResult resumed = train_toy(split.path(), config, /*resume=*/true);
  ASSERT_EQ(resumed.report.epochs.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e)
    EXPECT_EQ(resumed.report.epochs[e].loss, uninterrupted.report.epochs[e].loss) << e;
  const Dataset data = test::make_toy_dataset();
  EXPECT_EQ(resumed.model->embed_items(data).data, uninterrupted.model->embed_items(data).data);
}

TEST(Train, ResumeWithoutCheckpointIsAUsageError) {
  INVR_REQUIRE_TORCH();
  test::TempDir dir;
  EXPECT_THROW(train_toy(dir.path(), test::toy_config(), /*resume=*/true), UsageError);
}

TEST(Train, WarmStartContinuesFromThePreviousWeights) {
  INVR_REQUIRE_TORCH();
  ModelConfig config = test::toy_config();
  config.epochs = 3;
  config.patience = 100;
  test::TempDir first, warm, cold;
  train_toy(first.path(), config);
  config.epochs = 1;
  Progress::set_enabled(false);
  TrainOptions options;
  options.out_dir = warm.path();
  options.warm_start = first.path();
  const TrainResult warmed = train_two_tower(test::make_toy_dataset(), config, options);
  const TrainResult fresh = train_toy(cold.path(), config);
  // One epoch from trained weights starts where three epochs ended.
  EXPECT_LT(warmed.report.epochs.front().loss, 0.9 * fresh.report.epochs.front().loss);
  EXPECT_GT(warmed.report.best_recall, fresh.report.best_recall);
  // Other shapes do not fit the weights: a usage error naming the setting.
  ModelConfig other = config;
  other.dim = 8;
  test::TempDir bad;
  options.out_dir = bad.path();
  try {
    train_two_tower(test::make_toy_dataset(), other, options);
    FAIL() << "a warm start with another dim was accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("dim"), std::string::npos) << e.what();
  }
}

TEST(Train, DatasetWithoutPositivesIsAUsageError) {
  INVR_REQUIRE_TORCH();
  Dataset data;
  data.users.add("u");
  data.items.add("i");
  data.producers.add("p");
  data.item_table.push_back(0, kNoTime, {});
  data.interactions.push_back(0, 0, 1.0, EventType::impression, 1.0f);
  test::TempDir dir;
  TrainOptions options;
  options.out_dir = dir.path();
  EXPECT_THROW(train_two_tower(data, test::toy_config(), options), UsageError);
}

TEST(Train, DecayPoolingAlsoLearns) {
  INVR_REQUIRE_TORCH();
  ModelConfig config = test::toy_config();
  config.pooling = "decay";
  config.logq_correction = false;
  test::TempDir dir;
  const TrainReport r = train_toy(dir.path(), config).report;
  EXPECT_GT(r.best_recall, r.popularity_recall + 0.2);
}

TEST(Train, UniformNegativesAlsoLearn) {
  INVR_REQUIRE_TORCH();
  ModelConfig config = test::toy_config();
  config.uniform_negatives = 64;
  test::TempDir dir;
  const TrainReport r = train_toy(dir.path(), config).report;
  EXPECT_GT(r.best_recall, r.popularity_recall + 0.2)
      << "model " << r.best_recall << " vs most-popular " << r.popularity_recall;
}

// Decay strong enough to halve every weight each step leaves nothing to learn
// with: the setting reaches both optimisers.
TEST(Train, WeightDecayTakesEffect) {
  INVR_REQUIRE_TORCH();
  ModelConfig config = test::toy_config();
  config.epochs = 3;
  test::TempDir plain_dir, decayed_dir;
  const TrainReport plain = train_toy(plain_dir.path(), config).report;
  config.weight_decay = 100;  // × learning_rate 5e-3 = 0.5 per step
  const TrainReport decayed = train_toy(decayed_dir.path(), config).report;
  EXPECT_LT(decayed.best_recall, plain.best_recall - 0.1)
      << "decayed " << decayed.best_recall << " vs plain " << plain.best_recall;
}

}  // namespace
}  // namespace invr
