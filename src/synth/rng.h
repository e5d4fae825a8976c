// Counter-seeded random streams for the synthetic world.
//
// Every random decision draws from a stream keyed by (seed, purpose, a, b),
// e.g. (seed, kVisits, user, day), so results do not depend on how users are
// split over threads. xoshiro256** is cheap to seed (a million streams a day
// would make std::mt19937_64's 2.5 KB state the bottleneck), and the
// distributions are written here rather than taken from <random>, whose
// algorithms differ between standard libraries.
#pragma once

#include <cmath>
#include <cstdint>

#include "common/random.h"

namespace invr::synth {

// What a stream is for; part of its key so streams never collide.
enum class Stream : std::uint64_t {
  publishers = 1,
  item_publisher,
  item_time,
  item_topic,
  user,
  calibration,
  visits,
  slates,
};

class Rng {
 public:
  Rng(std::uint64_t seed, Stream stream, std::uint64_t a = 0, std::uint64_t b = 0) {
    // The key and the four state words are chained SplitMix64 hashes (common/random.h).
    std::uint64_t key = splitmix64_hash(
        seed ^ splitmix64_hash(static_cast<std::uint64_t>(stream) ^
                               splitmix64_hash(a ^ splitmix64_hash(b + 0x51ed27ULL))));
    for (auto& word : state_) word = key = splitmix64_hash(key);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return unit_interval(next()); }
  // Uniform in (0, 1): safe to take the log of.
  double open_uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  // Uniform integer in [0, n), n > 0.
  std::uint64_t below(std::uint64_t n) {
    auto k = static_cast<std::uint64_t>(uniform() * static_cast<double>(n));
    return k < n ? k : n - 1;
  }
  bool bernoulli(double p) { return uniform() < p; }
  // Standard normal (Box-Muller; the second value is dropped to keep the stream simple).
  double normal() {
    return std::sqrt(-2.0 * std::log(open_uniform())) * std::cos(6.283185307179586 * uniform());
  }
  double gumbel() { return -std::log(-std::log(open_uniform())); }
  // Poisson: exact (Knuth, common/random.h) for small means, rounded normal
  // approximation above 30. The simulator's Poisson splits large means
  // instead (simulation/sim_rng.h); both are kept, as each fixes its streams.
  std::int64_t poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 30) {
      double x = std::round(mean + std::sqrt(mean) * normal());
      return x < 0 ? 0 : static_cast<std::int64_t>(x);
    }
    return static_cast<std::int64_t>(poisson_knuth(mean, [this] { return uniform(); }));
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4];
};

}  // namespace invr::synth
