// The sharded job's target ordering (docs/distributed.md, step 8): the assignment needs the whole item x user graph and its
// users' capacities in one place, so rank 0 solves it. The graph is items x N
// pairs whatever the number of users; rank 0 receives only the unseen pairs
// and the capacities of the users in them, and sends each user's target list
// back to the user's rank.
#include <mpi.h>

#include <algorithm>
#include <numeric>

#include "distributed/mpi_util.h"
#include "distributed/sharded_job.h"

namespace invr {
namespace {

struct UserCapacity {
  std::int64_t user;
  double capacity;
  double displaced;  // 0 unless spare_capacity = "displace"
  double repeat;     // impressions per pair (1 without count_repeats)
};
struct TargetEntry {
  std::int64_t user;
  Candidate candidate;
};

// Rank 0's solve over the gathered graph; `owner` gets each graph user's rank.
job::AssignmentStage solve_on_root(std::vector<SlotPair> pairs, const std::vector<UserCapacity>& users,
                                   const std::vector<int>& user_counts, const Selection& selection,
                                   std::span<const double> shown, const JobConfig& config,
                                   std::vector<std::int64_t>& global, std::vector<int>& owner) {
  const std::int64_t n = config.retrieval.top_users_per_item;
  std::vector<std::size_t> order(users.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return users[a].user < users[b].user; });
  std::vector<int> rank_of(users.size());
  for (std::size_t r = 0, at = 0; r < user_counts.size(); ++r)
    for (int k = 0; k < user_counts[r]; ++k) rank_of[at++] = static_cast<int>(r);
  std::vector<double> capacity(users.size());
  std::vector<double> displaced(config.assignment.spare_capacity == "displace" ? users.size() : 0);
  std::vector<double> repeats(config.assignment_job.count_repeats ? users.size() : 0);
  global.resize(users.size());
  owner.resize(users.size());
  for (std::size_t c = 0; c < order.size(); ++c) {
    global[c] = users[order[c]].user;
    capacity[c] = users[order[c]].capacity;
    if (!displaced.empty()) displaced[c] = users[order[c]].displaced;
    if (!repeats.empty()) repeats[c] = users[order[c]].repeat;
    owner[c] = rank_of[order[c]];
  }
  ItemTopUsers graph = ItemTopUsers::empty(static_cast<std::int64_t>(selection.items.size()), n);
  for (const SlotPair& p : pairs) {
    const auto c = std::lower_bound(global.begin(), global.end(), p.user) - global.begin();
    graph.users[static_cast<std::size_t>(p.slot)] = c;
    graph.scores[static_cast<std::size_t>(p.slot)] = p.score;
  }
  pairs = {};  // the solver's state takes their place
  std::vector<Index> rows(global.size());
  std::iota(rows.begin(), rows.end(), Index{0});
  // Seen pairs were left out by their users' ranks: nothing is seen here.
  return job::assign_graph(graph, selection.items, rows, rows.size(), SeenItems{}, capacity, shown, displaced,
                           repeats, config);
}
}  // namespace

ShardAssignInputs assignment_inputs(const Dataset& dataset, const Selection& selection, const JobConfig& config) {
  const AssignmentSettings& settings = config.assignment_job;
  ShardAssignInputs in;
  in.figures = job::assignment_figures(dataset, selection, settings, {});
  in.figures.first_event = mpi::reduce(in.figures.first_event, MPI_MIN);
  in.figures.impressions = mpi::any(in.figures.impressions);
  mpi::all_reduce(in.figures.item_shown, MPI_SUM);
  const std::vector<double> visits = job::visits_per_day(dataset, selection.as_of, settings.visit_window_days,
                                                        in.figures.first_event, in.figures.impressions);
  in.capacity = user_capacities(visits, settings);
  in.repeats = job::pair_repeats(visits, settings);
  in.selected_capacity = job::expected_impressions(in.capacity, in.repeats, selection.users);
  in.selected_capacity = mpi::reduce(in.selected_capacity, MPI_SUM);
  return in;
}

std::optional<job::AssignmentStage> assign_sharded(ItemTopUsers top, const Selection& selection,
                                                   const DatasetShard& shard, const SeenItems& seen,
                                                   const ShardAssignInputs& inputs, const JobConfig& config,
                                                   CandidateLists& lists, int rank, int ranks) {
  const Dataset& dataset = shard.dataset;
  const std::vector<double>& capacity = inputs.capacity;

  // 2. This rank's unseen pairs and their users' capacities, to rank 0.
  std::vector<SlotPair> pairs;
  std::vector<std::uint8_t> in_graph(dataset.users.size(), 0);
  const std::int64_t n = top.users_per_item;
  for (std::size_t slot = 0; slot < top.users.size(); ++slot) {
    const RowId row = top.users[slot];
    if (row == kNoRow) continue;
    const Index user = selection.users[static_cast<std::size_t>(row)];
    if (seen.contains(user, selection.items[slot / static_cast<std::size_t>(n)])) continue;
    pairs.push_back({shard.global_user[static_cast<std::size_t>(user)], top.scores[slot], static_cast<std::int32_t>(slot)});
    in_graph[static_cast<std::size_t>(user)] = 1;
  }
  top = {};  // rank 0 needs the room for the whole graph
  std::vector<UserCapacity> users;
  for (std::size_t u = 0; u < in_graph.size(); ++u)
    if (in_graph[u])
      users.push_back({shard.global_user[u], capacity[u], inputs.displaced.empty() ? 0.0 : inputs.displaced[u],
                       inputs.repeats.empty() ? 1.0 : inputs.repeats[u]});
  std::vector<int> pair_counts, user_counts;
  std::vector<SlotPair> all_pairs = mpi::gather_on_root(pairs, pair_counts);
  pairs = {};
  const std::vector<UserCapacity> all_users = mpi::gather_on_root(users, user_counts);

  // 3. Rank 0 solves; each user's list goes back to its rank.
  std::optional<job::AssignmentStage> stage;
  std::vector<TargetEntry> send;
  std::vector<int> send_counts(static_cast<std::size_t>(ranks), 0);
  if (rank == 0) {
    std::vector<std::int64_t> global;
    std::vector<int> owner;
    stage = solve_on_root(std::move(all_pairs), all_users, user_counts, selection, inputs.figures.item_shown, config,
                          global, owner);
    stage->capacity = inputs.selected_capacity;
    const TargetAssignment& a = stage->assignment;
    std::vector<std::size_t> next(static_cast<std::size_t>(ranks) + 1, 0);
    for (std::size_t c = 0; c < global.size(); ++c)
      next[static_cast<std::size_t>(owner[c]) + 1] += a.offsets[c + 1] - a.offsets[c];
    for (int r = 0; r < ranks; ++r) {
      send_counts[static_cast<std::size_t>(r)] = mpi::checked_count(next[static_cast<std::size_t>(r) + 1]);
      next[static_cast<std::size_t>(r) + 1] += next[static_cast<std::size_t>(r)];
    }
    send.resize(next.back());
    for (std::size_t c = 0; c < global.size(); ++c)
      for (std::uint64_t k = a.offsets[c]; k < a.offsets[c + 1]; ++k)
        send[next[static_cast<std::size_t>(owner[c])]++] = {global[c], a.lists[k]};
    stage->assignment.offsets = {};
    stage->assignment.lists = {};
  }
  const std::vector<TargetEntry> mine = mpi::scatter_from_root(send, send_counts);

  // 4. Into this rank's target ordering (entries come by ascending user).
  const auto o = static_cast<std::size_t>(Ordering::target);
  lists.offsets[o].assign(dataset.users.size() + 1, 0);
  lists.lists[o].clear();
  lists.lists[o].reserve(mine.size());
  for (const TargetEntry& e : mine) {
    ++lists.offsets[o][static_cast<std::size_t>(local_user(shard, e.user)) + 1];
    lists.lists[o].push_back(e.candidate);
  }
  std::partial_sum(lists.offsets[o].begin(), lists.offsets[o].end(), lists.offsets[o].begin());
  return stage;
}

}  // namespace invr
