// Same seed, same bytes: whatever the thread count, run after run.
#include <gtest/gtest.h>

#include "sim_fixture.h"

namespace invr {
namespace {

TEST(SimDeterminism, SameSeedGivesByteIdenticalResultsAndLogs) {
  test::TempDir a, b;
  const SimulationConfig config = test::tiny_config();
  const SimulationResult first = test::simulate_tiny(config, a / "work");
  const SimulationResult second = test::simulate_tiny(config, b / "work");
  write_simulation_outputs(first, test::tiny_world().world, a / "out");
  write_simulation_outputs(second, test::tiny_world().world, b / "out");
  EXPECT_GT(first.main.log.size(), 1000u);
  EXPECT_EQ(test::read_file(a / "out/results.json"), test::read_file(b / "out/results.json"));
  EXPECT_EQ(test::read_file(a / "out/exposures.tsv"), test::read_file(b / "out/exposures.tsv"));
}

TEST(SimDeterminism, ThreadCountDoesNotChangeResults) {
  test::TempDir a, b;
  SimulationConfig config = test::tiny_config();
  config.params.threads = 1;
  const std::string one = results_json(test::simulate_tiny(config, a / "work"));
  config.params.threads = 3;
  EXPECT_EQ(one, results_json(test::simulate_tiny(config, b / "work")));
}

TEST(SimDeterminism, TheSeedDrivesTheTraffic) {
  test::TempDir a, b;
  SimulationConfig config = test::tiny_config();
  const SimulationResult first = test::simulate_tiny(config, a / "work");
  config.params.seed = 43;
  const SimulationResult other = test::simulate_tiny(config, b / "work");
  EXPECT_NE(first.main.log.clicked, other.main.log.clicked);
}

}  // namespace
}  // namespace invr
