// From a run's exposure log to per-arm results: totals, days, relative
// changes with bootstrap intervals, Lorenz curves and histograms. Every
// metric is a metrics.h function.
#pragma once

#include <vector>

#include "simulation/sim_internal.h"

namespace invr::simulation {

// What the log alone does not say about users.
struct UserOutcomes {
  std::vector<Index> arm;                // per dataset user, index into the experiment's arms
  std::vector<double> expected_served;   // expected clicks of the served slates
  std::vector<double> expected_control;  // ... of the control slates (counterfactual)
  std::vector<std::uint64_t> visits;            // per user
  std::vector<std::uint64_t> invr_impressions;  // per user: InvR items served
};

// Fills run.arms. `start` is the simulation start (days are counted from it).
void summarize(RunResult& run, const SimulationWorld& world, const SimulationConfig& config,
               double start, const UserOutcomes& users);

// Exposure of the log rows `rows` (any subset) with metrics.h functions:
// item counts over the whole dataset, concentration over `population`,
// producers owning a population item, PSEI over `treated`.
ArmExposure arm_exposure(const ExposureLog& log, std::span<const std::size_t> rows,
                         const Dataset& dataset, std::span<const Index> population,
                         std::span<const Index> treated, std::uint64_t sufficient);

// Relative changes of `arm` against `control` with Poisson-bootstrap
// intervals over users (seeded, deterministic, parallel over resamples).
std::vector<std::pair<std::string, RelativeChange>> relative_changes(
    const ExposureLog& log, std::span<const std::size_t> arm_rows,
    std::span<const std::size_t> control_rows, const Dataset& dataset,
    std::span<const Index> population, std::span<const Index> treated,
    const SimulationParams& params);

}  // namespace invr::simulation
