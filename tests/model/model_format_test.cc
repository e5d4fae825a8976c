#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "build_features.h"
#include "invr/model_train.h"
#include "invr/progress.h"
#include "test_util.h"
#include "toy_data.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// The dataset the checked-in model was trained on and is embedded with.
test::ToyParams fixture_params() {
  test::ToyParams p;
  p.clusters = 2;
  p.items_per_cluster = 4;
  p.users = 6;
  p.events_per_user = 4;
  return p;
}

fs::path fixture_dir() { return test::testdata_dir() / "model" / "v1"; }

// Old model directories keep loading and embedding the same (CONTRIBUTING.md,
// convention 5).
TEST(ModelFormat, Version1DirectoryStillLoads) {
  INVR_REQUIRE_TORCH();
  const auto model = TwoTowerModel::load(fixture_dir());
  const Dataset data = test::make_toy_dataset(fixture_params());
  const json expected = json::parse(test::read_file(fixture_dir() / "expected.json"));
  const Matrix items = model->embed_items(data);
  const Matrix users = model->embed_users(data);
  ASSERT_EQ(items.data.size(), expected["items"].size());
  ASSERT_EQ(users.data.size(), expected["users"].size());
  for (std::size_t k = 0; k < items.data.size(); ++k)
    EXPECT_NEAR(items.data[k], expected["items"][k].get<double>(), 1e-5) << k;
  for (std::size_t k = 0; k < users.data.size(); ++k)
    EXPECT_NEAR(users.data[k], expected["users"][k].get<double>(), 1e-5) << k;
}

// Rewrites the fixture; a tool, not a test, so it is disabled. Run by hand only
// when the format version changes (then keep the old directory and add a new one):
//   invr_model_tests --gtest_also_run_disabled_tests --gtest_filter=ModelFormat.DISABLED_WriteFixture
TEST(ModelFormat, DISABLED_WriteFixture) {
  Progress::set_enabled(false);
  ModelConfig config = test::toy_config();
  config.dim = 4;
  config.embedding_dim = 4;
  config.hidden_dim = 8;
  config.token_buckets = 16;
  config.age_buckets = 4;
  config.history_length = 3;
  config.epochs = 2;
  config.validation_fraction = 0;
  const Dataset data = test::make_toy_dataset(fixture_params());
  TrainOptions options;
  options.out_dir = fixture_dir();
  const TrainResult result = train_two_tower(data, config, options);
  fs::remove_all(fixture_dir() / "checkpoint");
  const json expected = {{"items", result.model->embed_items(data).data},
                         {"users", result.model->embed_users(data).data}};
  test::write_file(fixture_dir() / "expected.json", expected.dump() + "\n");
}

}  // namespace
}  // namespace invr
