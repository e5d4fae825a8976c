#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/progress.h"
#include "invr/synth.h"

namespace invr {
namespace {

WorldParams small_params() {
  WorldParams p;
  p.users = 3000;
  p.items = 2000;
  p.publishers = 200;
  p.days = 7;
  p.dim = 8;
  p.impressions_per_user = 50;
  p.seed = 11;
  return p;
}

const World& small_world() {
  static const World world = [] {
    Progress::set_enabled(false);
    return generate_world(small_params());
  }();
  return world;
}

// Share of impressions taken by the top `top` publishers and by the bottom half.
struct PublisherShares {
  double top;
  double bottom_half;
};
PublisherShares publisher_shares(const World& world, std::size_t top) {
  std::vector<double> count(world.truth.n_publishers(), 0);
  for (Index item : world.exposures.item)
    count[static_cast<std::size_t>(world.dataset.item_table.producer[static_cast<std::size_t>(item)])] += 1;
  std::sort(count.begin(), count.end(), std::greater<>());
  const double total = std::accumulate(count.begin(), count.end(), 0.0);
  const auto half = static_cast<std::ptrdiff_t>(count.size() / 2);
  return {std::accumulate(count.begin(), count.begin() + static_cast<std::ptrdiff_t>(top), 0.0) / total,
          std::accumulate(count.end() - half, count.end(), 0.0) / total};
}

double norm(const float* v, std::size_t dim) {
  double sum = 0;
  for (std::size_t k = 0; k < dim; ++k) sum += double(v[k]) * v[k];
  return std::sqrt(sum);
}

TEST(ClickProbability, IsRelevanceTimesExaminationByHand) {
  WorldTruth truth;
  truth.dim = 2;
  truth.user_interest = {1.0f, 0.0f};
  truth.item_topic = {0.6f, 0.8f};
  truth.item_quality = {0.5f};
  truth.item_publisher = {0};
  truth.publisher_quality = {0.5f};
  truth.relevance_weight = 2;
  truth.quality_weight = 1;
  truth.relevance_bias = -1;
  truth.examination.eta = 1;
  // logit = 2·0.6 + 1·0.5 − 1 = 0.7; sigmoid(0.7) = 0.66818777...
  EXPECT_NEAR(relevance(truth, 0, 0), 0.668187772, 1e-7);
  EXPECT_NEAR(click_probability(truth, 0, 0, 0), 0.668187772, 1e-7);
  EXPECT_NEAR(click_probability(truth, 0, 0, 3), 0.668187772 / 4, 1e-7);
  truth.examination.eta = 0.5;
  EXPECT_NEAR(click_probability(truth, 0, 0, 3), 0.668187772 / 2, 1e-7);
}

TEST(GenerateWorld, HasTheRequestedShapes) {
  const World& w = small_world();
  EXPECT_EQ(w.truth.dim, 8u);
  EXPECT_EQ(w.truth.n_users(), 3000u);
  EXPECT_EQ(w.truth.n_items(), 2000u);
  EXPECT_EQ(w.truth.n_publishers(), 200u);
  EXPECT_EQ(w.truth.user_interest.size(), 3000u * 8);
  EXPECT_EQ(w.truth.item_topic.size(), 2000u * 8);
  EXPECT_EQ(w.truth.item_publisher.size(), 2000u);
  EXPECT_EQ(w.truth.seed, 11u);
  EXPECT_DOUBLE_EQ(w.truth.end_time - w.truth.start_time, 7 * 86400.0);
  EXPECT_EQ(w.dataset.users.size(), 3000u);
  EXPECT_EQ(w.dataset.items.size(), 2000u);
  EXPECT_EQ(w.dataset.producers.size(), 200u);
  EXPECT_EQ(w.dataset.item_table.size(), 2000u);
  EXPECT_EQ(w.dataset.users.id(17), "u17");
  EXPECT_EQ(w.dataset.items.id(5), "i5");
  EXPECT_EQ(w.dataset.producers.id(3), "p3");
  EXPECT_EQ(w.exposures.users.size(), 3000u);
  EXPECT_TRUE(w.exposures.arms.empty());
}

TEST(GenerateWorld, LatentVectorsAreUnitAndQualitiesFinite) {
  const World& w = small_world();
  for (std::size_t u = 0; u < w.truth.n_users(); ++u)
    ASSERT_NEAR(norm(w.truth.user_interest.data() + u * 8, 8), 1.0, 1e-5) << "user " << u;
  for (std::size_t i = 0; i < w.truth.n_items(); ++i) {
    ASSERT_NEAR(norm(w.truth.item_topic.data() + i * 8, 8), 1.0, 1e-5) << "item " << i;
    ASSERT_TRUE(std::isfinite(w.truth.item_quality[i]));
  }
}

TEST(GenerateWorld, EveryPublisherHasItemsAndSizesAreHeavyTailed) {
  const World& w = small_world();
  std::vector<int> size(200, 0);
  for (std::size_t i = 0; i < 2000; ++i) {
    ASSERT_EQ(w.dataset.item_table.producer[i], w.truth.item_publisher[i]);
    size[static_cast<std::size_t>(w.truth.item_publisher[i])] += 1;
  }
  EXPECT_GE(*std::min_element(size.begin(), size.end()), 1);
  // Zipf 0.8 over 200 publishers: the biggest has ~7% of items, far above the 0.5% mean.
  EXPECT_GT(*std::max_element(size.begin(), size.end()), 50);
}

TEST(GenerateWorld, TokensComeFromTheItemsDominantTopic) {
  const World& w = small_world();
  std::size_t on_topic = 0, total = 0;
  for (Index i = 0; i < 2000; ++i) {
    auto tokens = w.dataset.item_table.item_tokens(i);
    ASSERT_GE(tokens.size(), 1u);
    ASSERT_LE(tokens.size(), 8u);
    const float* topic = w.truth.item_topic.data() + static_cast<std::size_t>(i) * 8;
    const auto dominant = std::max_element(topic, topic + 8) - topic;
    for (Index token : tokens) {
      const std::string& text = w.dataset.tokens.id(token);
      ASSERT_EQ(text.rfind("word=t", 0), 0u) << text;
      on_topic += std::stoi(text.substr(6)) == dominant;
      ++total;
    }
  }
  // Most tokens name the dominant topic; with 8 topics chance alone gives 12.5%.
  EXPECT_GT(static_cast<double>(on_topic) / static_cast<double>(total), 0.5);
}

TEST(GenerateWorld, PublishTimesLieWithinTheDaysInItemOrder) {
  const World& w = small_world();
  const auto& publish = w.dataset.item_table.publish_time;
  EXPECT_TRUE(std::is_sorted(publish.begin(), publish.end()));
  for (double t : publish) {
    ASSERT_GE(t, w.truth.start_time);
    ASSERT_LT(t, w.truth.end_time);
  }
  // 20% of the catalogue is there at the start; the rest spreads over the days.
  EXPECT_EQ(std::count(publish.begin(), publish.end(), w.truth.start_time), 400);
  EXPECT_GT(publish.back(), w.truth.end_time - 86400);
}

TEST(GenerateWorld, ImpressionsNeverPrecedePublishTimeAndStayInThePeriod) {
  const World& w = small_world();
  const auto& e = w.exposures;
  ASSERT_GT(e.size(), 100000u);
  for (std::size_t r = 0; r < e.size(); ++r) {
    const auto item = static_cast<std::size_t>(e.item[r]);
    ASSERT_GE(e.timestamp[r], w.dataset.item_table.publish_time[item]) << "row " << r;
    ASSERT_GE(e.timestamp[r], w.truth.start_time);
    ASSERT_LT(e.timestamp[r], w.truth.end_time);
  }
}

TEST(GenerateWorld, SlatesFillPositionsInOrderWithoutRepeats) {
  const World& w = small_world();
  const auto& e = w.exposures;
  std::set<Index> slate;
  for (std::size_t r = 0; r < e.size(); ++r) {
    ASSERT_GE(e.position[r], 0);
    ASSERT_LT(e.position[r], 10);
    ASSERT_EQ(e.arm[r], kNoIndex);
    if (e.position[r] == 0) {
      slate.clear();
    } else {
      ASSERT_GT(r, 0u);
      ASSERT_EQ(e.position[r - 1], e.position[r] - 1) << "row " << r;
      ASSERT_EQ(e.user[r - 1], e.user[r]);
      ASSERT_EQ(e.timestamp[r - 1], e.timestamp[r]);
    }
    ASSERT_TRUE(slate.insert(e.item[r]).second) << "item shown twice in one slate, row " << r;
  }
}

TEST(GenerateWorld, EveryUserIsServedAndNobodyClicksAnItemTwice) {
  const World& w = small_world();
  std::vector<bool> served(3000, false);
  std::set<std::pair<Index, Index>> clicked;
  for (std::size_t r = 0; r < w.exposures.size(); ++r) {
    served[static_cast<std::size_t>(w.exposures.user[r])] = true;
    if (w.exposures.clicked[r]) {
      ASSERT_TRUE(clicked.insert({w.exposures.user[r], w.exposures.item[r]}).second);
    }
  }
  EXPECT_EQ(std::count(served.begin(), served.end(), true), 3000);
}

TEST(GenerateWorld, InteractionsMirrorTheExposureLog) {
  const World& w = small_world();
  const Interactions& rows = w.dataset.interactions;
  std::size_t impressions = 0, clicks = 0, logged_clicks = 0;
  std::size_t exposure_row = 0;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows.event[r] == EventType::impression) {
      ASSERT_EQ(rows.user[r], w.exposures.user[exposure_row]);
      ASSERT_EQ(rows.item[r], w.exposures.item[exposure_row]);
      ASSERT_EQ(rows.timestamp[r], w.exposures.timestamp[exposure_row]);
      ++exposure_row;
      ++impressions;
    } else {
      ASSERT_EQ(rows.event[r], EventType::click);
      ASSERT_GT(r, 0u);
      // A click follows its impression, a moment later.
      ASSERT_EQ(rows.event[r - 1], EventType::impression);
      ASSERT_EQ(rows.item[r - 1], rows.item[r]);
      ASSERT_GT(rows.timestamp[r], rows.timestamp[r - 1]);
      ASSERT_LT(rows.timestamp[r], w.truth.end_time);
      ++clicks;
    }
    ASSERT_EQ(rows.value[r], 1.0f);
  }
  for (auto c : w.exposures.clicked) logged_clicks += c;
  EXPECT_EQ(impressions, w.exposures.size());
  EXPECT_EQ(clicks, logged_clicks);
}

TEST(GenerateWorld, ImpressionsPerUserMatchTheTarget) {
  const World& w = small_world();
  // 50 per user on average (slates are always full here: 400 items at the start).
  EXPECT_NEAR(static_cast<double>(w.exposures.size()) / 3000.0, 50.0, 3.0);
  WorldParams p = small_params();
  p.impressions = 60000;
  EXPECT_NEAR(static_cast<double>(generate_world(p).exposures.size()), 60000.0, 4000.0);
}

TEST(GenerateWorld, ClickThroughRateIsAFewPercentAndFallsWithPosition) {
  const World& w = small_world();
  std::vector<double> shown(10, 0), clicks(10, 0);
  for (std::size_t r = 0; r < w.exposures.size(); ++r) {
    shown[static_cast<std::size_t>(w.exposures.position[r])] += 1;
    clicks[static_cast<std::size_t>(w.exposures.position[r])] += w.exposures.clicked[r];
  }
  const double ctr = std::accumulate(clicks.begin(), clicks.end(), 0.0) /
                     std::accumulate(shown.begin(), shown.end(), 0.0);
  EXPECT_GT(ctr, 0.01);
  EXPECT_LT(ctr, 0.10);
  // Examination alone gives slot 9 a fifth of slot 0's clicks; ranking adds more.
  EXPECT_GT(clicks[0] / shown[0], 3 * clicks[9] / shown[9]);
}

TEST(GenerateWorld, RelevanceBiasIsCalibratedToTheMeanRelevance) {
  const World& w = small_world();
  double sum = 0;
  std::size_t pairs = 0;
  for (Index u = 0; u < 3000; u += 7)
    for (Index i = 0; i < 2000; i += 3, ++pairs) sum += relevance(w.truth, u, i);
  EXPECT_NEAR(sum / static_cast<double>(pairs), small_params().mean_relevance, 0.005);
}

TEST(GenerateWorld, ExposureIsSkewedTowardsBigPublishers) {
  const World& w = small_world();
  // 200 publishers: the top 1% is 2 of them, the bottom half 100.
  const PublisherShares shares = publisher_shares(w, 2);
  EXPECT_GT(shares.top, 0.15);
  EXPECT_LT(shares.bottom_half, 0.15);
  // The recommender amplifies size: the top two get more impressions than items.
  std::vector<double> items(200, 0);
  for (Index p : w.truth.item_publisher) items[static_cast<std::size_t>(p)] += 1;
  std::sort(items.begin(), items.end(), std::greater<>());
  EXPECT_GT(shares.top, 1.5 * (items[0] + items[1]) / 2000.0);
}

TEST(GenerateWorld, SkewComesFromThePopularityFavouringRecommender) {
  WorldParams p = small_params();
  p.users = 1000;
  p.publisher_size_exponent = 0;
  p.popularity_exponent = 0;
  p.popularity_in_ranking = 0;
  const PublisherShares neutral = publisher_shares(generate_world(p), 2);
  p.publisher_size_exponent = 0.3;
  p.popularity_exponent = 0.5;
  p.popularity_in_ranking = 0.3;
  const PublisherShares biased = publisher_shares(generate_world(p), 2);
  EXPECT_GT(biased.top, neutral.top + 0.05);
  EXPECT_LT(biased.bottom_half, neutral.bottom_half);
}

void expect_same(const World& a, const World& b) {
  EXPECT_EQ(a.truth.user_interest, b.truth.user_interest);
  EXPECT_EQ(a.truth.item_topic, b.truth.item_topic);
  EXPECT_EQ(a.truth.item_quality, b.truth.item_quality);
  EXPECT_EQ(a.truth.item_publisher, b.truth.item_publisher);
  EXPECT_EQ(a.truth.relevance_bias, b.truth.relevance_bias);
  EXPECT_EQ(a.dataset.item_table.publish_time, b.dataset.item_table.publish_time);
  EXPECT_EQ(a.dataset.item_table.tokens, b.dataset.item_table.tokens);
  EXPECT_EQ(a.dataset.tokens.ids(), b.dataset.tokens.ids());
  EXPECT_EQ(a.exposures.user, b.exposures.user);
  EXPECT_EQ(a.exposures.item, b.exposures.item);
  EXPECT_EQ(a.exposures.position, b.exposures.position);
  EXPECT_EQ(a.exposures.clicked, b.exposures.clicked);
  EXPECT_EQ(a.exposures.timestamp, b.exposures.timestamp);
  EXPECT_EQ(a.dataset.interactions.timestamp, b.dataset.interactions.timestamp);
  EXPECT_EQ(a.dataset.interactions.event, b.dataset.interactions.event);
}

TEST(GenerateWorld, SameSeedGivesTheSameWorldWhateverTheThreadCount) {
  WorldParams p = small_params();
  p.users = 5000;  // several user chunks, so threads really interleave
  p.days = 3;
  p.threads = 1;
  const World one = generate_world(p);
  p.threads = 2;
  const World two = generate_world(p);
  p.threads = 5;
  const World five = generate_world(p);
  expect_same(one, two);
  expect_same(one, five);
}

TEST(GenerateWorld, DifferentSeedsGiveDifferentWorlds) {
  WorldParams p = small_params();
  p.users = 500;
  const World a = generate_world(p);
  p.seed = 12;
  const World b = generate_world(p);
  EXPECT_NE(a.truth.user_interest, b.truth.user_interest);
  EXPECT_NE(a.exposures.item, b.exposures.item);
}

TEST(GenerateWorld, RejectsBadParameters) {
  WorldParams p = small_params();
  p.publishers = p.items + 1;
  EXPECT_THROW(generate_world(p), UsageError);
}

}  // namespace
}  // namespace invr
