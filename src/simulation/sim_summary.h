// From a run's exposure log to per-arm results: totals, days, relative
// changes with bootstrap intervals, Lorenz curves and histograms. Every
// metric is a metrics.h function.
#pragma once

#include <vector>

#include "simulation/sim_estimate.h"
#include "simulation/sim_internal.h"

namespace invr::simulation {

// What the log alone does not say about users.
struct UserOutcomes {
  std::vector<Index> arm;                // per dataset user, index into the experiment's arms
  std::vector<std::uint32_t> block;      // per dataset user with blocked_assignment, else empty
  std::vector<double> activity;          // per dataset user: visits per day at the start
  std::vector<double> expected_served;   // expected clicks of the served slates
  std::vector<double> expected_control;  // ... of the control slates (counterfactual)
  std::vector<std::uint64_t> visits;            // per user
  std::vector<std::uint64_t> invr_impressions;  // per user: InvR items served
  std::vector<double> control_impressions;      // per user: the control slates' items
  std::vector<double> pre_clicks, pre_impressions;  // CUPED covariate (pre_period())
};

// The estimators' per-user panel of a run (sim_estimate.h).
UserPanel build_panel(const ExposureLog& log, double start, std::size_t days,
                      const UserOutcomes& users);
// The items, producers and treated items exposure metrics are computed over.
ExposureScope exposure_scope(const RunResult& run, const Dataset& dataset,
                             const SimulationParams& params);
// The experiment's control arm: the arm called "control" without an
// ordering, else the first arm without one.
Index control_arm(std::span<const Arm> arms);

// Fills run.arms and run.srm. `start` is the simulation start (days are
// counted from it). InvR arms are compared with control (sim_estimate.h).
void summarize(RunResult& run, const SimulationWorld& world, const SimulationConfig& config,
               double start, const UserOutcomes& users);

// Exposure of the log rows `rows` (any subset) with metrics.h functions:
// item counts over the whole dataset, concentration over `population`,
// producers owning a population item, PSEI over `treated`.
ArmExposure arm_exposure(const ExposureLog& log, std::span<const std::size_t> rows,
                         const Dataset& dataset, std::span<const Index> population,
                         std::span<const Index> treated, std::uint64_t sufficient);

}  // namespace invr::simulation
