// The random ordering's generator: SplitMix64 (common/random.h) seeded from
// (seed, user), with its unbiased bounded draw (SplitMix64::below), so lists
// are identical on every platform and standard library (std::shuffle and
// std::uniform_int_distribution are not).
#pragma once

#include <cstdint>
#include <span>
#include <utility>

#include "common/random.h"

namespace invr::inverse {

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
