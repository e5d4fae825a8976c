// Which arm each simulated user is in (docs/simulation.md, "Blocked
// assignment"). Not part of the public API.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "invr/arms.h"
#include "invr/data.h"

namespace invr::simulation {

struct ArmAssignment {
  std::vector<Index> arm;  // per user, index into the experiment's arms
  // Per user, the block it was randomised in (blocked only; empty for the
  // hash): the permutation tests reshuffle users within their blocks.
  std::vector<std::uint32_t> block;
};

// Without `blocked`: Experiment::assign, the server's hash, per user.
// With it: users ordered by activity (most active first, ties by the
// hash), cut into blocks of K = arms consecutive users, each block's users
// given a random permutation of the arms drawn from (salt, block); the
// last block, if short, a random subset. Every arm then gets the same
// number of users from every activity level, so arms of a few hundred users
// do not differ in traffic by chance. Needs equal arm weights (UsageError
// otherwise) and one activity per user. `id(u)` gives user u's id.
template <class IdOf>
ArmAssignment assign_arms(const Experiment& experiment, std::span<const double> activity,
                          bool blocked, IdOf id);

// The blocked assignment's core on precomputed hash points (bucket_point of
// each user's id under the salt).
ArmAssignment blocked_arms(const Experiment& experiment, std::span<const double> activity,
                           std::span<const double> points);

template <class IdOf>
ArmAssignment assign_arms(const Experiment& experiment, std::span<const double> activity,
                          bool blocked, IdOf id) {
  ArmAssignment out;
  out.arm.resize(activity.size());
  if (!blocked) {
    for (std::size_t u = 0; u < activity.size(); ++u)
      out.arm[u] = static_cast<Index>(experiment.assign(id(u)));
    return out;
  }
  std::vector<double> points(activity.size());
  for (std::size_t u = 0; u < activity.size(); ++u) points[u] = bucket_point(experiment.salt, id(u));
  return blocked_arms(experiment, activity, points);
}

}  // namespace invr::simulation
