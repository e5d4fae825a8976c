// The simulator with an implicit-ALS model (model kind "als"): it trains the
// initial model and every retraining as ALS, and runs as with any model.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim_fixture.h"

namespace invr {
namespace {

TEST(SimAls, TrainsAndRetrainsAnAlsModelAndRunsDeterministically) {
  test::tiny_world();  // generated once; progress bars off
  SimulationConfig config = test::tiny_config();
  config.model.kind = "als";
  config.model.dim = 8;
  config.model.als_iterations = 5;
  config.params.retrain_interval_days = 1;
  auto run = [&](const std::filesystem::path& work) {
    SimulationOptions options;
    options.work_dir = work;  // no model_dir: the simulator trains its own
    options.progress = false;
    return simulate(test::tiny_world().world, config, options);
  };
  test::TempDir a, b;
  const SimulationResult first = run(a / "work");
  EXPECT_GT(first.main.log.size(), 1000u);
  EXPECT_GE(first.main.retrains, 1u);
  EXPECT_GE(first.main.job_runs, 2u);
  EXPECT_EQ(first.main.job_failures, 0u);
  EXPECT_FALSE(first.main.treated.empty());
  const auto manifest = nlohmann::json::parse(test::read_file(a / "work/model/manifest.json"));
  EXPECT_EQ(manifest["kind"], "als");
  EXPECT_EQ(results_json(first), results_json(run(b / "work")));
}

}  // namespace
}  // namespace invr
