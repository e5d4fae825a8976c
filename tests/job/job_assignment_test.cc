// The job's target ordering (docs/assignment.md, "In the job"): the lists it
// stores are assign_targets() on the job's own inputs, the manifest carries
// each treated item's report, and [assignment] reads and validates.
#include <algorithm>
#include <functional>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "invr/assign.h"
#include "invr/error.h"
#include "invr/job.h"
#include "invr/store.h"
#include "job/job_assign.h"
#include "job_world.h"
#include "test_util.h"

namespace invr {
namespace {

struct AssignmentJob : ::testing::Test {
  test::TempDir dir;
  Dataset dataset = test::job_world();
  std::unique_ptr<TwoTowerModel> model;
  std::unique_ptr<CandidateStore> store;
  JobConfig config;

  void SetUp() override {
    test::write_job_model(dataset, dir / "model");
    model = TwoTowerModel::load(dir / "model");
    config = test::job_world_config("rocksdb:" + (dir / "store").string());
    // Short intervals make capacities fractional and unequal (u2 visited
    // once, u0 and u1 twice), so the targets (1 impression) cannot all be met.
    config.assignment_job.interval_hours = 0.05;
    config.assignment.solver = "exact";
    config.assignment_job.targets = "interval";  // one target for every item
    store = open_store(config.job.store);
  }
  std::function<double(Index, Index)> relevance;  // JobInputs::assignment_relevance
  JobResult run(const std::string& generation, std::span<const double> share = {}) {
    JobInputs inputs;
    inputs.dataset = &dataset;
    inputs.model = model.get();
    inputs.target_share = share;
    inputs.assignment_relevance = relevance;
    return run_job(inputs, config, store.get(), generation);
  }
  // The store's target lists of `generation` are `want`'s, and the job's
  // counts and summary agree.
  void expect_stored(const TargetAssignment& want, const std::string& generation,
                     const JobResult& result) {
    std::size_t compared = 0;
    for (std::size_t u = 0; u < dataset.users.size(); ++u) {
      const auto user = static_cast<Index>(u);
      const auto stored = store->get(generation, dataset.users.id(user));
      ASSERT_TRUE(stored.has_value());
      const auto& got = stored->of(Ordering::target);
      const auto expected = want.of(user);
      ASSERT_EQ(got.size(), expected.size()) << dataset.users.id(user);
      for (std::size_t k = 0; k < got.size(); ++k, ++compared) {
        EXPECT_EQ(got[k].item, dataset.items.id(expected[k].item));
        EXPECT_EQ(got[k].score, expected[k].score);
        EXPECT_EQ(got[k].user_rank, expected[k].user_rank);
      }
    }
    EXPECT_EQ(compared, result.candidates[static_cast<std::size_t>(Ordering::target)]);
    EXPECT_EQ(result.assignment.items_short, want.summary.items_short);
    EXPECT_EQ(result.assignment.objective, want.summary.objective);
  }
  // assign_targets() called directly on what the job computes.
  TargetAssignment direct(const JobResult& result, std::span<const double> share = {},
                          std::span<const double> displaced = {}) {
    const Selection& s = result.selection;
    EmbedOptions embed;
    embed.as_of = s.as_of;
    const Matrix items = gather_rows(model->embed_items(dataset, embed), s.items);
    const Matrix users = gather_rows(model->embed_users(dataset, embed), s.users);
    ItemTopUsers top = top_users_per_item(view_of(items), view_of(users), config.retrieval);
    if (relevance)  // each pair scored by the relevance instead
      for (std::size_t k = 0; k < top.users.size(); ++k)
        if (top.users[k] != kNoRow)
          top.scores[k] = static_cast<float>(
              relevance(s.users[static_cast<std::size_t>(top.users[k])], s.items[k / static_cast<std::size_t>(top.users_per_item)]));
    const auto capacity =
        user_capacities(user_visits_per_day(dataset, s.as_of, config.assignment_job.visit_window_days),
                        config.assignment_job, share);
    AssignmentTargets targets;
    targets.user_displaced.assign(displaced.begin(), displaced.end());
    targets.item_target.assign(s.items.size(), result.item_target);
    if (config.assignment_job.count_repeats)  // the documented rule: the visits per interval, 1 for none
      for (double v : user_visits_per_day(dataset, s.as_of, config.assignment_job.visit_window_days))
        targets.pair_impressions.push_back(v > 0 ? v * config.assignment_job.interval_hours / 24 : 1.0);
    AssignmentParams params = config.assignment;
    params.max_candidates_per_user = config.inversion.max_candidates_per_user;
    return assign_targets(top, s.items, s.users, dataset.users.size(), seen_items(dataset, s.as_of),
                          capacity, targets, params);
  }
};

TEST_F(AssignmentJob, TargetOrderingIsAssignTargetsOnTheJobsInputs) {
  const JobResult result = run("g1");
  EXPECT_EQ(result.item_target, 1);  // ceil(20 × 0.05 h / 7 days)
  const TargetAssignment want = direct(result);
  ASSERT_GT(want.lists.size(), 0u);
  expect_stored(want, "g1", result);
}

TEST_F(AssignmentJob, AssignmentRelevanceReplacesThePairScoresAndNothingElse) {
  const JobResult model_scored = run("g1");
  // A relevance that reverses the model's preferences among a user's items.
  relevance = [](Index user, Index item) { return 0.01 * static_cast<double>((user * 7 + item * 5) % 11); };
  const JobResult result = run("g2");
  const TargetAssignment want = direct(result);
  ASSERT_GT(want.lists.size(), 0u);
  expect_stored(want, "g2", result);
  bool scores_differ = false;
  for (std::size_t u = 0; u < dataset.users.size(); ++u) {
    const auto user = static_cast<Index>(u);
    const auto a = store->get("g1", dataset.users.id(user));
    const auto b = store->get("g2", dataset.users.id(user));
    ASSERT_TRUE(a && b);
    for (Ordering o : {Ordering::random, Ordering::score, Ordering::user_rank}) {
      EXPECT_EQ(a->of(o), b->of(o));
    }
    for (const auto& c : b->of(Ordering::target))
      scores_differ = scores_differ || c.score != static_cast<float>(relevance(user, dataset.items.find(c.item)));
  }
  EXPECT_FALSE(scores_differ);  // the target lists carry the relevance as their scores
  EXPECT_EQ(model_scored.selection.items, result.selection.items);
}

TEST_F(AssignmentJob, AssignmentRelevanceAlsoGivesTheDisplacedScores) {
  // displace: a user's displaced score is the displaced_rank-th best
  // relevance over the most eventful items (here every item: fewer than
  // displaced_items).
  config.assignment.spare_capacity = "displace";
  relevance = [](Index user, Index item) { return 0.01 * static_cast<double>((user * 3 + item * 7) % 13); };
  const JobResult result = run("g1");
  const auto k = static_cast<std::size_t>(config.assignment_job.displaced_rank);
  ASSERT_LT(dataset.items.size(), static_cast<std::size_t>(config.assignment_job.displaced_items));
  ASSERT_GE(dataset.items.size(), k);
  std::vector<double> displaced(dataset.users.size(), 0.0);
  for (Index user : result.selection.users) {
    std::vector<double> scores;
    for (std::size_t i = 0; i < dataset.items.size(); ++i) scores.push_back(relevance(user, static_cast<Index>(i)));
    std::sort(scores.begin(), scores.end(), std::greater<>());
    displaced[static_cast<std::size_t>(user)] = scores[k - 1];
  }
  expect_stored(direct(result, {}, displaced), "g1", result);
}

TEST_F(AssignmentJob, RepeatVisitsCountEachListedPairAsSeveralImpressions) {
  // Hour-long intervals: u0 and u1 visit about twice per interval, so each
  // of their listed pairs is planned as ~2 impressions (count_repeats).
  // The auction lists whole pairs (the exact LP may use part of a pair's
  // repeats, docs/assignment.md).
  config.assignment_job.interval_hours = 1;
  config.assignment.spare_capacity = "leave";
  config.assignment.solver = "auction";
  const JobResult with = run("g1");
  const TargetAssignment want = direct(with);
  ASSERT_FALSE(want.lists.empty());
  expect_stored(want, "g1", with);
  double most = 0;
  for (const auto& item : want.items) most = std::max(most, item.assigned);
  EXPECT_GT(most, 1.5);  // one pair alone meets a target of 1 with room to spare
  config.assignment_job.count_repeats = false;
  const JobResult without = run("g2");
  const TargetAssignment plain = direct(without);
  expect_stored(plain, "g2", without);
  for (const auto& item : plain.items) EXPECT_LE(item.assigned, 1.0 + 1e-9);
}

TEST_F(AssignmentJob, LeaveStoresOnlyThePairsTowardTargets) {
  // Hour-long intervals: a user's pairs give about 2 impressions, so some
  // targets are met without every pair (at 0.05 h every pair is needed).
  config.assignment_job.interval_hours = 1;
  const std::size_t filled = direct(run("g1")).lists.size();
  config.assignment.spare_capacity = "leave";
  const JobResult result = run("g2");
  const TargetAssignment want = direct(result);
  EXPECT_LT(want.lists.size(), filled);  // the fill run's lists go on past the assigned pairs
  std::size_t assigned_pairs = 0;
  for (const auto& item : want.items) assigned_pairs += item.assigned > 0;
  EXPECT_GT(assigned_pairs, 0u);
  expect_stored(want, "g2", result);
}

TEST_F(AssignmentJob, ManifestHasEachTreatedItemsReportAndTheStage) {
  const JobResult result = run("g1");
  const TargetAssignment want = direct(result);
  const auto manifest = nlohmann::json::parse(store->manifest("g1"));
  const auto& a = manifest["assignment"];
  EXPECT_EQ(a["item_target"], 1);
  EXPECT_EQ(a["summary"]["solver"], "exact");
  EXPECT_EQ(a["summary"]["items_short"], want.summary.items_short);
  EXPECT_GT(want.summary.items_short, 0);  // capacity 0.5 in all, targets 2
  ASSERT_EQ(a["items"].size(), 2u);
  for (std::size_t r = 0; r < 2; ++r) {
    EXPECT_EQ(a["items"][r]["item"], dataset.items.id(result.selection.items[r]));
    EXPECT_EQ(a["items"][r]["target"], 1);
    EXPECT_DOUBLE_EQ(a["items"][r]["assigned"].get<double>(), want.items[r].assigned);
    EXPECT_EQ(a["items"][r]["reason"] == "none", want.items[r].reason == ShortReason::none);
  }
  EXPECT_EQ(manifest["counts"]["candidates_target"],
            result.candidates[static_cast<std::size_t>(Ordering::target)]);
  std::vector<std::string> stages;
  for (const auto& t : manifest["timings"]) stages.push_back(t["stage"]);
  EXPECT_EQ(stages, (std::vector<std::string>{"select", "embed_items", "embed_users", "retrieve",
                                              "invert", "assign", "write"}));
  EXPECT_NE(job_summary_json(result).find("\"items_short\""), std::string::npos);
}

TEST_F(AssignmentJob, OnlyTheArmsUsersCapacityCounts) {
  // The simulator passes its bucketing: u1 alone is served the target ordering.
  const std::vector<double> share = {0, 1, 0};
  const JobResult result = run("g1", share);
  const TargetAssignment want = direct(result, share);
  double assigned = 0;
  for (const auto& item : want.items) assigned += item.assigned;
  EXPECT_NEAR(assigned, 2 * 48 * 0.05 / 24, 1e-6);  // u1: 2 slots × 2 visits/h × 0.05 h
  const auto manifest = nlohmann::json::parse(store->manifest("g1"));
  EXPECT_NEAR(manifest["assignment"]["capacity"].get<double>(), 0.2, 1e-9);
  EXPECT_EQ(store->get("g1", "u1")->of(Ordering::target).size(), 2u);
}

TEST_F(AssignmentJob, DeficitTargetsAreWhatEachItemLacksOfTheThreshold) {
  // i2 was shown once (to u0), i3 once (to u1), both within the horizon.
  config.assignment_job.targets = "deficit";
  run("g1");
  auto items = nlohmann::json::parse(store->manifest("g1"))["assignment"]["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["item"], "i2");
  EXPECT_EQ(items[0]["target"], 19);
  EXPECT_EQ(items[1]["target"], 19);
  // Only the arm's audience counts: u0's impression of i2 is not the arm's.
  const std::vector<double> share = {0, 1, 0};
  run("g2", share);
  items = nlohmann::json::parse(store->manifest("g2"))["assignment"]["items"];
  EXPECT_EQ(items[0]["target"], 20);
  EXPECT_EQ(items[1]["target"], 19);
  // Impressions older than the horizon do not count.
  config.job.as_of = test::kWorldStart + 400;  // the last 86.4 s: none
  config.assignment_job.horizon_days = 0.001;
  run("g3");
  items = nlohmann::json::parse(store->manifest("g3"))["assignment"]["items"];
  EXPECT_EQ(items[0]["target"], 20);
}

TEST_F(AssignmentJob, CarryTreatedKeepsStartedItemsTheSelectionDrops) {
  // g1 treats i2 (p1) and i3 (p2). Then u2 sees i3 ten times: p2 (11
  // impressions) passes p0 (9), so the least exposed half is p1 and p0 and
  // the rules drop i3. carry_treated keeps it while its 11 impressions are
  // below the threshold, and not once they reach it; off, it is dropped.
  config.assignment_job.targets = "deficit";
  run("g1");
  auto treated = [&](const std::string& generation) {
    return nlohmann::json::parse(store->manifest(generation))["treated_items"].get<std::vector<std::string>>();
  };
  ASSERT_EQ(treated("g1"), (std::vector<std::string>{"i2", "i3"}));
  for (int k = 0; k < 10; ++k)
    dataset.interactions.push_back(2, 3, test::kWorldStart + 300 + k, EventType::impression, 1);
  auto has_i3 = [&](const std::string& generation) {
    const auto items = treated(generation);
    return std::find(items.begin(), items.end(), "i3") != items.end();
  };
  run("g2");  // off: the rules alone
  EXPECT_FALSE(has_i3("g2"));
  config.assignment_job.carry_treated = true;
  ASSERT_EQ(store->rollback(), "g1");  // g1 is the previous generation again
  const JobResult kept = run("g3");
  EXPECT_TRUE(has_i3("g3"));
  EXPECT_EQ(kept.selection.counts.items_carried, 1u);
  EXPECT_TRUE(std::is_sorted(kept.selection.items.begin(), kept.selection.items.end()));
  // Its target is the rest of the threshold: 20 - 11.
  const auto manifest = nlohmann::json::parse(store->manifest("g3"));
  bool reported = false;
  for (const auto& item : manifest["assignment"]["items"])
    if (item["item"] == "i3") reported = item["target"] == 9;
  EXPECT_TRUE(reported) << manifest["assignment"];
  EXPECT_EQ(manifest["counts"]["items_carried"], 1);
  config.assignment_job.sufficient_impressions = 11;  // reached: no longer carried
  run("g4");
  EXPECT_FALSE(has_i3("g4"));
}

TEST_F(AssignmentJob, DisabledLeavesTheTargetListsEmpty) {
  config.assignment_job.assign_targets = false;
  const JobResult result = run("g1");
  EXPECT_EQ(result.candidates[static_cast<std::size_t>(Ordering::target)], 0u);
  EXPECT_GT(result.candidates[static_cast<std::size_t>(Ordering::user_rank)], 0u);
  for (const char* user : {"u0", "u1", "u2"})
    EXPECT_TRUE(store->get("g1", user)->of(Ordering::target).empty()) << user;
  const auto manifest = nlohmann::json::parse(store->manifest("g1"));
  EXPECT_TRUE(manifest["assignment"].is_null());
  for (const auto& t : manifest["timings"]) EXPECT_NE(t["stage"], "assign");
}

TEST(JobAssignmentSettings, CapacitiesAreSlotsTimesVisitsInTheIntervalCappedAtOne) {
  AssignmentSettings s;
  s.slots_per_visit = 2;
  s.interval_hours = 6;
  s.count_repeats = false;  // pairs of one impression: the slots of at most one visit
  const std::vector<double> visits = {1, 4, 10, 0.5, 0};  // per day
  const auto capacity = user_capacities(visits, s);
  EXPECT_DOUBLE_EQ(capacity[0], 0.5);  // 2 × 1 × 0.25
  EXPECT_DOUBLE_EQ(capacity[1], 2.0);  // 2 × min(1, 1)
  EXPECT_DOUBLE_EQ(capacity[2], 2.0);  // repeats of the first two are not new capacity
  EXPECT_DOUBLE_EQ(capacity[3], 0.25);
  EXPECT_DOUBLE_EQ(capacity[4], 0.0);
  const std::vector<double> share = {1, 0, 0.5, 1, 1};
  EXPECT_EQ(user_capacities(visits, s, share), (std::vector<double>{0.5, 0, 1.0, 0.25, 0}));
  EXPECT_THROW(user_capacities(visits, s, std::vector<double>{1}), UsageError);
  EXPECT_TRUE(job::pair_repeats(visits, s).empty());

  // count_repeats (the default): one visit's slots for everyone who visits,
  // each pair giving the visits per interval λ, below 1 when the interval
  // is shorter than the user's visit gap.
  s.count_repeats = true;
  EXPECT_EQ(user_capacities(visits, s), (std::vector<double>{2, 2, 2, 2, 0}));
  EXPECT_EQ(user_capacities(visits, s, share), (std::vector<double>{2, 0, 1, 2, 0}));
  EXPECT_EQ(job::pair_repeats(visits, s), (std::vector<double>{0.25, 1, 2.5, 0.125, 1}));
}

TEST(JobAssignmentSettings, VisitsPerDayCountImpressionTimesInTheWindow) {
  const Dataset d = test::job_world();
  // Logs span 1.7e9+100 .. +200: the window is shortened to 1 hour.
  const auto visits = user_visits_per_day(d, test::kWorldStart + 1000, 14);
  EXPECT_DOUBLE_EQ(visits[0], 2 * 24);  // impressions at +100 and +200
  EXPECT_DOUBLE_EQ(visits[2], 1 * 24);
}

TEST(JobAssignmentSettings, AssignmentTableReadsBothTablesKeysAndNamesBadOnes) {
  test::TempDir dir;
  test::write_file(dir / "a.toml",
                   "[assignment]\nsolver = \"exact\"\ninterval_hours = 24\nassign_targets = false\n"
                   "assignment_threads = 2\nslots_per_visit = 3\n");
  JobConfig config;
  read_job_config(dir / "a.toml", config);
  EXPECT_EQ(config.assignment.solver, "exact");
  EXPECT_EQ(config.assignment.threads, 2);
  EXPECT_EQ(config.assignment_job.interval_hours, 24);
  EXPECT_FALSE(config.assignment_job.assign_targets);
  EXPECT_EQ(config.assignment_job.slots_per_visit, 3);
  test::write_file(dir / "b.toml", "[assignment]\nsolver = \"exact\"\nslots = 3\n");
  try {
    read_job_config(dir / "b.toml", config);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_NE(e.message().find("unknown setting 'slots' in [assignment]"), std::string::npos)
        << e.message();
  }
  test::write_file(dir / "c.toml", "[assignment]\nslots_per_visit = 0\n");
  EXPECT_THROW(read_job_config(dir / "c.toml", config), DataError);
  JobConfig bad;
  bad.assignment_job.horizon_days = 0;
  try {
    validate(bad);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--horizon-days"), std::string::npos) << e.what();
  }
  bad = {};
  bad.assignment.target_weight = -1;
  EXPECT_THROW(validate(bad), UsageError);
  // The whole config as TOML reads back, [assignment] included.
  JobConfig some;
  some.assignment.completion_passes = 2;
  some.assignment_job.sufficient_impressions = 50;
  test::write_file(dir / "d.toml", job_config_toml(some));
  JobConfig back;
  read_job_config(dir / "d.toml", back);
  EXPECT_EQ(back.assignment.completion_passes, 2);
  EXPECT_EQ(back.assignment_job.sufficient_impressions, 50);
  EXPECT_EQ(job_config_toml(back), job_config_toml(some));
}

}  // namespace
}  // namespace invr
