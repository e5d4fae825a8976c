// The random streams and the alias table the synthetic world is drawn with.
#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "synth/alias_table.h"
#include "synth/rng.h"

namespace invr::synth {
namespace {

TEST(Rng, SameKeyGivesTheSameStreamAndKeysDiffer) {
  Rng a(42, Stream::user, 7), b(42, Stream::user, 7);
  Rng c(42, Stream::user, 8), d(42, Stream::item_topic, 7), e(43, Stream::user, 7);
  Rng f(42, Stream::slates, 7, 0), g(42, Stream::slates, 7, 1);
  for (int k = 0; k < 5; ++k) {
    const auto x = a.next();
    EXPECT_EQ(x, b.next());
    EXPECT_NE(x, c.next());
    EXPECT_NE(x, d.next());
    EXPECT_NE(x, e.next());
    EXPECT_NE(f.next(), g.next());
  }
}

TEST(Rng, DistributionsHaveTheirMoments) {
  Rng rng(1, Stream::calibration);
  constexpr int kDraws = 200000;
  double uniform = 0, normal = 0, normal_sq = 0, small = 0, large = 0;
  std::vector<int> below(5, 0);
  for (int k = 0; k < kDraws; ++k) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    uniform += u;
    const double z = rng.normal();
    normal += z;
    normal_sq += z * z;
    small += static_cast<double>(rng.poisson(2.5));
    large += static_cast<double>(rng.poisson(80));
    below[rng.below(5)] += 1;
  }
  EXPECT_NEAR(uniform / kDraws, 0.5, 0.005);
  EXPECT_NEAR(normal / kDraws, 0.0, 0.01);
  EXPECT_NEAR(normal_sq / kDraws, 1.0, 0.02);
  EXPECT_NEAR(small / kDraws, 2.5, 0.02);
  EXPECT_NEAR(large / kDraws, 80.0, 0.1);
  for (int count : below) EXPECT_NEAR(count / double(kDraws), 0.2, 0.005);
  EXPECT_EQ(rng.poisson(0), 0);
}

TEST(AliasTable, DrawsInProportionToWeight) {
  const std::vector<double> weights = {1, 2, 3, 4, 0};
  AliasTable table;
  table.build(weights);
  ASSERT_EQ(table.size(), 5u);
  Rng rng(3, Stream::slates);
  std::vector<int> count(5, 0);
  constexpr int kDraws = 200000;
  for (int k = 0; k < kDraws; ++k) count[table.sample(rng)] += 1;
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(count[k] / double(kDraws), (k + 1) / 10.0, 0.005) << k;
  EXPECT_EQ(count[4], 0);
}

TEST(AliasTable, SingleItemAlwaysWins) {
  AliasTable table;
  table.build(std::vector<double>{0.3});
  Rng rng(4, Stream::slates);
  for (int k = 0; k < 100; ++k) EXPECT_EQ(table.sample(rng), 0u);
}

}  // namespace
}  // namespace invr::synth
