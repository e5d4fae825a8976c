// The proposals of `invr tune` (invr/tune.h): which settings trial i tries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "invr/model_config.h"
#include "invr/tune.h"

namespace invr::model {

// Trials before this one draw from the whole ranges (after trial 0, the
// base config); from here on, odd trials refine the best so far and even
// ones keep exploring.
inline constexpr std::size_t kCoarseTrials = 6;

// Trial `index`'s phase and settings, from the seed, the index and (for
// "refine") the settings of the best trial before it.
TuneTrial propose_trial(std::span<const TuneRange> ranges, const ModelConfig& base,
                        std::uint64_t seed, std::size_t index,
                        const std::vector<TunedSetting>* best_so_far);

// config with each setting's value (integers rounded) set by name.
ModelConfig apply_settings(ModelConfig config, std::span<const TunedSetting> settings);

// Whether trial a beats trial b: higher recall, then higher NDCG.
bool better_trial(const TuneTrial& a, const TuneTrial& b);

}  // namespace invr::model
