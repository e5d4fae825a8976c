// Bad settings fail early with the flag's name; the flag list and the docs agree.
#include <gtest/gtest.h>

#include <string>

#include "invr/error.h"
#include "sim_fixture.h"

namespace invr {
namespace {

std::string usage_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

TEST(SimParams, OutOfBoundsValuesNameTheFlag) {
  // A fresh config per case (GCC 12 warns on `config = SimulationConfig{}`
  // with a string member, a -Wmaybe-uninitialized false positive).
  auto flag_of = [](const std::function<void(SimulationParams&)>& set) {
    SimulationConfig config;
    set(config.params);
    return usage_error([&] { validate(config); });
  };
  EXPECT_NE(flag_of([](SimulationParams& p) { p.days = 0; }).find("--days"), std::string::npos);
  EXPECT_NE(flag_of([](SimulationParams& p) { p.job_interval_hours = 0; }).find("--job-interval-hours"),
            std::string::npos);
  EXPECT_NE(flag_of([](SimulationParams& p) { p.slate_size = 101; }).find("--slate-size"),
            std::string::npos);
  EXPECT_NE(flag_of([](SimulationParams& p) { p.base_ctr = 2; }).find("--base-ctr"), std::string::npos);
  EXPECT_NE(flag_of([](SimulationParams& p) { p.history_days = 0; }).find("--history-days"),
            std::string::npos);
  EXPECT_NE(flag_of([](SimulationParams& p) { p.timeline = "wallclock"; }).find("--timeline"),
            std::string::npos);
  // -1 is "auto"; other negative cadences are refused.
  EXPECT_NE(flag_of([](SimulationParams& p) { p.retrain_interval_days = -0.5; })
                .find("--retrain-interval-days"),
            std::string::npos);
  EXPECT_NE(flag_of([](SimulationParams& p) { p.retrain_interval_days = -2; })
                .find("--retrain-interval-days"),
            std::string::npos);
  SimulationConfig automatic;
  automatic.params.retrain_interval_days = -1;
  EXPECT_NO_THROW(validate(automatic));
}

TEST(SimParams, ArmsSlotsAndExperimentListsAreChecked) {
  const std::vector<int> slots = {3, 8};
  EXPECT_NE(usage_error([&] { experiment_from_arms("control,invr-bogus", slots); }).find("--arms"),
            std::string::npos);
  SimulationConfig config;
  config.experiment = experiment_from_arms("invr-score,invr-user-rank", slots);
  EXPECT_NE(usage_error([&] { validate(config); }).find("control"), std::string::npos);
  EXPECT_NE(usage_error([] { parse_slots("3,x", "--invr-slots"); }).find("--invr-slots"),
            std::string::npos);
  EXPECT_NE(usage_error([] { cold_start_variants("warm"); }).find("--cold-start"), std::string::npos);
  EXPECT_NE(usage_error([] { top_users_variants("50,0"); }).find("--top-users-per-item"),
            std::string::npos);
  EXPECT_NE(usage_error([] { slot_variants("1,2;0"); }).find("--slots"), std::string::npos);

  const Experiment e = experiment_from_arms("control, invr-user-rank", slots);
  ASSERT_EQ(e.arms.size(), 2u);
  EXPECT_FALSE(e.arms[0].ordering);
  EXPECT_EQ(e.arms[1].ordering, Ordering::user_rank);
  EXPECT_EQ(e.arms[1].slots, slots);
  EXPECT_EQ(cold_start_variants("both").size(), 2u);
  EXPECT_EQ(slot_variants("1,2;5,10")[1].name, "slots_5_10");
  EXPECT_EQ(top_users_variants("50,200")[0].top_users_per_item, 50);
  SimulationConfig twice;
  twice.experiments = {all_items_variant(), all_items_variant()};
  EXPECT_NE(usage_error([&] { validate(twice); }).find("twice"), std::string::npos);
}

TEST(SimParams, DaysWithoutHistoryAreRefused) {
  test::TempDir dir;
  SimulationConfig config = test::tiny_config();
  config.params.days = 4;  // the tiny world's logs span 4 days
  const std::string message = usage_error([&] { test::simulate_tiny(config, dir / "work"); });
  EXPECT_NE(message.find("--days 4 leaves no history"), std::string::npos) << message;
}

TEST(SimParams, TheDocsListEveryFlag) {
  const std::string docs =
      test::read_file(std::filesystem::path(INVR_TESTDATA_DIR) / "../../docs/simulation.md");
  for (const auto& spec : simulation_param_specs()) {
    std::string flag = "--";
    for (const char* c = spec.name; *c; ++c) flag += *c == '_' ? '-' : *c;
    EXPECT_NE(docs.find("`" + flag + "`"), std::string::npos) << flag;
  }
}

}  // namespace
}  // namespace invr
