// `invr evaluate` as a library call (model.h, "Offline evaluation"): the
// holdout it derives from a model directory, what it scores on a small world,
// and that `invr evaluate` prints exactly the library's numbers.
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "baselines/tiny_dataset.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/evaluate.h"
#include "invr/model.h"
#include "invr/npy.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

constexpr std::size_t kUsers = 30, kItems = 22;

// Each of 30 users clicks six consecutive items of 20, one event a second
// (t = 0..179); every third user then clicks item 20 or 21 (t = 180..189),
// which nobody had before: cold in a temporal holdout.
Dataset circle_dataset() {
  Dataset d = test::make_dataset(kUsers, kItems);
  double t = 0;
  for (std::size_t step = 0; step < 6; ++step)
    for (std::size_t u = 0; u < kUsers; ++u)
      d.interactions.push_back(static_cast<Index>(u), static_cast<Index>((u + step) % 20), t++,
                               EventType::click, 1);
  for (std::size_t u = 0; u < kUsers; u += 3)
    d.interactions.push_back(static_cast<Index>(u), static_cast<Index>(20 + u % 2), t++,
                             EventType::click, 1);
  return d;
}

const MethodEvaluation& method(const EvaluationReport& report, const std::string& name) {
  for (const MethodEvaluation& m : report.methods)
    if (m.method == name) return m;
  throw std::runtime_error("no method " + name);
}

TEST(EvaluateMethods, ScoresTheCircleWorldOnATemporalHoldout) {
  test::TempDir dir;
  save_atomic(circle_dataset(), dir / "data", "tiny");
  test::write_circle_model(dir / "model", kItems, kUsers);
  EvaluationOptions options;
  options.model_dir = dir / "model";
  options.k = 5;
  options.test_fraction = 0.3;
  const EvaluationReport report = evaluate_methods(dir / "data", "", {}, options);
  // 190 positive rows: the cutoff is the timestamp at position floor(190 * 0.7) = 133.
  EXPECT_EQ(report.protocol, "temporal");
  EXPECT_EQ(report.cutoff, 133.0);
  EXPECT_EQ(report.train_rows, 133u);
  EXPECT_EQ(report.test_rows, 57u);
  EXPECT_EQ(report.cold_test_rows, 10u);  // the ten clicks on items 20 and 21
  EXPECT_EQ(report.users, kUsers);
  EXPECT_EQ(report.items, kItems);
  EXPECT_FALSE(report.holdout_options.split_file);
  ASSERT_EQ(report.methods.size(), 5u);
  const char* order[] = {"two_tower", "als", "most_popular", "item_knn", "ease"};
  for (std::size_t m = 0; m < 5; ++m) {
    EXPECT_EQ(report.methods[m].method, order[m]);
    EXPECT_TRUE(report.methods[m].skipped.empty()) << order[m];
    EXPECT_GE(report.methods[m].seconds, 0.0);
  }
  // Ten users each test one cold item; two cold items and k = 5 means
  // cold_only lists both, so every one is hit.
  const MethodEvaluation& two_tower = method(report, "two_tower");
  ASSERT_TRUE(two_tower.cold_only);
  EXPECT_EQ(two_tower.cold_only->users, 10u);
  EXPECT_EQ(two_tower.accuracy.cold.users, 10u);
  EXPECT_DOUBLE_EQ(two_tower.cold_only->recall, 1.0);
  EXPECT_FALSE(method(report, "most_popular").cold_only);
  // als ranks cold items too (from content; the circle's items have none,
  // so only the count of scored users is certain).
  ASSERT_TRUE(method(report, "als").cold_only);
  EXPECT_EQ(method(report, "als").cold_only->users, 10u);
  // The circle points each user at the items they click next.
  EXPECT_GT(two_tower.accuracy.overall.recall, method(report, "most_popular").accuracy.overall.recall);

  // Baselines only, EASE over its item limit: skipped with the reason.
  EvaluationOptions baselines;
  baselines.methods = {"ease", "most_popular"};
  baselines.ease.max_items = 10;
  const EvaluationReport skipped = evaluate_methods(dir / "data", "tiny", {}, baselines);
  ASSERT_EQ(skipped.methods.size(), 2u);
  EXPECT_NE(skipped.methods[0].skipped.find("limit of 10"), std::string::npos) << skipped.methods[0].skipped;
  EXPECT_TRUE(skipped.methods[1].skipped.empty());
  // The default fraction (0.2) without a model: position floor(190 * 0.8) = 152.
  EXPECT_EQ(skipped.test_rows, 38u);
}

TEST(EvaluateMethods, BadOptionsNameTheFlag) {
  const Dataset d = circle_dataset();
  EvaluationOptions options;
  options.k = 0;
  EXPECT_THROW(evaluate_methods(d, options), UsageError);
  options.k = 5;
  options.methods = {"most_popular", "random"};
  try {
    evaluate_methods(d, options);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--methods: unknown method 'random'"), std::string::npos) << e.what();
  }
  options.methods = {"two_tower"};
  EXPECT_THROW(evaluate_methods(d, options), UsageError);
}

// The holdout follows the model's config.toml unless options say otherwise.
TEST(EvaluateMethods, HoldoutFollowsTheModelsValidation) {
  test::TempDir dir;
  Dataset untimed = circle_dataset();
  std::fill(untimed.interactions.timestamp.begin(), untimed.interactions.timestamp.end(), kNoTime);
  fs::create_directories(dir / "model");
  test::write_file(dir / "model" / "config.toml", "validation_fraction = 0.25\nseed = 5\n");
  EvaluationOptions options;
  options.model_dir = dir / "model";
  HoldoutOptions holdout = evaluation_holdout_options(untimed, options);
  EXPECT_EQ(holdout.test_fraction, 0.25);
  EXPECT_EQ(holdout.seed, 5u);
  EXPECT_FALSE(holdout.per_user);
  EXPECT_FALSE(has_time(holdout.cutoff));
  // Explicit values win.
  options.test_fraction = 0.4;
  options.seed = 9;
  holdout = evaluation_holdout_options(untimed, options);
  EXPECT_EQ(holdout.test_fraction, 0.4);
  EXPECT_EQ(holdout.seed, 9u);
  // Timed data: the model's temporal cutoff, unless a fraction is given.
  options = {};
  options.model_dir = dir / "model";
  const Dataset timed = circle_dataset();
  holdout = evaluation_holdout_options(timed, options);
  EXPECT_EQ(holdout.cutoff, positive_cutoff(timed.interactions, 0.25));
  options.test_fraction = 0.3;
  EXPECT_FALSE(has_time(evaluation_holdout_options(timed, options).cutoff));
  // A split file needs nothing from the model.
  options = {};
  options.model_dir = dir / "model";
  options.split_file = dir / "tiny.split";
  holdout = evaluation_holdout_options(untimed, options);
  EXPECT_EQ(holdout.test_fraction, HoldoutOptions{}.test_fraction);
  EXPECT_EQ(holdout.seed, HoldoutOptions{}.seed);
  // A model trained on everything holds nothing out: the defaults stay.
  test::write_file(dir / "model" / "config.toml", "validation_fraction = 0.0\nseed = 5\n");
  options.split_file.reset();
  holdout = evaluation_holdout_options(untimed, options);
  EXPECT_EQ(holdout.test_fraction, HoldoutOptions{}.test_fraction);
  EXPECT_EQ(holdout.seed, HoldoutOptions{}.seed);
}

void expect_metrics(const nlohmann::json& printed, const AccuracyMetrics& m, std::size_t k,
                    const std::string& where) {
  EXPECT_EQ(printed["users"].get<std::size_t>(), m.users) << where;
  EXPECT_DOUBLE_EQ(printed[fmt::format("recall@{}", k)].get<double>(), m.recall) << where;
  EXPECT_DOUBLE_EQ(printed[fmt::format("ndcg@{}", k)].get<double>(), m.ndcg) << where;
  EXPECT_DOUBLE_EQ(printed[fmt::format("mrr@{}", k)].get<double>(), m.mrr) << where;
  EXPECT_DOUBLE_EQ(printed[fmt::format("hit@{}", k)].get<double>(), m.hit_rate) << where;
}

// `invr evaluate` is a thin shell over evaluate_methods: same numbers.
TEST(EvaluateMethods, InvrEvaluatePrintsTheLibrarysNumbers) {
  if (!fs::exists(INVR_CLI_PATH)) GTEST_SKIP() << INVR_CLI_PATH << " not built (build invr_cli)";
  test::TempDir dir;
  save_atomic(circle_dataset(), dir / "data", "tiny");
  test::write_circle_model(dir / "model", kItems, kUsers);
  EvaluationOptions options;
  options.model_dir = dir / "model";
  options.k = 5;
  options.test_fraction = 0.3;
  options.item_knn.neighbours = 7;
  const EvaluationReport report = evaluate_methods(dir / "data", "", {}, options);
  const auto result = test::run_cli("evaluate --model " + (dir / "model").string() + " --data " +
                                    (dir / "data").string() +
                                    " --k 5 --test-fraction 0.3 --neighbours 7");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  const auto& setup = json["setup"];
  EXPECT_EQ(setup["protocol"], report.protocol);
  EXPECT_EQ(setup["k"].get<std::size_t>(), 5u);
  EXPECT_EQ(setup["train_rows"].get<std::size_t>(), report.train_rows);
  EXPECT_EQ(setup["test_rows"].get<std::size_t>(), report.test_rows);
  EXPECT_EQ(setup["cold_test_rows"].get<std::size_t>(), report.cold_test_rows);
  EXPECT_EQ(setup["users"].get<std::size_t>(), report.users);
  EXPECT_EQ(setup["items"].get<std::size_t>(), report.items);
  EXPECT_DOUBLE_EQ(setup["cutoff"].get<double>(), report.cutoff);
  EXPECT_FALSE(setup.contains("split_file"));
  ASSERT_EQ(report.methods.size(), 5u);  // als included: the CLI's ALS is the library's too
  for (const MethodEvaluation& m : report.methods) {
    ASSERT_TRUE(json.contains(m.method)) << m.method;
    expect_metrics(json[m.method]["overall"], m.accuracy.overall, 5, m.method + " overall");
    expect_metrics(json[m.method]["cold"], m.accuracy.cold, 5, m.method + " cold");
    EXPECT_EQ(json[m.method].contains("cold_only"), m.cold_only.has_value()) << m.method;
    if (m.cold_only) expect_metrics(json[m.method]["cold_only"], *m.cold_only, 5, m.method + " cold_only");
  }
}

}  // namespace
}  // namespace invr
