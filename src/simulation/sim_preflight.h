// Checks that can fail on the data or the settings, run before any training
// (the oracle's or the initial model's): a bad setting costs a second, not
// the minutes of a training.
#pragma once

#include "simulation/sim_internal.h"

namespace invr::simulation {

// For a simulation of [end − params.days, end) on `dataset` (`name` for
// messages): UsageError naming the flag when
//  - --days leaves no history (no event before the start);
//  - some tick has no live item (every item too old for
//    --max-item-age-days or not yet published; the run would stop there);
//  - an InvR arm is configured and the job selects nothing at the start
//    (--job-config's [selection]; explain() says which rule emptied it).
void check_before_training(const Dataset& dataset, const SimulationConfig& config, double end,
                           const std::string& name);

}  // namespace invr::simulation
