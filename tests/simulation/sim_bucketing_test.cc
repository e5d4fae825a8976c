// Users land in the arm the server would put them in (Experiment::assign).
#include <gtest/gtest.h>

#include "sim_fixture.h"

namespace invr {
namespace {

TEST(SimBucketing, EveryImpressionIsInTheUsersServerArm) {
  test::TempDir dir;
  const SimulationConfig config = test::tiny_config();
  const SimulationResult result = test::simulate_tiny(config, dir / "work");
  const ExposureLog& log = result.main.log;
  ASSERT_GT(log.size(), 0u);
  for (std::size_t r = 0; r < log.size(); ++r) {
    const std::size_t expected = config.experiment.assign(log.users.id(log.user[r]));
    ASSERT_EQ(log.arms.id(log.arm[r]), config.experiment.arms[expected].name) << "row " << r;
  }
  const Dataset& dataset = test::tiny_world().world.dataset;
  for (std::size_t a = 0; a < config.experiment.arms.size(); ++a) {
    std::size_t users = 0;
    for (std::size_t u = 0; u < dataset.users.size(); ++u)
      users += config.experiment.assign(dataset.users.id(static_cast<Index>(u))) == a;
    EXPECT_EQ(result.main.arms[a].users, users) << config.experiment.arms[a].name;
    EXPECT_EQ(result.main.arms[a].arm.name, config.experiment.arms[a].name);
  }
}

TEST(SimBucketing, InvrArmsAreComparedWithControlAndTheJobRunsEveryTick) {
  test::TempDir dir;
  const SimulationResult result = test::simulate_tiny(test::tiny_config(), dir / "work");
  EXPECT_EQ(result.main.job_runs, 2u);
  EXPECT_EQ(result.main.job_failures, 0u);
  EXPECT_FALSE(result.main.treated.empty());
  for (const ArmResult& arm : result.main.arms) {
    if (arm.arm.ordering) {
      ASSERT_EQ(arm.relative.size(), 9u);
    } else {
      EXPECT_TRUE(arm.relative.empty());
    }
  }
}

}  // namespace
}  // namespace invr
