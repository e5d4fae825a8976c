// Training examples' histories: time-ordered prefixes for timed data, samples
// of the user's other positives for data whose order means nothing.
#include <gtest/gtest.h>

#include "build_features.h"
#include "invr/error.h"
#include "invr/model_train.h"
#include "invr/progress.h"
#include "model/core/features.h"
#include "model/core/training_data.h"
#include "test_util.h"
#include "toy_data.h"

namespace invr {
namespace {

// The toy world without timestamps, rows sorted by (user, item) as in
// Last.fm's user_artists.dat: the row order says nothing about time.
Dataset untimed_toy() {
  const Dataset timed = test::make_toy_dataset();
  Dataset d = timed;
  d.interactions = Interactions{};
  std::vector<std::size_t> rows(timed.interactions.size());
  for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = r;
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    if (timed.interactions.user[a] != timed.interactions.user[b])
      return timed.interactions.user[a] < timed.interactions.user[b];
    return timed.interactions.item[a] < timed.interactions.item[b];
  });
  for (std::size_t r : rows)
    d.interactions.push_back(timed.interactions.user[r], timed.interactions.item[r], kNoTime,
                             timed.interactions.event[r], timed.interactions.value[r]);
  return d;
}

TEST(TrainingData, SetHistoriesExactlyWhenTheDataHasNoTimestamps) {
  const Dataset timed = test::make_toy_dataset();
  const Dataset untimed = untimed_toy();
  ASSERT_FALSE(untimed.has_timestamps());
  ModelConfig config = test::toy_config();
  EXPECT_FALSE(model::prepare_training_data(timed, config).set_histories);
  EXPECT_TRUE(model::prepare_training_data(untimed, config).set_histories);
  config.train_history = "others";
  EXPECT_TRUE(model::prepare_training_data(timed, config).set_histories);
  config.train_history = "before";
  EXPECT_FALSE(model::prepare_training_data(untimed, config).set_histories);
  config.train_history = "sometimes";
  EXPECT_THROW(validate(config), UsageError);
}

TEST(TrainingData, HistoryEventsKeepTheGivenOrderSkipUnknownsAndStopAtL) {
  model::UserHistories histories;
  histories.offsets = {0, 5};
  histories.item = {0, 1, 2, 3, 4};
  histories.time = {kNoTime, kNoTime, kNoTime, kNoTime, kNoTime};
  const std::vector<std::int64_t> input_id = {11, 0, 13, 14, 15};  // item 1 is unknown
  model::UserInputs inputs;
  inputs.length = 3;
  const std::vector<std::uint32_t> positions = {4, 1, 0, 3, 2};
  model::append_history_events(inputs, histories, 0, positions, kNoTime, input_id);
  EXPECT_EQ(inputs.history, (std::vector<std::int64_t>{15, 11, 14}));
  EXPECT_EQ(inputs.mask, (std::vector<float>{1, 1, 1}));
  // Fewer events than L: the rest is padding.
  const std::vector<std::uint32_t> one = {2};
  model::append_history_events(inputs, histories, 0, one, kNoTime, input_id);
  ASSERT_EQ(inputs.size(), 2u);
  EXPECT_EQ(std::vector<std::int64_t>(inputs.history.begin() + 3, inputs.history.end()),
            (std::vector<std::int64_t>{13, 0, 0}));
  EXPECT_EQ(std::vector<float>(inputs.mask.begin() + 3, inputs.mask.end()),
            (std::vector<float>{1, 0, 0}));
}

// Sorted untimed rows make "before" histories a function of item ids; the
// other positives are the user's real taste. Validation is a seeded random
// 10% of rows either way.
TEST(TrainingData, SetHistoriesLearnUntimedDataThatPrefixesCannot) {
  INVR_REQUIRE_TORCH();
  Progress::set_enabled(false);
  const Dataset data = untimed_toy();
  ModelConfig config = test::toy_config();
  config.epochs = 4;
  test::TempDir set_dir, before_dir;
  TrainOptions options;
  options.out_dir = set_dir.path();
  const TrainReport set = train_two_tower(data, config, options).report;
  config.train_history = "before";
  options.out_dir = before_dir.path();
  const TrainReport before = train_two_tower(data, config, options).report;
  EXPECT_GT(set.best_recall, set.popularity_recall + 0.2)
      << "set " << set.best_recall << " vs most-popular " << set.popularity_recall;
  EXPECT_GT(set.best_recall, before.best_recall)
      << "set " << set.best_recall << " vs before " << before.best_recall;
}

}  // namespace
}  // namespace invr
