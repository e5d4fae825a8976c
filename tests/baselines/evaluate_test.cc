// The holdout protocol, the relevant/cold sets and `invr evaluate` end to end.
#include "invr/evaluate.h"

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/npy.h"
#include "baselines/tiny_dataset.h"
#include "test_util.h"

namespace invr {
namespace {

std::vector<Index> as_vector(std::span<const Index> s) { return {s.begin(), s.end()}; }

using test::make_dataset;

TEST(Holdout, TemporalPutsLatestPositivesInTest) {
  Dataset d = make_dataset(2, 5);
  for (int r = 0; r < 10; ++r) d.interactions.push_back(r % 2, r % 5, 100.0 - r, EventType::click, 1);
  const Holdout h = make_holdout(d, {});
  EXPECT_EQ(h.protocol, "temporal");
  // 10 rows at times 91..100, 20% held out: the two latest, 99 and 100.
  EXPECT_DOUBLE_EQ(h.cutoff, 99.0);
  EXPECT_EQ(h.test.size(), 2u);
  EXPECT_EQ(h.train.size(), 8u);
  for (double t : h.test.timestamp) EXPECT_GE(t, 99.0);
  HoldoutOptions given;
  given.cutoff = 95.5;  // e.g. the model's own cutoff
  EXPECT_EQ(make_holdout(d, given).test.size(), 5u);
}

TEST(Holdout, RandomIsSeededWhenNoTimestamps) {
  Dataset d = make_dataset(10, 10);
  for (int r = 0; r < 2000; ++r) d.interactions.push_back(r % 10, r % 7, kNoTime, EventType::click, 1);
  const Holdout a = make_holdout(d, {});
  EXPECT_EQ(a.protocol, "random");
  EXPECT_GT(a.test.size(), 300u);  // 400 expected; sd is 18
  EXPECT_LT(a.test.size(), 500u);
  EXPECT_EQ(a.test.size() + a.train.size(), 2000u);
  EXPECT_EQ(make_holdout(d, {}).test.user, a.test.user);
  HoldoutOptions other;
  other.seed = 7;
  EXPECT_NE(make_holdout(d, other).test.item, a.test.item);
  other.test_fraction = 1.5;
  EXPECT_THROW(make_holdout(d, other), UsageError);
}

TEST(Holdout, PerUserHoldsOutEachUsersLatestRows) {
  Dataset d = make_dataset(2, 5);
  for (int r = 0; r < 10; ++r) d.interactions.push_back(r % 2, r % 5, 100.0 - r, EventType::click, 1);
  HoldoutOptions options;
  options.per_user = true;
  options.test_fraction = 0.4;
  const Holdout h = make_holdout(d, options);
  EXPECT_EQ(h.protocol, "user_temporal");
  // Each user has 5 rows; the 2 latest of each (times 100, 98 and 99, 97).
  EXPECT_EQ(h.test.timestamp, (std::vector<double>{100, 99, 98, 97}));
  EXPECT_EQ(h.train.size(), 6u);
}

TEST(Holdout, SplitFileTrainAndValidTrain) {
  test::TempDir dir;
  Dataset d = make_dataset(2, 3);
  d.interactions.push_back(0, 0, kNoTime, EventType::checkin, 1);
  d.interactions.push_back(0, 1, kNoTime, EventType::checkin, 1);
  d.interactions.push_back(1, 2, kNoTime, EventType::checkin, 1);
  const std::string header = "user_id:token\titem_id:token\tpart:token\n";
  test::write_file(dir / "tiny.split", header + "u0\ti0\ttrain\nu0\ti1\tvalid\nu1\ti2\ttest\n");
  HoldoutOptions options;
  options.split_file = dir / "tiny.split";
  const Holdout h = make_holdout(d, options);
  EXPECT_EQ(h.protocol, "dataset_split");
  EXPECT_EQ(h.train.item, (std::vector<Index>{0, 1}));
  EXPECT_EQ(h.test.item, (std::vector<Index>{2}));
}

TEST(Holdout, SplitFileErrorsNameLineAndColumn) {
  test::TempDir dir;
  Dataset d = make_dataset(2, 3);
  d.interactions.push_back(0, 0, kNoTime, EventType::checkin, 1);
  d.interactions.push_back(1, 2, kNoTime, EventType::checkin, 1);
  const std::string header = "user_id:token\titem_id:token\tpart:token\n";
  auto error_of = [&](const std::string& content) -> std::string {
    test::write_file(dir / "bad.split", content);
    try {
      read_split_parts(dir / "bad.split", d);
    } catch (const DataError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error_of(header + "u0\ti0\ttrain\nu1\ti1\ttest\n").find("bad.split:3:4: expected item 'i2'"),
            std::string::npos);
  EXPECT_NE(error_of(header + "u0\ti0\ttrain\nu1\ti2\tholdout\n").find(":3:7: expected part"),
            std::string::npos);
  EXPECT_NE(error_of(header + "u0\ti0\ttrain\n").find("expected 2 rows"), std::string::npos);
  EXPECT_NE(error_of("user_id:token\titem_id:token\n").find(":1:1:"), std::string::npos);
}

// u0 trains on {0,1}, u1 on {2}; test: u0 {1,2,3}, u1 {2}, u2 {3}. Item 3
// nobody trained on is cold; u0's item 1 and u1's item 2 were seen.
Holdout hand_holdout() {
  Holdout h;
  h.train.push_back(0, 0, 1, EventType::click, 1);
  h.train.push_back(0, 1, 2, EventType::click, 1);
  h.train.push_back(1, 2, 3, EventType::click, 1);
  h.train.push_back(2, 4, 3, EventType::impression, 1);  // not a positive: 4 stays cold
  h.test.push_back(0, 1, 5, EventType::click, 1);
  h.test.push_back(0, 2, 5, EventType::click, 1);
  h.test.push_back(0, 3, 6, EventType::click, 1);
  h.test.push_back(1, 2, 6, EventType::click, 1);
  h.test.push_back(2, 3, 7, EventType::click, 1);
  return h;
}

TEST(EvaluationSets, RelevantExcludesSeenAndColdIsUntrainedItems) {
  const EvaluationSets sets = evaluation_sets(hand_holdout(), 3, 5);
  EXPECT_EQ(sets.cold_item, (std::vector<std::uint8_t>{0, 0, 0, 1, 1}));
  EXPECT_EQ(sets.cold_test_rows, 2u);
  EXPECT_EQ(as_vector(sets.relevant.list(0)), (std::vector<Index>{2, 3}));
  EXPECT_TRUE(sets.relevant.list(1).empty());
  EXPECT_EQ(as_vector(sets.relevant.list(2)), (std::vector<Index>{3}));
  EXPECT_EQ(as_vector(sets.relevant_cold.list(0)), (std::vector<Index>{3}));
  EXPECT_EQ(as_vector(sets.relevant_cold.list(2)), (std::vector<Index>{3}));
}

TEST(EvaluationSets, ScoreMethodOverallAndCold) {
  const EvaluationSets sets = evaluation_sets(hand_holdout(), 3, 5);
  // u0 ranks 2 then 4: overall recall 1/2, cold recall 0; u2 ranks 3 first.
  const ItemLists ranked = ItemLists::from({{2, 4}, {0}, {3, 0}});
  const MethodAccuracy m = score_method(ranked, sets, 2);
  EXPECT_EQ(m.overall.users, 2u);
  EXPECT_DOUBLE_EQ(m.overall.recall, (0.5 + 1.0) / 2);
  EXPECT_DOUBLE_EQ(m.overall.hit_rate, 1.0);
  EXPECT_EQ(m.cold.users, 2u);
  EXPECT_DOUBLE_EQ(m.cold.recall, 0.5);
  EXPECT_DOUBLE_EQ(m.cold.mrr, 0.5);
}

TEST(UnseenTopK, DropsTrainingItemsAndPadding) {
  const ItemLists train = ItemLists::from({{0, 1}, {}, {3}});
  const std::vector<std::int64_t> ids = {1, 2, 0, 3, /* user 2 */ 3, 4, -1, -1};
  const std::vector<Index> users = {0, 2};
  const ItemLists lists = unseen_top_k(ids, 4, users, train, 2);
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(as_vector(lists.list(0)), (std::vector<Index>{2, 3}));
  EXPECT_TRUE(lists.list(1).empty());
  EXPECT_EQ(as_vector(lists.list(2)), (std::vector<Index>{4}));
}

}  // namespace
}  // namespace invr
