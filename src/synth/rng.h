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

// SplitMix64 finaliser: a bijective 64-bit mix.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  Rng(std::uint64_t seed, Stream stream, std::uint64_t a = 0, std::uint64_t b = 0) {
    std::uint64_t key =
        mix64(seed ^ mix64(static_cast<std::uint64_t>(stream) ^ mix64(a ^ mix64(b + 0x51ed27ULL))));
    for (auto& word : state_) word = key = mix64(key);
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
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
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
  // Poisson: exact (Knuth) for small means, rounded normal approximation above 30.
  std::int64_t poisson(double mean) {
    if (mean <= 0) return 0;
    if (mean > 30) {
      double x = std::round(mean + std::sqrt(mean) * normal());
      return x < 0 ? 0 : static_cast<std::int64_t>(x);
    }
    const double limit = std::exp(-mean);
    std::int64_t k = 0;
    for (double product = uniform(); product > limit; product *= uniform()) ++k;
    return k;
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t state_[4];
};

}  // namespace invr::synth
