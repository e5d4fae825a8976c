// Calibration of a dataset oracle's bias to the requested control CTR.
#pragma once

#include "simulation/sim_internal.h"

namespace invr::simulation {

// Sets world.truth.relevance_bias so that the control slates the initial
// model serves at `start` (up to 2000 users, weighted by activity) have
// expected CTR params.base_ctr, for a world with an oracle; returns the
// expected CTR reached.
double calibrate_oracle(SimulationWorld& world, const TwoTowerModel& model,
                        const SimulationConfig& config, double start);

}  // namespace invr::simulation
