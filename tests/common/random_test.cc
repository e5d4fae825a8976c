// The shared random primitives (src/common/random.h). Every seeded stream in
// invr is built on them, so their values are pinned: a change here moves
// fixtures, A/B buckets and simulation results.
#include "common/random.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace invr {
namespace {

// The published reference sequence of SplitMix64 seeded with 1234567
// (Vigna's splitmix64.c, also Java's SplittableRandom test vectors).
TEST(SplitMix64, MatchesTheReferenceSequence) {
  SplitMix64 generator(1234567);
  const std::vector<std::uint64_t> expected = {6457827717110365317ULL, 3203168211198807973ULL,
                                               9817491932198370423ULL, 4593380528125082431ULL,
                                               16408922859458223821ULL};
  for (std::uint64_t value : expected) EXPECT_EQ(generator.next(), value);
}

// The hash is the generator's first value; value n is finalise(seed + n * increment).
TEST(SplitMix64, HashAndDirectPositionAgreeWithTheGenerator) {
  EXPECT_EQ(splitmix64_hash(0), 16294208416658607535ULL);
  EXPECT_EQ(splitmix64_hash(1234567), 6457827717110365317ULL);
  SplitMix64 generator(99);
  for (std::uint64_t n = 1; n <= 10; ++n)
    EXPECT_EQ(generator.next(), splitmix64_finalise(99 + kSplitMix64Increment * n)) << n;
  // The finaliser alone is a bijection with 0 as a fixed point.
  EXPECT_EQ(splitmix64_finalise(0), 0u);
}

TEST(SplitMix64, BelowIsInRangeAndPinned) {
  SplitMix64 generator(42);
  const std::vector<std::uint64_t> expected = {3, 1, 8, 4, 0};
  for (std::uint64_t value : expected) EXPECT_EQ(generator.below(10), value);
  SplitMix64 one(7);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(one.below(1), 0u);
}

TEST(UnitInterval, UsesTheTop53Bits) {
  EXPECT_EQ(unit_interval(0), 0.0);
  EXPECT_EQ(unit_interval(~0ULL), 1.0 - 0x1.0p-53);
  EXPECT_EQ(unit_interval(1ULL << 63), 0.5);
  EXPECT_EQ(unit_interval((1ULL << 11) - 1), 0.0);  // the low 11 bits are dropped
}

// A scripted uniform sequence makes Knuth's count checkable by hand.
struct Script {
  std::vector<double> values;
  std::size_t used = 0;
  double operator()() { return values.at(used++); }
};

TEST(PoissonKnuth, CountsUniformsWhoseProductStaysAboveTheLimit) {
  // mean 1: limit e^-1 = 0.368. 0.9 > limit (1), 0.9 * 0.5 = 0.45 > limit (2),
  // 0.45 * 0.1 = 0.045 stops: 2, after 3 draws.
  Script script{{0.9, 0.5, 0.1, 0.7}};
  EXPECT_EQ(poisson_knuth(1.0, script), 2u);
  EXPECT_EQ(script.used, 3u);
  // A first draw at or below the limit: 0, after one draw.
  Script low{{0.2}};
  EXPECT_EQ(poisson_knuth(1.0, low), 0u);
  EXPECT_EQ(low.used, 1u);
  // mean <= 0 draws nothing.
  Script none{{}};
  EXPECT_EQ(poisson_knuth(0.0, none), 0u);
  EXPECT_EQ(poisson_knuth(-3.0, none), 0u);
  EXPECT_EQ(none.used, 0u);
}

TEST(PoissonKnuth, MeanAndVarianceMatchTheMean) {
  SplitMix64 generator(5);
  auto uniform = [&] { return unit_interval(generator.next()); };
  const int draws = 200000;
  for (double mean : {0.5, 3.0, 12.0}) {
    double sum = 0, sum_squares = 0;
    for (int i = 0; i < draws; ++i) {
      const auto x = static_cast<double>(poisson_knuth(mean, uniform));
      sum += x;
      sum_squares += x * x;
    }
    const double average = sum / draws;
    const double variance = sum_squares / draws - average * average;
    // Standard error of the mean is sqrt(mean / draws) < 0.008; allow ~5 of them.
    EXPECT_NEAR(average, mean, 0.04) << mean;
    EXPECT_NEAR(variance / mean, 1.0, 0.03) << mean;
  }
}

}  // namespace
}  // namespace invr
