// Knob sweeps (--sweep, docs/methods.md "Sweeps and frontiers"): the spec's
// points, the frontier's dominated points and the verdict on hand-made
// estimates, and a tiny sweep run end to end, twice, to the same bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "sim_fixture.h"

namespace invr {
namespace {

const std::vector<int> kSlots = {3, 8};

std::vector<std::string> arm_names(const SweepSpec& spec) {
  std::vector<std::string> out;
  for (const SweepPoint& p : spec.points) out.push_back(p.arm.name);
  return out;
}

std::string usage_error(std::string_view text) {
  try {
    parse_sweep(text, kSlots, 100);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(SimSweep, ASpecExpandsEveryValueOfEachMethodIntoAnArm) {
  const SweepSpec spec = parse_sweep(
      " invr-user-rank:n=10,20 ; xquad:lambda=0.25,0.75;forward-longtail:slots=3,3/5/8;invr-target",
      kSlots, 100);
  EXPECT_EQ(arm_names(spec),
            (std::vector<std::string>{"invr-user-rank:n=10", "invr-user-rank:n=20", "xquad:lambda=0.25",
                                      "xquad:lambda=0.75", "forward-longtail:slots=3",
                                      "forward-longtail:slots=3/5/8", "invr-target"}));
  EXPECT_EQ(spec.points[1].method, "invr-user-rank");
  EXPECT_EQ(spec.points[1].knob, "n");
  EXPECT_EQ(spec.points[1].value, "20");
  EXPECT_EQ(spec.points[1].arm.top_users, 20);
  EXPECT_EQ(spec.points[1].arm.slots, kSlots);  // InvR points take the InvR slots
  EXPECT_DOUBLE_EQ(spec.points[3].arm.lambda, 0.75);
  EXPECT_EQ(spec.points[5].arm.slots, (std::vector<int>{3, 5, 8}));
  EXPECT_TRUE(spec.points[6].knob.empty());

  const Experiment experiment = sweep_experiment(spec, "s");
  ASSERT_EQ(experiment.arms.size(), 8u);
  EXPECT_TRUE(experiment.arms[0].is_control());
  EXPECT_EQ(experiment.salt, "s");
  for (const Arm& arm : experiment.arms) EXPECT_EQ(arm.weight, 1.0);
}

TEST(SimSweep, TheDefaultSweepIsFiveMethodsAtThreeValuesAroundTheJobsN) {
  const SweepSpec spec = parse_sweep("default", kSlots, 1000);
  EXPECT_EQ(spec.points.size(), 15u);
  EXPECT_EQ(spec.text,
            "invr-user-rank:n=250,500,1000;invr-score:n=250,500,1000;"
            "forward-longtail:slots=3,3/8,3/5/8;popularity-penalty:lambda=0.001,0.01,0.1;"
            "xquad:lambda=0.25,0.5,0.75");
  // "default" beside other entries expands in place.
  const SweepSpec more = parse_sweep("invr-target;default", kSlots, 1000);
  EXPECT_EQ(more.points.size(), 16u);
  EXPECT_EQ(more.points[0].arm.name, "invr-target");
  EXPECT_EQ(more.text, "invr-target;" + spec.text);
  // A tiny N keeps distinct values only.
  EXPECT_EQ(parse_sweep("default", kSlots, 2).points.size(), 2u + 2u + 3u + 3u + 3u);
}

TEST(SimSweep, ApplyingASweepRaisesTheJobsNAndScalesPseisThresholdToTheArmShare) {
  SimulationConfig config = test::tiny_config();  // N = 20, threshold 5
  config.params.sufficient_impressions = 20;
  apply_sweep(config, "invr-user-rank:n=10,60;xquad:lambda=0.5", kSlots, "salt");
  ASSERT_TRUE(config.sweep);
  EXPECT_EQ(config.job.retrieval.top_users_per_item, 60);
  ASSERT_EQ(config.experiment.arms.size(), 4u);
  EXPECT_EQ(config.experiment.salt, "salt");
  EXPECT_EQ(config.params.sufficient_impressions, 10);  // 20 * 2 / 4 arms
  validate(config);
  SimulationConfig many = test::tiny_config();
  many.params.sufficient_impressions = 1;
  apply_sweep(many, "default", kSlots, "invr");
  EXPECT_EQ(many.params.sufficient_impressions, 1);  // never below one impression
}

TEST(SimSweep, BadSpecsAreUsageErrorsNamingTheFlag) {
  EXPECT_NE(usage_error("").find("--sweep: empty"), std::string::npos);
  EXPECT_NE(usage_error("xquad:lambda=0.1;;xquad:lambda=0.2").find("empty entry"), std::string::npos);
  EXPECT_NE(usage_error("control").find("control is every sweep's baseline"), std::string::npos);
  EXPECT_NE(usage_error("xquad:lambda=2").find("lambda must be in [0, 1]"), std::string::npos);
  EXPECT_NE(usage_error("xquad:lambda=0.1,").find("lambda must be a number"), std::string::npos);
  EXPECT_NE(usage_error("xquad:lambda").find("expected METHOD:KNOB=v1,v2"), std::string::npos);
  EXPECT_NE(usage_error("invr-score:n=5:slots=3").find("one knob"), std::string::npos);
  EXPECT_NE(usage_error("invr-target:n=5").find("top_users (n) is for invr arms"), std::string::npos);
  EXPECT_NE(usage_error("xquad:n=5").find("top_users (n) is for invr arms"), std::string::npos);
  EXPECT_NE(usage_error("bogus:lambda=1").find("unknown arm"), std::string::npos);
  EXPECT_NE(usage_error("invr-score:n=0").find("n (top users per item) must be an integer >= 1"),
            std::string::npos);
  // The same point twice is two arms of one name.
  try {
    sweep_experiment(parse_sweep("xquad:lambda=0.5,0.5", kSlots, 100));
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--sweep: experiment arm 3"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("duplicate arm name"), std::string::npos) << e.what();
  }
}

// A run result with control and one arm per point: CTR (paired) and the
// three exposure metrics' differences from control with intervals of ±width.
// The frontier reads the difference arm - control; the relative change is
// set too (to a different value) to show it is not what is read.
RelativeChange change(double value, double width) {
  RelativeChange c;
  c.change = -value;
  c.ci_low = c.ci_high = NAN;
  c.difference = value;
  c.difference_low = value - width;
  c.difference_high = value + width;
  return c;
}

struct Made {
  double ctr, psei, t1ps, width = 0.01;
};

RunResult made_run(const SweepSpec& spec, const std::vector<Made>& made) {
  RunResult run;
  run.arms.emplace_back().arm = parse_arm("control", {});
  for (std::size_t i = 0; i < spec.points.size(); ++i) {
    ArmResult& arm = run.arms.emplace_back();
    arm.arm = spec.points[i].arm;
    RelativeChange ctr;
    ctr.change = made[i].ctr;
    ctr.ci_low = made[i].ctr - 0.005;
    ctr.ci_high = made[i].ctr + 0.005;
    arm.effects.ctr.paired = ctr;
    arm.relative = {{"psei", change(made[i].psei, made[i].width)},
                    {"producer_b50ps", change(NAN, NAN)},
                    {"producer_t1ps", change(made[i].t1ps, made[i].width)}};
  }
  return run;
}

const SweepVerdictRow& row(const SweepResult& r, double budget, const std::string& metric) {
  for (const SweepVerdictRow& row : r.verdict)
    if (row.ctr_budget == budget && row.metric == metric) return row;
  throw std::runtime_error("no verdict row");
}

TEST(SimSweep, TheVerdictPicksTheLargestGainWithinEachCtrBudgetAndComparesAnotherMethod) {
  const SweepSpec spec = parse_sweep("invr-user-rank:n=10,20;xquad:lambda=0.2,0.4", kSlots, 100);
  //                         ctr     psei   t1ps
  const RunResult run = made_run(spec, {{-0.005, 0.30, -0.10},   // n=10
                                        {-0.020, 0.60, -0.30},   // n=20
                                        {0.001, 0.05, 0.02},     // lambda=0.2
                                        {-0.015, 0.25, -0.05}}); // lambda=0.4
  const SweepResult r = sweep_result(spec, run);
  EXPECT_EQ(r.control, "control");
  EXPECT_STREQ(r.ctr_estimator, "paired");
  ASSERT_EQ(r.verdict.size(), 9u);
  EXPECT_EQ(r.verdict[0].ctr_budget, 0.0);
  EXPECT_EQ(r.verdict[3].ctr_budget, -0.01);

  // Budget 0: only lambda=0.2 (CTR +0.1%) is eligible.
  const SweepVerdictRow& zero = row(r, 0.0, "psei");
  EXPECT_EQ(zero.eligible, 1u);
  EXPECT_EQ(zero.winner, std::optional<std::size_t>(2));
  EXPECT_FALSE(zero.runner_up);
  EXPECT_FALSE(zero.separated);
  // -1%: n=10 (+30%) wins over the best xquad point (+5%), intervals apart.
  const SweepVerdictRow& one = row(r, -0.01, "psei");
  EXPECT_EQ(one.eligible, 2u);
  EXPECT_EQ(one.winner, std::optional<std::size_t>(0));
  EXPECT_EQ(one.runner_up, std::optional<std::size_t>(2));
  EXPECT_TRUE(one.separated);
  // -3%: n=20 wins; the runner-up is another method's best (xquad 0.4), not n=10.
  const SweepVerdictRow& three = row(r, -0.03, "psei");
  EXPECT_EQ(three.winner, std::optional<std::size_t>(1));
  EXPECT_EQ(three.runner_up, std::optional<std::size_t>(3));
  // T1PS is better lower: n=20's -30% is the largest gain.
  EXPECT_EQ(row(r, -0.03, "producer_t1ps").winner, std::optional<std::size_t>(1));
  // A metric undefined everywhere has no eligible point.
  EXPECT_EQ(row(r, -0.03, "producer_b50ps").eligible, 0u);
  EXPECT_FALSE(row(r, -0.03, "producer_b50ps").winner);

  // Frontier on PSEI: nobody beats n=20 (best gain), n=10, lambda=0.2 (best
  // CTR); lambda=0.4 loses to n=10 on both axes.
  ASSERT_EQ(r.dominated[0].first, "psei");
  EXPECT_EQ(r.dominated[0].second, (std::vector<std::size_t>{3}));
  // On T1PS lambda=0.2 raises the top share at +0.1% CTR: not dominated
  // (nobody has more CTR), while a point below control on both would be.
  EXPECT_EQ(r.dominated[2].second, (std::vector<std::size_t>{3}));
}

TEST(SimSweep, OverlappingIntervalsAreNotSeparatedAndControlDominatesALosingPoint) {
  const SweepSpec spec = parse_sweep("invr-score:n=10;xquad:lambda=0.2", kSlots, 100);
  const RunResult run = made_run(spec, {{-0.005, 0.10, 0.0, 0.2}, {-0.002, -0.01, 0.01, 0.2}});
  const SweepResult r = sweep_result(spec, run);
  const SweepVerdictRow& one = row(r, -0.01, "psei");
  EXPECT_EQ(one.winner, std::optional<std::size_t>(0));
  EXPECT_EQ(one.runner_up, std::optional<std::size_t>(1));
  EXPECT_FALSE(one.separated);  // ±20% intervals overlap
  // xquad here lowers both CTR and PSEI: control (0, 0) dominates it.
  EXPECT_EQ(r.dominated[0].second, (std::vector<std::size_t>{1}));
}

TEST(SimSweep, NoPointThatMovesAMetricTheRightWayMeansNoWinner) {
  const SweepSpec spec = parse_sweep("invr-score:n=10;xquad:lambda=0.2", kSlots, 100);
  // PSEI: both lose or stay put; T1PS: xquad lowers the top share.
  const RunResult run = made_run(spec, {{-0.005, 0.0, 0.0}, {-0.002, -0.01, -0.02}});
  const SweepResult r = sweep_result(spec, run);
  const SweepVerdictRow& psei = row(r, -0.01, "psei");
  EXPECT_EQ(psei.eligible, 2u);
  EXPECT_FALSE(psei.winner);
  EXPECT_FALSE(psei.runner_up);
  EXPECT_FALSE(psei.separated);
  EXPECT_EQ(row(r, -0.01, "producer_t1ps").winner, std::optional<std::size_t>(1));
}

TEST(SimSweep, ATinySweepRunsEveryPointAgainstOneControlAndIsByteIdentical) {
  SimulationConfig config = test::tiny_config();
  config.sweep = parse_sweep("invr-user-rank:n=5,20;xquad:lambda=0.3,0.6", kSlots,
                             config.job.retrieval.top_users_per_item);
  config.experiment = sweep_experiment(*config.sweep);
  validate(config);
  const test::TwoRuns runs = test::simulate_tiny_twice(config);
  EXPECT_TRUE(runs.same) << "two runs of one seed wrote different results.json";
  const SimulationResult& first = runs.first;
  const std::string& results = runs.results;
  ASSERT_TRUE(first.sweep);
  EXPECT_EQ(first.main.arms.size(), 5u);
  EXPECT_EQ(first.sweep->verdict.size(), 9u);
  EXPECT_NE(results.find(R"("sweep": {)"), std::string::npos);
  EXPECT_NE(results.find(R"("spec": "invr-user-rank:n=5,20;xquad:lambda=0.3,0.6")"), std::string::npos);
  EXPECT_NE(results.find(R"("top_users": 5)"), std::string::npos);
  // n=5 serves a cut of n=20's lists: never more inserted impressions per visit.
  const ArmResult& n5 = first.main.arms[1];
  const ArmResult& n20 = first.main.arms[2];
  ASSERT_EQ(n5.arm.top_users, 5);
  ASSERT_GT(n20.invr_impressions, 0u);
  EXPECT_LT(static_cast<double>(n5.invr_impressions) / static_cast<double>(n5.visits),
            static_cast<double>(n20.invr_impressions) / static_cast<double>(n20.visits));
}

TEST(SimSweep, AnArmsNAboveTheJobsNIsAUsageError) {
  SimulationConfig config = test::tiny_config();  // N = 20
  config.experiment = experiment_from_arms("control,invr-score:n=50", kSlots);
  try {
    validate(config);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("n = 50 exceeds the job's top_users_per_item 20"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace invr
