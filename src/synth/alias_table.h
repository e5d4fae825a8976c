// Walker's alias method: O(1) draws from a fixed discrete distribution.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "rng.h"

namespace invr::synth {

class AliasTable {
 public:
  // Builds from non-negative weights with a positive sum (Vose's method:
  // deterministic for given weights, O(n)).
  void build(std::span<const double> weights) {
    const std::size_t n = weights.size();
    probability_.assign(n, 1.0);
    alias_.resize(n);
    double total = 0;
    for (double w : weights) total += w;
    std::vector<double> scaled(n);
    std::vector<std::uint32_t> small, large;
    for (std::size_t k = 0; k < n; ++k) {
      scaled[k] = weights[k] * static_cast<double>(n) / total;
      alias_[k] = static_cast<std::uint32_t>(k);
      (scaled[k] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(k));
    }
    while (!small.empty() && !large.empty()) {
      const std::uint32_t s = small.back(), l = large.back();
      small.pop_back();
      probability_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] -= 1.0 - scaled[s];
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Leftovers are 1 up to rounding: they keep probability 1 and alias themselves.
  }

  std::size_t size() const { return probability_.size(); }

  std::uint32_t sample(Rng& rng) const {
    const auto k = static_cast<std::uint32_t>(rng.below(probability_.size()));
    return rng.uniform() < probability_[k] ? k : alias_[k];
  }

 private:
  std::vector<double> probability_;
  std::vector<std::uint32_t> alias_;
};

}  // namespace invr::synth
