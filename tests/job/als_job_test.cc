// The InvR job with an implicit-ALS model directory (kind "als"): it loads
// like any model, and the stored scores are the ALS model's dot products.
#include <gtest/gtest.h>

#include <algorithm>

#include "invr/job.h"
#include "invr/model_train.h"
#include "invr/store.h"
#include "job_world.h"
#include "test_util.h"

namespace invr {
namespace {

TEST(AlsJob, RunsWithAnAlsModelAndStoresItsScores) {
  test::TempDir dir;
  Dataset dataset = test::job_world();
  // A fourth user clicks the long-tail items, so ALS learns factors for them.
  const Index u3 = dataset.users.add("u3");
  for (Index item : {0, 2, 3})
    dataset.interactions.push_back(u3, item, test::kWorldStart + 150 + item, EventType::click, 1);
  ModelConfig model_config;
  model_config.kind = "als";
  model_config.dim = 4;
  model_config.validation_fraction = 0;
  model_config.threads = 1;
  TrainOptions train_options;
  train_options.out_dir = dir / "model";
  train_model(dataset, model_config, train_options);
  const auto model = TwoTowerModel::load(dir / "model");
  ASSERT_EQ(model->kind(), "als");

  JobConfig config = test::job_world_config("rocksdb:" + (dir / "store").string());
  config.retrieval.top_users_per_item = 4;
  auto store = open_store(config.job.store);
  JobInputs inputs;
  inputs.dataset = &dataset;
  inputs.model = model.get();
  inputs.model_version = "als-model";
  const JobResult result = run_job(inputs, config, store.get(), "g1");
  EXPECT_EQ(result.selection.items, (std::vector<Index>{2, 3}));
  ASSERT_GE(result.users_with_candidates, 3u);

  EmbedOptions embed;
  embed.as_of = result.selection.as_of;
  const Matrix users = model->embed_users(dataset, embed);
  const Matrix items = model->embed_items(dataset, embed);
  auto score = [&](const std::string& user, const std::string& item) {
    const auto u = users.row(static_cast<std::size_t>(dataset.users.find(user)));
    const auto i = items.row(static_cast<std::size_t>(dataset.items.find(item)));
    double s = 0;
    for (std::size_t k = 0; k < u.size(); ++k) s += static_cast<double>(u[k]) * i[k];
    return s;
  };
  for (const char* user : {"u0", "u1", "u2"}) {
    const auto stored = store->get("g1", user);
    ASSERT_TRUE(stored) << user;
    const auto& by_score = stored->of(Ordering::score);
    ASSERT_EQ(by_score.size(), 2u) << user;  // i2 and i3, which u0..u2 never clicked
    for (const auto& candidate : by_score)
      EXPECT_NEAR(candidate.score, score(user, candidate.item), 1e-4) << user << " " << candidate.item;
    EXPECT_GE(by_score[0].score, by_score[1].score);
  }
}

}  // namespace
}  // namespace invr
