// Is the bucketing hash (include/invr/arms.h) uniform for the ids real
// systems use? For each id style, 10,000 ids go into 4 equal arms under 200
// salts; if assignment is fair the 200 SRM p-values are U(0, 1): few below
// 0.01 and a Kolmogorov-Smirnov distance under the 1% critical value. Prompted
// by a reported 1669/1479/1512/1510 split of 6,170 users (p = 0.0026) under
// the default salt; ReportedSplitIsChance pins that case.
#include "invr/arms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "simulation/sim_stats.h"
// Lives with the simulator's tests because it checks the hash with the
// simulator's own SRM test (the server's function is the simulator's).

namespace invr {
namespace {

constexpr std::size_t kIds = 10000;
constexpr std::size_t kSalts = 200;
// Kolmogorov's 1% critical value for n = 200 (1.63 / sqrt(n)).
const double kKsCritical = 1.63 / std::sqrt(static_cast<double>(kSalts));

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Random (version 4, RFC 4122 variant) UUIDs, lower-case, seeded.
std::vector<std::string> uuids(std::size_t count, std::uint64_t seed) {
  std::vector<std::string> ids;
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t high = (splitmix64(state) & ~0xf000ull) | 0x4000ull;  // version 4
    const std::uint64_t low = (splitmix64(state) >> 2) | (1ull << 63);         // variant 10
    char text[37];
    std::snprintf(text, sizeof text, "%08llx-%04llx-%04llx-%04llx-%012llx",
                  static_cast<unsigned long long>(high >> 32),
                  static_cast<unsigned long long>((high >> 16) & 0xffff),
                  static_cast<unsigned long long>(high & 0xffff),
                  static_cast<unsigned long long>(low >> 48),
                  static_cast<unsigned long long>(low & 0xffffffffffffull));
    ids.emplace_back(text);
  }
  return ids;
}

std::vector<std::string> numbered(std::size_t count, const std::string& prefix,
                                  std::uint64_t first = 0) {
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < count; ++i) ids.push_back(prefix + std::to_string(first + i));
  return ids;
}

struct IdStyle {
  std::string name;
  std::vector<std::string> ids;
};

std::vector<IdStyle> id_styles() {
  return {{"u-prefixed u0..u9999", numbered(kIds, "u")},
          {"numeric 0..9999", numbered(kIds, "")},
          {"10-digit consecutive from 4000000000", numbered(kIds, "", 4000000000ull)},
          {"uuid v4", uuids(kIds, 42)}};
}

std::string salt(std::size_t s) { return "salt" + std::to_string(s); }

std::vector<std::uint64_t> arm_sizes(const Experiment& experiment,
                                     const std::vector<std::string>& ids) {
  std::vector<std::uint64_t> sizes(experiment.arms.size(), 0);
  for (const std::string& id : ids) ++sizes[experiment.assign(id)];
  return sizes;
}

std::vector<double> weights_of(const Experiment& experiment) {
  std::vector<double> weights;
  for (const Arm& arm : experiment.arms) weights.push_back(arm.weight);
  return weights;
}

// SRM test of `ids` under kSalts salts.
std::vector<simulation::SrmTest> srm_across_salts(Experiment experiment,
                                                  const std::vector<std::string>& ids) {
  const std::vector<double> weights = weights_of(experiment);
  std::vector<simulation::SrmTest> tests;
  for (std::size_t s = 0; s < kSalts; ++s) {
    experiment.salt = salt(s);
    tests.push_back(simulation::srm_test(arm_sizes(experiment, ids), weights));
  }
  return tests;
}

double share_below(const std::vector<simulation::SrmTest>& tests, double level) {
  std::size_t below = 0;
  for (const auto& test : tests) below += test.p_value < level;
  return static_cast<double>(below) / static_cast<double>(tests.size());
}

// Kolmogorov-Smirnov distance of the p-values from U(0, 1).
double ks_uniform(const std::vector<simulation::SrmTest>& tests) {
  std::vector<double> p;
  for (const auto& test : tests) p.push_back(test.p_value);
  std::sort(p.begin(), p.end());
  const double n = static_cast<double>(p.size());
  double distance = 0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double rank = static_cast<double>(i);
    distance = std::max({distance, (rank + 1) / n - p[i], p[i] - rank / n});
  }
  return distance;
}

void expect_uniform_p_values(const std::vector<simulation::SrmTest>& tests,
                             const std::string& what) {
  const double flagged = share_below(tests, 0.01);
  const double ks = ks_uniform(tests);
  double mean_chi2 = 0;
  for (const auto& test : tests) mean_chi2 += test.chi2 / static_cast<double>(tests.size());
  EXPECT_LT(flagged, 0.04) << what << ": share of salts with p < 0.01";
  EXPECT_LT(ks, kKsCritical) << what << ": KS distance of p-values from U(0,1)";
  ::testing::Test::RecordProperty(what + ": share p<0.01", std::to_string(flagged));
  ::testing::Test::RecordProperty(what + ": KS", std::to_string(ks));
  ::testing::Test::RecordProperty(what + ": mean chi2", std::to_string(mean_chi2));
}

TEST(BucketUniformity, EqualArmsAreUniformAcrossSaltsForEveryIdStyle) {
  for (const IdStyle& style : id_styles()) {
    expect_uniform_p_values(srm_across_salts(default_experiment(), style.ids), style.name);
  }
}

TEST(BucketUniformity, WeightedArmsGetTheirShares) {
  Experiment experiment;
  experiment.arms = {Arm{"control", std::nullopt, {}, 2.0},
                     Arm{"invr-random", Ordering::random, {3, 8}, 1.0},
                     Arm{"invr-score", Ordering::score, {3, 8}, 1.0}};
  const std::vector<std::string> ids = numbered(kIds, "u");
  expect_uniform_p_values(srm_across_salts(experiment, ids), "weights 2:1:1, u-prefixed");

  experiment.salt = "invr";
  const std::vector<std::string> many = numbered(100000, "u");
  const std::vector<std::uint64_t> sizes = arm_sizes(experiment, many);
  // Binomial standard error at 100k ids is 0.0016 for the 0.5 share.
  EXPECT_NEAR(static_cast<double>(sizes[0]) / 100000, 0.50, 0.006);
  EXPECT_NEAR(static_cast<double>(sizes[1]) / 100000, 0.25, 0.006);
  EXPECT_NEAR(static_cast<double>(sizes[2]) / 100000, 0.25, 0.006);
  EXPECT_GT(simulation::srm_test(sizes, weights_of(experiment)).p_value, 0.01);
}

TEST(BucketUniformity, PointHasUniformMeanAndVariance) {
  constexpr std::size_t n = 100000;
  // Standard errors of the mean and of the variance of U(0, 1) samples:
  // sqrt(1/12 / n) and sqrt((1/80 - 1/144) / n); allow 4.5 of each.
  const double mean_tolerance = 4.5 * std::sqrt(1.0 / 12 / n);
  const double variance_tolerance = 4.5 * std::sqrt((1.0 / 80 - 1.0 / 144) / n);
  for (const auto& [name, ids] : {std::pair{"u-prefixed", numbered(n, "u")},
                                  std::pair{"10-digit", numbered(n, "", 4000000000ull)},
                                  std::pair{"uuid v4", uuids(n, 7)}}) {
    double sum = 0, squares = 0;
    for (const std::string& id : ids) {
      const double u = bucket_point("invr", id);
      sum += u;
      squares += u * u;
    }
    const double mean = sum / n;
    const double variance = squares / n - mean * mean;
    EXPECT_NEAR(mean, 0.5, mean_tolerance) << name;
    EXPECT_NEAR(variance, 1.0 / 12, variance_tolerance) << name;
  }
}

// The report: users u0..u6169 split 1669/1479/1512/1510 under salt "invr"
// (chi2 14.28, p = 0.0026). Reproduced exactly, and the same ids under 200
// other salts behave like fair draws (mean chi2 near its expectation, 3, and
// a share of salts below the reported p near that p), so it was chance.
TEST(BucketUniformity, ReportedSplitIsChance) {
  const Experiment experiment = default_experiment();
  const std::vector<std::string> ids = numbered(6170, "u");
  const std::vector<std::uint64_t> sizes = arm_sizes(experiment, ids);
  EXPECT_EQ(sizes, (std::vector<std::uint64_t>{1669, 1479, 1512, 1510}));
  const simulation::SrmTest reported = simulation::srm_test(sizes, weights_of(experiment));
  EXPECT_NEAR(reported.p_value, 0.00255, 0.0001);

  const std::vector<simulation::SrmTest> tests = srm_across_salts(experiment, ids);
  double mean_chi2 = 0;
  for (const auto& test : tests) mean_chi2 += test.chi2 / kSalts;
  // chi2(3) has variance 6: the mean of 200 has standard error 0.17.
  EXPECT_NEAR(mean_chi2, 3.0, 0.55);
  EXPECT_LE(share_below(tests, 0.003), 0.02);
  EXPECT_LT(ks_uniform(tests), kKsCritical);
  RecordProperty("6170 u-ids: mean chi2", std::to_string(mean_chi2));
  RecordProperty("6170 u-ids: share p<0.003", std::to_string(share_below(tests, 0.003)));
  RecordProperty("6170 u-ids: share p<0.01", std::to_string(share_below(tests, 0.01)));
  RecordProperty("6170 u-ids: KS", std::to_string(ks_uniform(tests)));
}

}  // namespace
}  // namespace invr
