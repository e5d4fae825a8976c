// The random ordering's generator: SplitMix64 seeded from (seed, user), with
// our own bounded draw, so lists are identical on every platform and standard
// library (std::shuffle and std::uniform_int_distribution are not).
#pragma once

#include <cstdint>
#include <span>
#include <utility>

namespace invr::inverse {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n >= 1: rejection keeps it unbiased.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
      const std::uint64_t x = next();
      if (x >= threshold) return x % n;
    }
  }

 private:
  std::uint64_t state_;
};

// Independent streams per user: the user index is hashed in, not added, so
// neighbouring users do not get shifted copies of one sequence.
inline SplitMix64 user_generator(std::uint64_t seed, std::uint64_t user) {
  SplitMix64 mix(seed ^ (user * 0xD1B54A32D192ED03ull));
  return SplitMix64(mix.next());
}

// Forward Fisher-Yates stopped after `count` steps: the first `count`
// entries are a uniform random subset in uniform random order.
template <class T>
void partial_shuffle(std::span<T> values, std::size_t count, SplitMix64& rng) {
  for (std::size_t i = 0; i < count && i + 1 < values.size(); ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng.below(values.size() - i));
    std::swap(values[i], values[j]);
  }
}

}  // namespace invr::inverse
