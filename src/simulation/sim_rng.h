// Counter-based random draws for the simulator: every draw is a pure function
// of (seed, purpose, keys...), so results never depend on thread count or on
// the order in which work is done. Portable: no std distributions.
#pragma once

#include <cmath>
#include <cstdint>
#include <initializer_list>

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

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A splitmix64 sequence whose start is a hash of its keys.
class Stream {
 public:
  Stream(std::uint64_t seed, Purpose purpose, std::initializer_list<std::uint64_t> keys) {
    std::uint64_t h = splitmix64(seed ^ 0x5bd1e995ULL);
    h = splitmix64(h ^ static_cast<std::uint64_t>(purpose));
    for (std::uint64_t k : keys) h = splitmix64(h ^ k);
    state_ = h;
  }
  std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Poisson(mean) by Knuth's product method, in pieces of at most 16 so
  // exp(-piece) never underflows; fine for the small means of visit counts.
  std::uint64_t poisson(double mean) {
    std::uint64_t count = 0;
    while (mean > 0) {
      const double piece = mean > 16 ? 16 : mean;
      mean -= piece;
      const double limit = std::exp(-piece);
      double product = uniform();
      while (product > limit) {
        ++count;
        product *= uniform();
      }
    }
    return count;
  }

 private:
  std::uint64_t state_;
};

}  // namespace invr::simulation
