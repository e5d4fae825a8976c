// Steps of generate_world(), one file each, shared inside src/synth only.
#pragma once

#include <cstdint>
#include <vector>

#include "invr/synth.h"

namespace invr::synth {

// Publishers, items (publish times, topics, quality, tokens) into world.dataset
// and world.truth.
void draw_catalog(const WorldParams& params, World& world);

// User interests into world.truth and users into world.dataset; returns each
// user's relative activity (lognormal, mean about 1).
std::vector<double> draw_users(const WorldParams& params, World& world);

// The relevance bias c that makes random (user, item) pairs average
// `mean_relevance`, on a fixed sample of pairs.
double calibrate_relevance_bias(const WorldTruth& truth, double mean_relevance, std::uint64_t seed);

// Replays the legacy recommender over the days: fills world.exposures and
// world.dataset.interactions.
void run_legacy_recommender(const WorldParams& params, const std::vector<double>& activity,
                            World& world);

}  // namespace invr::synth
