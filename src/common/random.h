// The random primitives every seeded stream in invr shares (CONTRIBUTING.md,
// convention 2): SplitMix64 (Steele, Lea and Flood, OOPSLA 2014) with its
// finaliser, the 53-bit uniform double, and Knuth's Poisson sampler. Written
// here rather than taken from <random>, whose distributions differ between
// standard libraries, so every stream is the same on every platform.
//
// Only the primitives live here. Each stage keeps its own seeding and keying
// (synth/rng.h, simulation/sim_rng.h, inverse/user_shuffle.h, data/split.cc,
// serving/arms.cc): they fix fixtures, A/B assignments and determinism tests,
// so changing one changes results.
#pragma once

#include <cmath>
#include <cstdint>

namespace invr {

// SplitMix64's increment, 2^64 / golden ratio (odd, so the state's cycle is 2^64).
inline constexpr std::uint64_t kSplitMix64Increment = 0x9e3779b97f4a7c15ULL;

// SplitMix64's output function (Stafford's "Mix13"): a bijective 64-bit mix
// that spreads every input bit over the whole word; on its own, a hash
// finaliser (serving/arms.cc applies it to FNV-1a).
constexpr std::uint64_t splitmix64_finalise(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// finalise(x + increment): the first value SplitMix64(x) returns, used as a
// hash of x to derive seeds from keys (synth and simulation streams).
constexpr std::uint64_t splitmix64_hash(std::uint64_t x) {
  return splitmix64_finalise(x + kSplitMix64Increment);
}

// The generator: 64 bits of state, a Weyl sequence through the finaliser.
// Value n (1-based) of SplitMix64(seed) is finalise(seed + n * increment),
// so a stream can also be read at any position directly (data/split.cc).
class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t seed) : state_(seed) {}

  constexpr std::uint64_t next() {
    state_ += kSplitMix64Increment;
    return splitmix64_finalise(state_);
  }

  // Uniform in [0, n), n >= 1. Rejecting the 2^64 mod n lowest values keeps
  // it unbiased (a plain `next() % n` favours small values).
  constexpr std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t x = next();
      if (x >= threshold) return x % n;
    }
  }

 private:
  std::uint64_t state_;
};

// Uniform in [0, 1) from the top 53 bits of x: a double holds them exactly.
constexpr double unit_interval(std::uint64_t x) {
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

// Poisson(mean) by Knuth's product method: the number of uniforms whose
// running product stays above exp(-mean). `uniform` is a callable returning
// a double in [0, 1); it is called count + 1 times, and never for mean <= 0
// (which returns 0). Exact, but O(mean) draws, and exp(-mean) loses
// precision and finally underflows as mean grows, so callers bound the mean,
// each in its own way (kept, since it fixes their streams): the synthetic
// world takes a rounded normal above 30 (synth/rng.h), the simulator sums
// draws over pieces of at most 16 (simulation/sim_rng.h).
template <class Uniform>
std::uint64_t poisson_knuth(double mean, Uniform&& uniform) {
  if (mean <= 0) return 0;
  const double limit = std::exp(-mean);
  std::uint64_t count = 0;
  for (double product = uniform(); product > limit; product *= uniform()) ++count;
  return count;
}

}  // namespace invr
