// The training-data dump that bench/bench_train.py reads: it must hold the
// examples invr trains on, in the shapes the PyTorch side expects.
#include <bit>
#include <cstdlib>

#include <gtest/gtest.h>

#include "build_features.h"
#include "invr/model_train.h"
#include "invr/npy.h"
#include "invr/progress.h"
#include "test_util.h"
#include "toy_data.h"

namespace invr {
namespace {

TEST(TrainingDump, HoldsTheExamplesInvrTrainsOn) {
  INVR_REQUIRE_TORCH();
  Progress::set_enabled(false);
  test::TempDir model, dump;
  ModelConfig config = test::toy_config();
  config.epochs = 1;
  const Dataset data = test::make_toy_dataset();
  TrainOptions options;
  options.out_dir = model.path();
  ASSERT_EQ(setenv("INVR_DUMP_TRAINING_DATA", dump.path().c_str(), 1), 0);
  const TrainReport report = train_two_tower(data, config, options).report;
  unsetenv("INVR_DUMP_TRAINING_DATA");

  auto load = [&](const char* name) { return read_npy<std::int64_t>(dump / name).data; };
  const auto users = load("example_user.npy");
  const auto positions = load("example_position.npy");
  ASSERT_EQ(users.size(), report.train_examples);
  ASSERT_EQ(positions.size(), report.train_examples);
  // Every training positive is one example: the histories hold exactly them.
  const auto offsets = load("history_offsets.npy");
  ASSERT_EQ(offsets.size(), data.users.size() + 1);
  EXPECT_EQ(static_cast<std::size_t>(offsets.back()), report.train_examples);
  for (std::size_t e = 0; e < users.size(); ++e) {
    const auto u = static_cast<std::size_t>(users[e]);
    ASSERT_LT(positions[e], offsets[u + 1] - offsets[u]) << e;
  }
  // Times round-trip bit for bit; a user's events are in time order.
  const auto times = load("history_time_bits.npy");
  ASSERT_EQ(times.size(), report.train_examples);
  for (std::size_t u = 0; u < data.users.size(); ++u)
    for (auto e = offsets[u] + 1; e < offsets[u + 1]; ++e)
      ASSERT_LE(std::bit_cast<double>(times[e - 1]), std::bit_cast<double>(times[e]));
  EXPECT_GT(std::bit_cast<double>(times[0]), 1.6e9);

  EXPECT_EQ(load("table_rows.npy"),
            (std::vector<std::int64_t>{static_cast<std::int64_t>(data.items.size()) + 1,
                                       static_cast<std::int64_t>(data.producers.size()) + 1}));
  const auto input_id = load("item_input_id.npy");
  ASSERT_EQ(input_id.size(), data.items.size());
  EXPECT_EQ(input_id.front(), 1);  // model index 0 is input id 1
  EXPECT_EQ(load("item_token_offsets.npy").size(), data.items.size() + 1);
  for (auto bucket : load("item_tokens.npy")) ASSERT_LT(bucket, config.token_buckets);
  EXPECT_EQ(read_npy<float>(dump / "log_q.npy").data.size(), data.items.size() + 1);
  EXPECT_TRUE(std::filesystem::exists(dump / "config.toml"));
}

}  // namespace
}  // namespace invr
