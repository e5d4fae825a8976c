#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>
#include <vector>

#include "invr/error.h"
#include "invr/metrics.h"

namespace invr {
namespace {

// Six items. Producers by index: items 0,1,2 -> 0; items 3,4 -> 1; item 5 -> 3.
// Producer 2 owns no item, so the producer population is {0, 1, 3}.
ItemTable six_items() {
  ItemTable table;
  for (Index producer : {0, 0, 0, 1, 1, 3}) table.push_back(producer, kNoTime, {});
  return table;
}

// user: items shown (clicked marked *)
//   u0: 0*, 1, 3
//   u1: 0, 0*, 4*
//   u2: 1
// Impressions per item: 3 2 0 1 1 0 (total 7); clicks 3.
ExposureLog tiny_log() {
  ExposureLog log;
  const Index u0 = log.users.add("u0"), u1 = log.users.add("u1"), u2 = log.users.add("u2");
  log.push_back(u0, 0, 0, true, kNoTime, kNoIndex);
  log.push_back(u1, 0, 0, false, kNoTime, kNoIndex);
  log.push_back(u0, 1, 1, false, kNoTime, kNoIndex);
  log.push_back(u1, 0, 1, true, kNoTime, kNoIndex);
  log.push_back(u2, 1, 0, false, kNoTime, kNoIndex);
  log.push_back(u0, 3, 2, false, kNoTime, kNoIndex);
  log.push_back(u1, 4, 2, true, kNoTime, kNoIndex);
  return log;
}

TEST(ItemImpressions, CountsRowsPerItemIncludingZeros) {
  EXPECT_EQ(item_impressions(tiny_log(), 6), (std::vector<std::uint64_t>{3, 2, 0, 1, 1, 0}));
  EXPECT_THROW(item_impressions(tiny_log(), 4), UsageError);  // item 4 outside [0, 4)
}

TEST(ProducerTotals, SumsItemsAndSkipsProducersWithoutItems) {
  const std::vector<std::uint64_t> counts{3, 2, 0, 1, 1, 0};
  const auto table = six_items();
  // p0 = 3+2+0 = 5, p1 = 1+1 = 2, p2 has no item (left out), p3 = 0.
  EXPECT_EQ(producer_totals(counts, table.producer), (std::vector<std::uint64_t>{5, 2, 0}));
  EXPECT_THROW(producer_totals(std::vector<std::uint64_t>{1}, table.producer), UsageError);
}

TEST(Psei, PercentOfDistinctTreatedItemsAtThreshold) {
  const std::vector<std::uint64_t> counts{3, 2, 0, 1, 1, 0};
  // All six items, threshold 2: items 0 (3) and 1 (2) -> 2/6 = 33.33%.
  EXPECT_DOUBLE_EQ(psei(counts, std::vector<Index>{0, 1, 2, 3, 4, 5}, 2), 100.0 * 2 / 6);
  // Treated {2, 3, 0, 0}: distinct {0, 2, 3}; threshold 1: items 3 and 0 -> 2/3.
  EXPECT_DOUBLE_EQ(psei(counts, std::vector<Index>{2, 3, 0, 0}, 1), 100.0 * 2 / 3);
  // Threshold 0: every treated item qualifies.
  EXPECT_DOUBLE_EQ(psei(counts, std::vector<Index>{2, 5}, 0), 100.0);
  // An empty treated list is defined as 0, not NaN.
  EXPECT_EQ(psei(counts, std::vector<Index>{}, 1), 0.0);
  EXPECT_THROW(psei(counts, std::vector<Index>{6}, 1), UsageError);
}

TEST(PseiCeiling, EqualsTheBestSubsetOnSmallInstances) {
  // Against every subset of the treated items: the largest set whose needs
  // (sufficient - organic, at least 0) fit in the inserted impressions.
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t items = 1 + rng() % 9;
    std::vector<double> organic;
    for (std::size_t i = 0; i < items; ++i) organic.push_back(static_cast<double>(rng() % 28) / 2.0);
    std::vector<Index> treated;
    for (std::size_t i = 0; i < items; ++i)
      if (rng() % 4 != 0) treated.push_back(static_cast<Index>(i));
    if (!treated.empty()) treated.push_back(treated.front());  // a repeat counts once
    const double inserted = static_cast<double>(rng() % 40) / 2.0;
    const std::uint64_t sufficient = 10;
    std::vector<Index> distinct(treated.begin(), treated.end());
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    std::size_t best = 0;
    for (std::uint32_t mask = 0; mask < (1u << distinct.size()); ++mask) {
      double need = 0;
      for (std::size_t k = 0; k < distinct.size(); ++k)
        if (mask >> k & 1)
          need += std::max(0.0, 10.0 - organic[static_cast<std::size_t>(distinct[k])]);
      if (need <= inserted) best = std::max<std::size_t>(best, static_cast<std::size_t>(std::popcount(mask)));
    }
    const double expected = distinct.empty() ? 0.0 : 100.0 * static_cast<double>(best) / static_cast<double>(distinct.size());
    EXPECT_DOUBLE_EQ(psei_ceiling(organic, treated, sufficient, inserted), expected) << "trial " << trial;
  }
}

TEST(PseiCeiling, NothingInsertedIsPseiOfTheOrganicCountsAndBadInputIsRefused) {
  const std::vector<double> organic = {0, 4, 10, 12};
  const std::vector<std::uint64_t> counts = {0, 4, 10, 12};
  const std::vector<Index> treated = {0, 1, 2, 3};
  EXPECT_DOUBLE_EQ(psei_ceiling(organic, treated, 10, 0), psei(counts, treated, 10));
  EXPECT_DOUBLE_EQ(psei_ceiling(organic, treated, 10, 6), 75.0);   // item 1 needs 6
  EXPECT_DOUBLE_EQ(psei_ceiling(organic, treated, 10, 15.9), 75.0);  // item 0 needs 10 more
  EXPECT_DOUBLE_EQ(psei_ceiling(organic, treated, 10, 16), 100.0);
  EXPECT_THROW(psei_ceiling(organic, treated, 10, -1), UsageError);
  EXPECT_THROW(psei_ceiling(organic, treated, 10, NAN), UsageError);
  const std::vector<double> negative = {0, -1, 0, 0};
  EXPECT_THROW(psei_ceiling(negative, treated, 10, 1), UsageError);
  const std::vector<Index> outside = {7};
  EXPECT_THROW(psei_ceiling(organic, outside, 10, 1), UsageError);
}

TEST(UserImpressionLists, GroupsByUserInLogOrder) {
  const auto lists = user_impression_lists(tiny_log());
  ASSERT_EQ(lists.size(), 3u);
  EXPECT_EQ(std::vector<Index>(lists.list(0).begin(), lists.list(0).end()),
            (std::vector<Index>{0, 1, 3}));
  EXPECT_EQ(std::vector<Index>(lists.list(1).begin(), lists.list(1).end()),
            (std::vector<Index>{0, 0, 4}));
  EXPECT_EQ(std::vector<Index>(lists.list(2).begin(), lists.list(2).end()),
            (std::vector<Index>{1}));
}

TEST(ExposureMetrics, HandComputedTinyLog) {
  ExposureMetricsParams params;
  params.sufficient = 2;
  params.popularity = std::vector<std::uint64_t>{10, 5, 3, 1, 1, 0};
  const auto m = exposure_metrics(tiny_log(), six_items(), params);
  EXPECT_EQ(m.impressions, 7u);
  EXPECT_EQ(m.clicks, 3u);
  EXPECT_DOUBLE_EQ(m.ctr, 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.psei, 100.0 * 2 / 6);  // items 0 and 1 have >= 2

  // Items sorted: 0 0 1 1 2 3 (n=6, total 7).
  //   b50ps: floor(3) smallest = 0+0+1 -> 1/7;  t1ps: ceil(0.06)=1 largest = 3 -> 3/7.
  //   Gini: -5*0 -3*0 -1*1 +1*1 +3*2 +5*3 = 21; 21 / (5*7) = 0.6.  Coverage 4/6.
  EXPECT_EQ(m.items.entities, 6u);
  EXPECT_DOUBLE_EQ(m.items.bottom50_share, 1.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.items.top1_share, 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.items.gini, 0.6);
  EXPECT_DOUBLE_EQ(m.items.coverage, 4.0 / 6.0);

  // Producers {p0:5, p1:2, p3:0}, sorted 0 2 5 (n=3, total 7).
  //   b50ps: floor(1.5)=1 smallest = 0 -> 0;  t1ps: ceil(0.03)=1 largest = 5 -> 5/7.
  //   Gini: -2*0 + 0*2 + 2*5 = 10; 10 / (2*7) = 5/7.  Coverage 2/3.
  EXPECT_EQ(m.producers.entities, 3u);
  EXPECT_DOUBLE_EQ(m.producers.bottom50_share, 0.0);
  EXPECT_DOUBLE_EQ(m.producers.top1_share, 5.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.producers.gini, 5.0 / 7.0);
  EXPECT_DOUBLE_EQ(m.producers.coverage, 2.0 / 3.0);

  // Popularity 10 5 3 1 1 0 (total 20, short head up to 0.8*20 = 16):
  //   cumulative 10, 15, 18 >= 16 -> short head {0,1,2}, long tail {3,4,5}.
  //   APLT: u0 [0,1,3] 1/3; u1 [0,0,4] 1/3; u2 [1] 0 -> (1/3+1/3+0)/3 = 2/9.
  //   ARP:  u0 (10+5+1)/3 = 16/3; u1 (10+10+1)/3 = 7; u2 5 -> (16/3+7+5)/3 = 52/9.
  EXPECT_DOUBLE_EQ(m.aplt, 2.0 / 9.0);
  EXPECT_DOUBLE_EQ(m.arp, 52.0 / 9.0);
}

TEST(ExposureMetrics, ClickPopularityWhenNoTrainingPopularity) {
  // Clicks: u0 on 0, u1 on 0, u1 on 4 -> popularity 2 0 0 0 1 0 (total 3, limit 2.4):
  //   cumulative 2 (item 0), 3 (item 4) >= 2.4 -> short head {0,4}.
  //   APLT: u0 [0,1,3] 2/3; u1 [0,0,4] 0; u2 [1] 1 -> (2/3+0+1)/3 = 5/9.
  //   ARP:  u0 (2+0+0)/3; u1 (2+2+1)/3; u2 0 -> (2/3+5/3+0)/3 = 7/9.
  const auto m = exposure_metrics(tiny_log(), six_items());
  EXPECT_DOUBLE_EQ(m.aplt, 5.0 / 9.0);
  EXPECT_DOUBLE_EQ(m.arp, 7.0 / 9.0);
  EXPECT_EQ(m.psei, 0.0);  // default threshold 100: nothing is sufficiently exposed
}

TEST(ExposureMetrics, TreatedListRestrictsPsei) {
  ExposureMetricsParams params;
  params.sufficient = 1;
  params.treated = std::vector<Index>{2, 3, 0, 0};
  EXPECT_DOUBLE_EQ(exposure_metrics(tiny_log(), six_items(), params).psei, 100.0 * 2 / 3);
  params.treated = std::vector<Index>{};
  EXPECT_EQ(exposure_metrics(tiny_log(), six_items(), params).psei, 0.0);
}

TEST(ExposureMetrics, EmptyLogIsAllZeroButKeepsPopulations) {
  const auto m = exposure_metrics(ExposureLog{}, six_items());
  EXPECT_EQ(m.impressions, 0u);
  EXPECT_EQ(m.ctr, 0.0);
  EXPECT_EQ(m.psei, 0.0);
  EXPECT_EQ(m.items.entities, 6u);
  EXPECT_EQ(m.producers.entities, 3u);
  EXPECT_EQ(m.items.gini, 0.0);
  EXPECT_EQ(m.producers.top1_share, 0.0);
  EXPECT_EQ(m.aplt, 0.0);
  EXPECT_EQ(m.arp, 0.0);
}

TEST(ExposureMetrics, OneProducerTakesEverything) {
  ItemTable table;
  for (int i = 0; i < 6; ++i) table.push_back(0, kNoTime, {});
  const auto m = exposure_metrics(tiny_log(), table);
  ASSERT_EQ(m.producers.entities, 1u);
  EXPECT_EQ(m.producers.bottom50_share, 0.0);  // floor(1/2) = 0 producers
  EXPECT_EQ(m.producers.top1_share, 1.0);
  EXPECT_EQ(m.producers.gini, 0.0);
  EXPECT_EQ(m.producers.coverage, 1.0);
}

TEST(ExposureMetrics, RejectsWrongPopularitySize) {
  ExposureMetricsParams params;
  params.popularity = std::vector<std::uint64_t>{1, 2};
  EXPECT_THROW(exposure_metrics(tiny_log(), six_items(), params), UsageError);
}

}  // namespace
}  // namespace invr
