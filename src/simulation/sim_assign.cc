// Blocked assignment: stratifying on activity is the standard remedy when a
// few heavy users carry much of the traffic (on ml-latest-small the hash
// gave one arm 22% fewer impressions than another at an SRM p of 0.09).
#include "simulation/sim_assign.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr::simulation {

ArmAssignment blocked_arms(const Experiment& experiment, std::span<const double> activity,
                           std::span<const double> points) {
  const std::size_t k = experiment.arms.size();
  if (k == 0) throw UsageError("blocked assignment: the experiment has no arms");
  for (const Arm& arm : experiment.arms)
    if (arm.weight != experiment.arms[0].weight)
      throw UsageError(fmt::format(
          "blocked assignment needs equal arm weights: arm '{}' has {}, arm '{}' {}; use the "
          "hash assignment (--blocked-assignment false) for unequal weights",
          experiment.arms[0].name, experiment.arms[0].weight, arm.name, arm.weight));
  if (points.size() != activity.size())
    throw UsageError(fmt::format("blocked assignment: {} hash points for {} users", points.size(),
                                 activity.size()));
  for (std::size_t u = 0; u < activity.size(); ++u)
    if (!std::isfinite(activity[u]))
      throw UsageError(fmt::format("blocked assignment: user {}'s activity is {}", u, activity[u]));
  std::vector<std::size_t> order(activity.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (activity[a] != activity[b]) return activity[a] > activity[b];
    if (points[a] != points[b]) return points[a] < points[b];
    return a < b;
  });
  ArmAssignment out;
  out.arm.resize(activity.size());
  out.block.resize(activity.size());
  std::vector<std::pair<double, std::size_t>> arms(k);
  for (std::size_t first = 0; first < order.size(); first += k) {
    const std::size_t block = first / k;
    // The block's permutation: arms ordered by a hash point of (salt, block, arm).
    for (std::size_t a = 0; a < k; ++a)
      arms[a] = {bucket_point(experiment.salt, fmt::format("block {} arm {}", block, a)), a};
    std::sort(arms.begin(), arms.end());
    for (std::size_t j = 0; j < k && first + j < order.size(); ++j) {
      out.arm[order[first + j]] = static_cast<Index>(arms[j].second);
      out.block[order[first + j]] = static_cast<std::uint32_t>(block);
    }
  }
  return out;
}

}  // namespace invr::simulation
