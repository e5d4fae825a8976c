// select_targets() on a hand-made dataset; every expectation is worked out
// by hand in the comments.
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/inverse.h"

namespace invr {
namespace {
constexpr double kDay = 86400;
const double kAsOf = 100 * kDay;
using E = EventType;
using Indices = std::vector<Index>;

// Producers p0..p3; items:
//   i0 p0 day 95        i1 p0 day 50 (too old)   i2 p1 day 90
//   i3 p2 undated, first event day 92            i4 p3 day 99
//   i5 p1 day 101 (after as_of)                  i6 p2 undated, no event
//   i7 p3 day 10 (too old)
// Window [86, 100): impressions p0 10, p1 2, p2 3, p3 0 (its 100 are at day 75);
// positives p0 5, p2 1 -> global rate 6/15 = 0.4.
Dataset world() {
  Dataset d;
  for (int p = 0; p < 4; ++p) d.producers.add(fmt::format("p{}", p));
  for (int u = 0; u < 6; ++u) d.users.add(fmt::format("u{}", u));
  const struct {
    Index producer;
    double day;
  } items[] = {{0, 95}, {0, 50}, {1, 90}, {2, NAN}, {3, 99}, {1, 101}, {2, NAN}, {3, 10}};
  for (const auto& item : items) {
    d.items.add(fmt::format("i{}", d.items.size()));
    d.item_table.push_back(item.producer, std::isnan(item.day) ? kNoTime : item.day * kDay, {});
  }
  auto& in = d.interactions;
  auto add = [&](Index u, Index i, double day, E e) { in.push_back(u, i, day * kDay, e, 1); };
  for (int k = 0; k < 10; ++k) add(0, 0, 90, E::impression);
  for (int k = 0; k < 5; ++k) add(0, 0, 90, E::click);
  add(1, 2, 95, E::impression);
  add(1, 2, 95, E::impression);
  add(1, 3, 92, E::impression);
  add(1, 3, 93, E::impression);
  add(1, 3, 94, E::impression);
  add(0, 3, 93, E::click);
  for (int k = 0; k < 100; ++k) add(3, 7, 75, E::impression);
  add(1, 2, 100, E::impression);  // at as_of: outside every window
  add(5, 0, 100, E::click);       // at as_of: u5 is not active
  add(2, 1, 50, E::click);        // u2: active long ago only
  add(3, 7, 40, E::click);        // u3: an old positive, active through impressions
  return d;
}

TEST(Selection, DefaultsPickTheLeastExposedProducersTheirFreshItemsAndActiveUsers) {
  const Selection s = select_targets(world(), SelectionParams{}, kAsOf);
  EXPECT_TRUE(s.exposure_is_impressions);
  EXPECT_EQ(s.producer_exposure, (std::vector<std::int64_t>{10, 2, 3, 0}));
  EXPECT_EQ(s.producer_positives, (std::vector<std::int64_t>{5, 0, 1, 0}));
  // Relative rate ((pos + 20·0.4) / (imp + 20)) / 0.4.
  EXPECT_NEAR(s.producer_quality[0], (5 + 8) / 30.0 / 0.4, 1e-12);
  EXPECT_NEAR(s.producer_quality[1], 8 / 22.0 / 0.4, 1e-12);
  EXPECT_NEAR(s.producer_quality[2], 9 / 23.0 / 0.4, 1e-12);
  EXPECT_DOUBLE_EQ(s.producer_quality[3], 1.0);
  // ceil(0.5 × 4) = 2 least exposed: p3 (0), p1 (2); both pass 0.5.
  EXPECT_EQ(s.producers, (Indices{1, 3}));
  EXPECT_EQ(s.items, (Indices{2, 4}));  // i5 not yet published, i7 too old
  EXPECT_EQ(s.users, (Indices{0, 3}));
  EXPECT_EQ(s.counts.producers, 4u);
  EXPECT_EQ(s.counts.producers_long_tail, 2u);
  EXPECT_EQ(s.counts.producers_low_quality, 0u);
  EXPECT_EQ(s.counts.items_not_yet_published, 1u);
  EXPECT_EQ(s.counts.items_too_old, 2u);  // i1, i7
  EXPECT_EQ(s.counts.items_undated, 1u);  // i6
  EXPECT_EQ(s.counts.users_inactive, 3u);  // u2, u4, u5
  EXPECT_EQ(s.counts.users_few_interactions, 1u);  // u1: impressions only
  EXPECT_FALSE(s.empty());
  EXPECT_DOUBLE_EQ(s.as_of, kAsOf);
}

TEST(Selection, QualityFloorUsesThePrior) {
  SelectionParams p;
  p.min_quality = 0.95;  // p1 scores 0.909, p3 exactly 1
  EXPECT_EQ(select_targets(world(), p, kAsOf).producers, (Indices{3}));
  p = {};
  p.quality_prior_impressions = 0;  // p1: 0 clicks in 2 impressions -> 0
  const Selection s = select_targets(world(), p, kAsOf);
  EXPECT_DOUBLE_EQ(s.producer_quality[1], 0.0);
  EXPECT_DOUBLE_EQ(s.producer_quality[3], 1.0);  // never shown: average
  EXPECT_EQ(s.producers, (Indices{3}));
  EXPECT_EQ(s.counts.producers_low_quality, 1u);
}

TEST(Selection, SuppliedQualityReplacesTheRateWhereGiven) {
  const std::vector<double> quality = {NAN, 0.1, NAN, 2.0};
  const Selection s = select_targets(world(), SelectionParams{}, kAsOf, quality);
  EXPECT_EQ(s.producers, (Indices{3}));
  EXPECT_DOUBLE_EQ(s.producer_quality[1], 0.1);
  EXPECT_NEAR(s.producer_quality[2], 9 / 23.0 / 0.4, 1e-12);  // NaN: falls back
  const std::vector<double> wrong_size = {1.0};
  EXPECT_THROW(select_targets(world(), SelectionParams{}, kAsOf, wrong_size), UsageError);
}

TEST(Selection, LargerShareAddsTheNextProducerAndItsUndatedItems) {
  SelectionParams p;
  p.long_tail_share = 0.75;  // ceil(3): p3, p1, p2
  const Selection s = select_targets(world(), p, kAsOf);
  EXPECT_EQ(s.producers, (Indices{1, 2, 3}));
  // i3 is dated by its first event (day 92); i6 has no date at all: kept.
  EXPECT_EQ(s.items, (Indices{2, 3, 4, 6}));
}

TEST(Selection, MinItemsCountsOnlyFreshItems) {
  SelectionParams p;
  p.min_items = 2;  // p1 has i2 (i5 is not yet out), p3 has i4 (i7 too old)
  const Selection s = select_targets(world(), p, kAsOf);
  EXPECT_TRUE(s.producers.empty());
  EXPECT_EQ(s.counts.producers_few_items, 2u);
  EXPECT_TRUE(s.empty());
  EXPECT_NE(explain(s).find("no producer passed"), std::string::npos) << explain(s);
  p.max_item_age_days = 0;  // any age: p3 now has i4 and i7
  EXPECT_EQ(select_targets(world(), p, kAsOf).producers, (Indices{3}));
}

TEST(Selection, AllItemsSkipsProducerAndAgeRules) {
  SelectionParams p;
  p.all_items = true;
  const Selection s = select_targets(world(), p, kAsOf);
  EXPECT_EQ(s.items, (Indices{0, 1, 2, 3, 4, 6, 7}));  // only i5 is in the future
  EXPECT_EQ(s.producers, (Indices{0, 1, 2, 3}));
  EXPECT_TRUE(s.producer_exposure.empty());
  EXPECT_TRUE(s.all_items);
  EXPECT_EQ(s.users, (Indices{0, 3}));
  EXPECT_NE(explain(s).find("all items: 4 producers"), std::string::npos) << explain(s);
}

TEST(Selection, UserRules) {
  SelectionParams p;
  p.active_days = 0;  // any time before as_of: u2 counts; u5 (only at as_of) does not
  EXPECT_EQ(select_targets(world(), p, kAsOf).users, (Indices{0, 2, 3}));
  p = {};
  p.min_interactions = 0;  // u1 is active through impressions
  EXPECT_EQ(select_targets(world(), p, kAsOf).users, (Indices{0, 1, 3}));
  p.min_interactions = 6;  // u0 has 5 + 1 clicks
  EXPECT_EQ(select_targets(world(), p, kAsOf).users, (Indices{0}));
  p.min_interactions = 7;
  const Selection s = select_targets(world(), p, kAsOf);
  EXPECT_TRUE(s.users.empty());
  EXPECT_TRUE(s.empty());
  EXPECT_NE(explain(s).find("no user passed"), std::string::npos) << explain(s);
}

TEST(Selection, DefaultAsOfIsJustAfterTheLastEvent) {
  const Selection s = select_targets(world(), SelectionParams{}, kNoTime);
  EXPECT_DOUBLE_EQ(s.as_of, kAsOf + 1);
  EXPECT_EQ(s.producer_exposure[1], 3);  // the impression at day 100 now counts
  EXPECT_EQ(s.users, (Indices{0, 3, 5}));  // u5's click at day 100 too
}

TEST(Selection, WithoutImpressionsExposureIsPositiveEvents) {
  Dataset d = world();
  std::vector<bool> keep(d.interactions.size());
  for (std::size_t r = 0; r < keep.size(); ++r)
    keep[r] = d.interactions.event[r] != EventType::impression;
  d.interactions = d.interactions.select(keep);
  const Selection s = select_targets(d, SelectionParams{}, kAsOf);
  EXPECT_FALSE(s.exposure_is_impressions);
  EXPECT_EQ(s.producer_exposure, (std::vector<std::int64_t>{5, 0, 1, 0}));
  // No rate without impressions: every producer scores 1.
  EXPECT_EQ(s.producer_quality, (std::vector<double>{1, 1, 1, 1}));
  // Two least: p1 and p3 (0 each, smaller index first).
  EXPECT_EQ(s.producers, (Indices{1, 3}));
}

TEST(Selection, WithoutTimestampsTimeRulesAreSkipped) {
  Dataset d = world();
  for (double& t : d.interactions.timestamp) t = kNoTime;
  for (double& t : d.item_table.publish_time) t = kNoTime;
  SelectionParams p;
  p.all_items = true;
  const Selection s = select_targets(d, p, kNoTime);
  EXPECT_FALSE(has_time(s.as_of));
  EXPECT_EQ(s.items, (Indices{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(s.users, (Indices{0, 2, 3, 5}));  // every user with a positive event
  EXPECT_NE(explain(s).find("time rules skipped"), std::string::npos);
}

TEST(Selection, ZeroShareIsAnEmptySelection) {
  SelectionParams p;
  p.long_tail_share = 0;
  const Selection s = select_targets(world(), p, kAsOf);
  EXPECT_TRUE(s.items.empty());
  EXPECT_TRUE(s.empty());
}

TEST(Selection, EmptyDataset) {
  const Selection s = select_targets(Dataset{}, SelectionParams{}, kNoTime);
  EXPECT_TRUE(s.empty());
  EXPECT_TRUE(s.producers.empty());
}

}  // namespace
}  // namespace invr

namespace invr {
namespace {
// The sharded job's selection: each shard's figures combined (earliest first
// event, summed counts, or) select the whole dataset's items, and each
// shard's users are its part of the whole selection.
TEST(SelectionStats, CombinedShardFiguresSelectTheWholeDatasetsItems) {
  const Dataset whole = world();
  SelectionParams params;
  params.max_item_age_days = 30;
  params.long_tail_share = 0.5;
  const Selection expected = select_targets(whole, params);
  for (int shards : {2, 3}) {
    std::vector<Dataset> parts(static_cast<std::size_t>(shards));
    std::vector<std::vector<Index>> global(parts.size());
    for (auto& part : parts) {
      part.producers = whole.producers;
      part.items = whole.items;
      part.item_table = whole.item_table;
    }
    for (std::size_t u = 0; u < whole.users.size(); ++u) {
      const auto s = static_cast<std::size_t>(user_shard(whole.users.id(static_cast<Index>(u)), shards));
      parts[s].users.add(whole.users.id(static_cast<Index>(u)));
      global[s].push_back(static_cast<Index>(u));
    }
    const auto& in = whole.interactions;
    for (std::size_t r = 0; r < in.size(); ++r) {
      const std::string& id = whole.users.id(in.user[r]);
      auto& part = parts[static_cast<std::size_t>(user_shard(id, shards))];
      part.interactions.push_back(part.users.find(id), in.item[r], in.timestamp[r], in.event[r], in.value[r]);
    }
    double latest = kNoTime;
    for (const auto& part : parts) {
      const double t = latest_event_time(part);
      if (has_time(t) && !(t <= latest)) latest = t;
    }
    EXPECT_EQ(latest, latest_event_time(whole));
    const double as_of = latest + 1;
    SelectionStats total = selection_stats(parts[0], params, as_of);
    for (std::size_t s = 1; s < parts.size(); ++s) {
      const SelectionStats one = selection_stats(parts[s], params, as_of);
      for (std::size_t i = 0; i < total.item_first_event.size(); ++i)
        if (has_time(one.item_first_event[i]) && !(total.item_first_event[i] <= one.item_first_event[i]))
          total.item_first_event[i] = one.item_first_event[i];
      for (std::size_t p = 0; p < total.producer_impressions.size(); ++p) {
        total.producer_impressions[p] += one.producer_impressions[p];
        total.producer_positives[p] += one.producer_positives[p];
      }
      total.any_impression = total.any_impression || one.any_impression;
    }
    Indices users;
    for (std::size_t s = 0; s < parts.size(); ++s) {
      const Selection got = select_targets(parts[s], params, total, as_of);
      EXPECT_EQ(got.items, expected.items) << shards;
      EXPECT_EQ(got.producers, expected.producers) << shards;
      EXPECT_EQ(got.as_of, expected.as_of);
      for (Index u : got.users) users.push_back(global[s][static_cast<std::size_t>(u)]);
    }
    std::sort(users.begin(), users.end());
    EXPECT_EQ(users, expected.users) << shards;
  }
  EXPECT_FALSE(expected.items.empty());
  EXPECT_THROW(select_targets(whole, params, SelectionStats{}, kAsOf), UsageError);
}
}  // namespace
}  // namespace invr
