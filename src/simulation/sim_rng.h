// Counter-based random draws for the simulator: every draw is a pure function
// of (seed, purpose, keys...), so results never depend on thread count or on
// the order in which work is done. Portable: no std distributions.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "common/random.h"

namespace invr::simulation {

// What a stream is for; part of its key so streams never collide.
enum class Purpose : std::uint64_t {
  visits = 1,
  visit_time = 2,
  click = 3,
  bootstrap = 4,
  calibration = 5,
  timeline_item = 6,   // synthetic timeline: item arrival order and time
  timeline_event = 7,  // synthetic timeline: a logged event's time
  permutation = 8,     // estimators: the order of a permutation of users
};

// A SplitMix64 sequence (common/random.h) whose start is a hash of its keys.
class Stream {
 public:
  Stream(std::uint64_t seed, Purpose purpose, std::initializer_list<std::uint64_t> keys)
      : generator_(start(seed, purpose, keys)) {}
  std::uint64_t next() { return generator_.next(); }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return unit_interval(next()); }
  // Poisson(mean) by Knuth's product method (common/random.h), in pieces of
  // at most 16 so exp(-piece) never underflows; fine for the small means of
  // visit counts. The synthetic world's Poisson approximates large means by
  // a normal instead (synth/rng.h); both are kept, as each fixes its streams.
  std::uint64_t poisson(double mean) {
    std::uint64_t count = 0;
    while (mean > 0) {
      const double piece = mean > 16 ? 16 : mean;
      mean -= piece;
      count += poisson_knuth(piece, [this] { return uniform(); });
    }
    return count;
  }

 private:
  static std::uint64_t start(std::uint64_t seed, Purpose purpose,
                             std::initializer_list<std::uint64_t> keys) {
    std::uint64_t h = splitmix64_hash(seed ^ 0x5bd1e995ULL);
    h = splitmix64_hash(h ^ static_cast<std::uint64_t>(purpose));
    for (std::uint64_t k : keys) h = splitmix64_hash(h ^ k);
    return h;
  }
  SplitMix64 generator_;
};

}  // namespace invr::simulation
