// The estimators behind every effect a run reports (docs/simulation.md,
// "Estimators"). A UserPanel holds what they need per dataset user and does
// not depend on the assignment, so an A/A run builds it once and compares
// arms under K salts.
//
// Contract:
//  - CTR and clicks per user: percentile intervals of a Poisson bootstrap
//    over users (resample b gives user u the weight Poisson(1) drawn from
//    (seed, b, u), the same in every metric). Exposure metrics: a permutation
//    test inverted on the log scale (users of both groups reshuffled,
//    seeded by (seed, k, user)). Both reproducible resample by resample.
//  - Every reported level is >= 0, so every relative change and interval is
//    >= -1: percentile intervals are quantiles of resampled ratios, and
//    permutation intervals are exp() of a log-scale interval, minus 1.
//  - Deterministic for any thread count (resamples go to their own slots).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "simulation/sim_internal.h"

namespace invr::simulation {

struct UserPanel {
  std::size_t users = 0, days = 0;
  // Each user's simulated impressions as (item, count) runs, CSR by user.
  std::vector<std::size_t> offsets;  // users + 1
  std::vector<Index> item;
  std::vector<std::uint32_t> count;
  std::vector<double> impressions, clicks, visits;         // per user
  std::vector<double> day_impressions, day_clicks;         // users × days, by user
  // Counterfactual: expected clicks of the served and of the control slates
  // and the control slates' impressions (equal to the served ones for users
  // without insertion or without the counterfactual).
  std::vector<double> expected_served, expected_control, control_impressions;
  // CUPED covariate, the history's last activity window: clicks and
  // impressions, or positive events and 1 when the history has no impressions.
  std::vector<double> pre_clicks, pre_impressions;
};

// What exposure metrics are computed over (docs/simulation.md, "Metrics").
struct ExposureScope {
  const Dataset* dataset = nullptr;
  std::vector<Index> population;            // items
  std::vector<Index> population_producers;  // producer of each population item
  std::vector<Index> treated;
  std::uint64_t sufficient = 0;
};

struct Comparison {
  std::vector<std::pair<std::string, RelativeChange>> relative;  // arm-level, RelativeChange keys
  ArmEffects effects;
  // The paired CTR change in each bootstrap resample (NaN where undefined;
  // empty without the counterfactual). Resample t weights user u the same
  // in every arm's comparison, so two arms' resamples pair up.
  std::vector<double> ctr_paired_resamples;
};

// The arm `arm` against `control`, users taken by assignment[u]. With
// `blocks` (per user, a blocked assignment's: sim_assign.h) the permutation
// test reshuffles users only within their block, as they were randomised.
Comparison compare_arms(const UserPanel& panel, std::span<const Index> assignment, Index arm,
                        Index control, const ExposureScope& scope, const SimulationParams& params,
                        std::span<const std::uint32_t> blocks = {});

// One arm's paired CTR change minus another's (each arm's served slates
// against its own control slates), with a 95% percentile interval over
// their compare_arms resamples taken in pairs (the arms' users are
// disjoint, so each resample draws them independently).
CtrDifference paired_ctr_difference(double arm_change, std::span<const double> arm_resamples,
                                    double other_change, std::span<const double> other_resamples,
                                    const std::string& other_name);

// CTR over the run's days of the users in `arm`.
Trend ctr_trend(const UserPanel& panel, std::span<const Index> assignment, Index arm,
                const SimulationParams& params);

// χ² tests of bucketed and visiting users per arm against the arms' weights.
SrmCheck srm_check(const UserPanel& panel, std::span<const Index> assignment,
                   std::span<const Arm> arms);

// Whether the 95% interval excludes 0 (false without an interval).
bool excludes_zero(const RelativeChange& change);

// False when a change or its interval lies outside what `metric` can take:
// below -1, or a level outside [0, 1] (shares) or [0, 100] (PSEI).
bool in_range(const std::string& metric, const RelativeChange& change);

}  // namespace invr::simulation
