// The competing methods' arms (docs/methods.md) in the simulator: a run with
// forward-longtail, popularity-penalty and xquad beside control completes,
// serves each arm its own slates, and is deterministic.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim_fixture.h"

namespace invr {
namespace {

SimulationConfig methods_config() {
  SimulationConfig config = test::tiny_config();
  const std::vector<int> slots = {3, 5};
  config.experiment = experiment_from_arms(
      "control,forward-longtail,popularity-penalty:lambda=0.2,xquad:lambda=0.5", slots);
  config.params.counterfactual = true;
  return config;
}

const ArmResult& arm_named(const SimulationResult& result, const std::string& name) {
  for (const ArmResult& arm : result.main.arms)
    if (arm.arm.name == name) return arm;
  throw std::runtime_error("no arm " + name);
}

TEST(SimMethods, ARunWithTheCompetingArmsCompletesAndIsDeterministic) {
  const SimulationConfig config = methods_config();
  const test::TwoRuns runs = test::simulate_tiny_twice(config);
  EXPECT_TRUE(runs.same) << "two runs of one seed wrote different results.json";
  const SimulationResult& first = runs.first;
  const std::string& results = runs.results;

  ASSERT_EQ(first.main.arms.size(), 4u);
  const ArmResult& forward = arm_named(first, "forward-longtail");
  const ArmResult& penalty = arm_named(first, "popularity-penalty:lambda=0.2");
  const ArmResult& xquad = arm_named(first, "xquad:lambda=0.5");
  EXPECT_EQ(forward.arm.method, ArmMethod::forward_longtail);
  EXPECT_EQ(forward.arm.slots, (std::vector<int>{3, 5}));
  // forward-longtail inserts treated items at its slots; the re-rankers insert nothing.
  EXPECT_GT(forward.invr_impressions, 0u);
  EXPECT_EQ(penalty.invr_impressions, 0u);
  EXPECT_EQ(xquad.invr_impressions, 0u);
  for (const ArmResult* arm : {&forward, &penalty, &xquad}) {
    EXPECT_GT(arm->visits, 0u) << arm->arm.name;
    EXPECT_FALSE(arm->relative.empty()) << arm->arm.name;  // compared with control
    // The counterfactual control slates differ from the served ones somewhere.
    EXPECT_NE(arm->expected_ctr_change, 0.0) << arm->arm.name;
  }
  EXPECT_TRUE(arm_named(first, "control").relative.empty());
  // results.json names each arm's method and knob.
  EXPECT_NE(results.find(R"("method": "popularity-penalty")"), std::string::npos);
  EXPECT_NE(results.find(R"("method": "xquad")"), std::string::npos);
  EXPECT_NE(results.find(R"("lambda": 0.2)"), std::string::npos);
}

TEST(SimMethods, BadArmKnobsAreUsageErrorsNamingArms) {
  const std::vector<int> slots = {3, 8};
  try {
    experiment_from_arms("control,xquad:lambda=2", slots);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--arms: arm \"xquad:lambda=2\": lambda must be in [0, 1]"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(experiment_from_arms("control,popularity-penalty:lambda=x", slots), UsageError);
}

}  // namespace
}  // namespace invr
