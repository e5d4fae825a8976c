// The embedding cache behind each tick: the job and the slates embed the same
// (dataset, as_of, cold start) once.
#include <bit>
#include <cstring>

#include "simulation/sim_internal.h"

namespace invr::simulation {

Matrix CachingModel::cached(const Dataset& dataset, const EmbedOptions& options, bool users) const {
  std::uint64_t bits = 0;
  static_assert(sizeof(bits) == sizeof(options.as_of));
  std::memcpy(&bits, &options.as_of, sizeof(bits));
  const Key key{&dataset, dataset.interactions.size(), bits,
                options.cold_start ? static_cast<int>(*options.cold_start) : -1, users};
  {
    std::lock_guard lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  Matrix computed = users ? base_.embed_users(dataset, options) : base_.embed_items(dataset, options);
  std::lock_guard lock(mutex_);
  return cache_.emplace(key, std::move(computed)).first->second;
}

Matrix CachingModel::embed_items(const Dataset& dataset, const EmbedOptions& options) const {
  return cached(dataset, options, false);
}

Matrix CachingModel::embed_users(const Dataset& dataset, const EmbedOptions& options) const {
  return cached(dataset, options, true);
}

}  // namespace invr::simulation
