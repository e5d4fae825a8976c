// The exact reference solver: the assignment LP as a min-cost flow, solved by
// Boost.Graph's successive shortest paths (Boost is already a dependency,
// header-only; no hand-written flow code). Network, with every quantity in
// integer units (impressions × 2^20, the capacities' resolution, and scores
// × 2^30 / score range, so Dijkstra's reduced costs are exact):
//   source -> user      capacity c_u × m_u, cost 0 (m_u: impressions per pair)
//   user -> item        capacity m_u, cost C - score   (C = the largest score)
//   item -> next stage  capacity T_i at cost 0, the rest at cost B
//   producer -> sink    capacity P_p at cost 0, the rest at cost B
//   user -> sink        with spare_capacity = "leave": capacity c_u, the
//                       cost of a pair scoring skip that counts no target
// Items without a producer target go to the sink through a cost-B arc when
// any producer has one, so every source-sink path carries the same constant
// and the min-cost max flow (every user's capacity used) maximises the
// objective. O(augmentations × E log V): for small instances only.
// Costs are whole numbers but the weight type is double: Boost's SSP adds a
// vertex's Dijkstra distance to its potential even when the vertex is
// unreachable (distance = the type's max), which overflows a signed integer
// (undefined; UBSan caught it) but is a harmless infinity in double. Sums of
// these costs stay far below 2^53, so double holds them exactly.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>

#include "assign_problem.h"

namespace invr::inverse {
namespace {

using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using Graph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<boost::edge_capacity_t, std::int64_t,
                    boost::property<boost::edge_residual_capacity_t, std::int64_t,
                                    boost::property<boost::edge_reverse_t, Traits::edge_descriptor,
                                                    boost::property<boost::edge_weight_t,
                                                                    double>>>>>;
using Edge = Traits::edge_descriptor;

constexpr double kUnit = 0x1p20;       // impressions -> flow units
constexpr double kCostScale = 0x1p30;  // one score range -> cost units

class Network {
 public:
  explicit Network(std::size_t vertices) : graph_(vertices) {}

  Edge add(std::size_t from, std::size_t to, std::int64_t capacity, std::int64_t cost) {
    const Edge forward = boost::add_edge(from, to, graph_).first;
    const Edge backward = boost::add_edge(to, from, graph_).first;
    boost::put(boost::edge_capacity, graph_, forward, capacity);
    boost::put(boost::edge_capacity, graph_, backward, 0);
    boost::put(boost::edge_weight, graph_, forward, static_cast<double>(cost));
    boost::put(boost::edge_weight, graph_, backward, -static_cast<double>(cost));
    boost::put(boost::edge_reverse, graph_, forward, backward);
    boost::put(boost::edge_reverse, graph_, backward, forward);
    return forward;
  }
  void solve(std::size_t source, std::size_t sink) {
    boost::successive_shortest_path_nonnegative_weights(graph_, source, sink);
  }
  double impressions(Edge edge) const {
    return static_cast<double>(boost::get(boost::edge_capacity, graph_, edge) -
                               boost::get(boost::edge_residual_capacity, graph_, edge)) /
           kUnit;
  }

 private:
  Graph graph_;
};

std::int64_t units(double impressions) { return std::llround(impressions * kUnit); }

}  // namespace

namespace {
TargetAssignment solve_once(const AssignProblem& problem, const AssignmentParams& params) {
  const auto rows = static_cast<std::size_t>(problem.rows);
  const std::size_t producers = problem.producer_index.size();
  // Vertices: source, sink, users, item rows, producers.
  const std::size_t source = 0, sink = 1, first_user = 2, first_row = first_user + problem.users,
                    first_producer = first_row + rows;
  Network network(first_producer + producers);
  const double range = problem.score_range;
  const auto bonus = std::llround(params.target_weight * kCostScale);
  double top = 0;
  for (const UserEdge& e : problem.user_edges) top = std::max(top, static_cast<double>(e.score));
  for (double s : problem.user_skip) top = std::max(top, s);
  std::vector<Edge> pair_edges(problem.edges());
  std::vector<std::int64_t> row_units(rows, 0);
  for (std::size_t u = 0; u < problem.users; ++u) {
    const double repeat = problem.repeat_of(u);  // impressions per pair
    if (problem.capacity[u] > 0)
      network.add(source, first_user + u, units(problem.capacity[u] * repeat), 0);
    for (auto k = problem.user_offsets[u]; k < problem.user_offsets[u + 1]; ++k) {
      const UserEdge& e = problem.user_edges[k];
      const auto cost = std::llround((static_cast<double>(top) - e.score) / range * kCostScale);
      const std::uint32_t row = problem.row_of(e);
      pair_edges[k] = network.add(first_user + u, first_row + row, units(repeat), cost);
      row_units[row] += units(repeat);
    }
  }
  const std::int64_t no_producer_cost = producers > 0 ? bonus : 0;
  if (problem.leave) {  // the empty slot: a pair of score skip_of(u) toward no target
    for (std::size_t u = 0; u < problem.users; ++u) {
      // skip_of(u) <= top: a cost >= 0, as SSP needs
      const auto cost = std::llround((static_cast<double>(top) - problem.skip_of(u)) / range * kCostScale) +
                        bonus + no_producer_cost;
      if (problem.capacity[u] > 0)
        network.add(first_user + u, sink, units(problem.capacity[u] * problem.repeat_of(u)), cost);
    }
  }
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int32_t p = problem.producer_of_row[r];
    const std::size_t next = p >= 0 ? first_producer + static_cast<std::size_t>(p) : sink;
    const std::int64_t extra = p >= 0 ? 0 : no_producer_cost;
    const std::int64_t target = std::min(row_units[r], units(static_cast<double>(problem.item_target[r])));
    if (target > 0) network.add(first_row + r, next, target, extra);
    if (row_units[r] > target) network.add(first_row + r, next, row_units[r] - target, bonus + extra);
  }
  for (std::size_t q = 0; q < producers; ++q) {
    std::int64_t total = 0;
    for (auto k = problem.producer_row_offsets[q]; k < problem.producer_row_offsets[q + 1]; ++k)
      total += row_units[problem.producer_rows[k]];
    const std::int64_t target = std::min(total, units(static_cast<double>(problem.producer_target[q])));
    if (target > 0) network.add(first_producer + q, sink, target, 0);
    if (total > target) network.add(first_producer + q, sink, total - target, bonus);
  }
  network.solve(source, sink);

  TargetAssignment out = finish_assignment(
      problem,
      [&](std::size_t u, std::vector<ScoredEdge>& scored) {
        const auto edges = problem.edges_of(u);
        scored.resize(edges.size());
        for (std::size_t k = 0; k < edges.size(); ++k)
          scored[k] = ScoredEdge{network.impressions(pair_edges[problem.user_offsets[u] + k]),
                                 edges[k].score, edges[k].score,
                                 problem.item_of_row[problem.row_of(edges[k])],
                                 static_cast<std::uint32_t>(k)};
      },
      params.max_candidates_per_user);
  out.summary.solver = "exact";
  out.summary.dual_bound = out.summary.objective;
  return out;
}
}  // namespace

TargetAssignment solve_exact(AssignProblem& problem, const AssignmentParams& params) {
  std::int64_t dropped = 0;
  TargetAssignment kept;  // the pass that leaves the fewest items short (keep_pass)
  double kept_credited = 0;
  for (std::int64_t pass = 0;; ++pass) {
    TargetAssignment out = solve_once(problem, params);
    out.summary.passes = pass + 1;
    out.summary.targets_dropped = dropped;
    std::vector<double> row_impressions;
    for (const ItemTargetReport& item : out.items) row_impressions.push_back(item.assigned);
    const double credited = credited_impressions(problem, row_impressions);
    const std::int64_t now = pass < params.completion_passes
                                 ? drop_short_targets(problem, row_impressions) : 0;
    if (pass == 0 || keep_pass(problem, out.summary.items_short, credited, kept.summary.items_short,
                               kept_credited)) {
      kept = std::move(out);
      kept_credited = credited;
    }
    if (now == 0) {
      kept.summary.passes = pass + 1;
      return kept;
    }
    dropped += now;
  }
}

}  // namespace invr::inverse
