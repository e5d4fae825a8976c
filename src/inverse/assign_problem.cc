// Builds and checks the assignment instance; turns a solver's verdict into
// lists and reports (assign_problem.h).
#include "assign_problem.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "common/parallel.h"
#include "invr/error.h"
#include "slot_users.h"

namespace invr::inverse {
namespace {

constexpr std::size_t kUserChunk = 4096;

[[noreturn]] void usage(const std::string& message) {
  throw UsageError("assign_targets: " + message);
}

void check_sizes(const ItemTopUsers& top_users, std::span<const Index> item_index_of_row,
                 std::size_t total_users, std::span<const double> user_capacity,
                 const AssignmentTargets& targets) {
  const std::int64_t rows = top_users.items;
  const std::int64_t n = top_users.users_per_item;
  if (rows < 0 || n < 0 || item_index_of_row.size() != static_cast<std::size_t>(rows))
    usage(fmt::format("top_users has {} item rows but item_index_of_row has {}", rows,
                      item_index_of_row.size()));
  if (top_users.users.size() != static_cast<std::size_t>(rows * n) ||
      top_users.scores.size() != top_users.users.size())
    usage(fmt::format("top_users has {} users and {} scores; {} items x {} users_per_item needs "
                      "{} of each",
                      top_users.users.size(), top_users.scores.size(), rows, n, rows * n));
  if (static_cast<std::uint64_t>(rows * n) > std::numeric_limits<std::uint32_t>::max())
    usage(fmt::format("{} item rows x {} users_per_item = {} slots; at most 2^32 - 1", rows, n,
                      rows * n));
  // invert()'s distinct-items check is private to invert.cc; this is the same rule.
  std::vector<bool> present;
  for (std::size_t r = 0; r < item_index_of_row.size(); ++r) {
    const Index item = item_index_of_row[r];
    if (item >= 0 && static_cast<std::size_t>(item) >= present.size())
      present.resize(static_cast<std::size_t>(item) + 1, false);
    if (item < 0 || present[static_cast<std::size_t>(item)])
      usage(fmt::format("item_index_of_row[{}] = {} is {}", r, item,
                        item < 0 ? "negative" : "repeated (items must be distinct)"));
    present[static_cast<std::size_t>(item)] = true;
  }
  if (user_capacity.size() != total_users)
    usage(fmt::format("user_capacity has {} entries but total_users is {}", user_capacity.size(),
                      total_users));
  for (std::size_t u = 0; u < user_capacity.size(); ++u)
    if (!(user_capacity[u] >= 0) || !std::isfinite(user_capacity[u]))
      usage(fmt::format("user_capacity[{}] = {} must be a finite number >= 0", u,
                        user_capacity[u]));
  if (targets.item_target.size() != static_cast<std::size_t>(rows))
    usage(fmt::format("item_target has {} entries but top_users has {} item rows",
                      targets.item_target.size(), rows));
  for (std::size_t r = 0; r < targets.item_target.size(); ++r)
    if (targets.item_target[r] < 0)
      usage(fmt::format("item_target[{}] = {} is negative", r, targets.item_target[r]));
}

void add_producers(AssignProblem& problem, const AssignmentTargets& targets) {
  const auto rows = static_cast<std::size_t>(problem.rows);
  problem.producer_of_row.assign(rows, -1);
  if (targets.producer_of_row.empty() != targets.producer_target.empty())
    usage(fmt::format("producer_of_row has {} entries and producer_target {}: give both or "
                      "neither",
                      targets.producer_of_row.size(), targets.producer_target.size()));
  if (targets.producer_target.empty()) return;
  if (targets.producer_of_row.size() != rows)
    usage(fmt::format("producer_of_row has {} entries but top_users has {} item rows",
                      targets.producer_of_row.size(), rows));
  for (std::size_t p = 0; p < targets.producer_target.size(); ++p)
    if (targets.producer_target[p] < 0)
      usage(fmt::format("producer_target[{}] = {} is negative", p, targets.producer_target[p]));
  std::vector<std::int32_t> compact(targets.producer_target.size(), -1);
  for (std::size_t r = 0; r < rows; ++r) {
    const Index p = targets.producer_of_row[r];
    if (p < 0 || static_cast<std::size_t>(p) >= targets.producer_target.size())
      usage(fmt::format("producer_of_row[{}] = {} is not a producer below producer_target's "
                        "size {}",
                        r, p, targets.producer_target.size()));
    if (targets.producer_target[static_cast<std::size_t>(p)] == 0) continue;
    auto& slot = compact[static_cast<std::size_t>(p)];
    if (slot < 0) {
      slot = static_cast<std::int32_t>(problem.producer_index.size());
      problem.producer_index.push_back(p);
      problem.producer_target.push_back(targets.producer_target[static_cast<std::size_t>(p)]);
    }
    problem.producer_of_row[r] = slot;
  }
  const std::size_t producers = problem.producer_index.size();
  problem.producer_row_offsets.assign(producers + 1, 0);
  for (std::int32_t p : problem.producer_of_row)
    if (p >= 0) ++problem.producer_row_offsets[static_cast<std::size_t>(p) + 1];
  std::partial_sum(problem.producer_row_offsets.begin(), problem.producer_row_offsets.end(),
                   problem.producer_row_offsets.begin());
  problem.producer_rows.resize(problem.producer_row_offsets.back());
  std::vector<std::uint64_t> next(problem.producer_row_offsets.begin(),
                                  problem.producer_row_offsets.end() - 1);
  for (std::size_t r = 0; r < rows; ++r)
    if (const std::int32_t p = problem.producer_of_row[r]; p >= 0)
      problem.producer_rows[next[static_cast<std::size_t>(p)]++] = static_cast<std::uint32_t>(r);
}

void build_user_side(AssignProblem& problem, std::span<const double> user_capacity) {
  problem.inverse_n = 1.0 / static_cast<double>(std::max<std::int64_t>(1, problem.users_per_item));
  problem.user_offsets.assign(problem.users + 1, 0);
  for (Index user : problem.slot_user)
    if (user != kNoIndex) ++problem.user_offsets[static_cast<std::size_t>(user) + 1];
  std::partial_sum(problem.user_offsets.begin(), problem.user_offsets.end(),
                   problem.user_offsets.begin());
  problem.user_edges.resize(problem.user_offsets.back());
  std::vector<std::uint64_t> next(problem.user_offsets.begin(), problem.user_offsets.end() - 1);
  float low = std::numeric_limits<float>::infinity();
  float high = -low;
  for (std::size_t slot = 0; slot < problem.slot_user.size(); ++slot) {
    const Index user = problem.slot_user[slot];
    if (user == kNoIndex) continue;
    const float score = problem.slot_score[slot];
    low = std::min(low, score);
    high = std::max(high, score);
    problem.user_edges[next[static_cast<std::size_t>(user)]++] =
        UserEdge{static_cast<std::uint32_t>(slot), score};
  }
  problem.capacity.resize(problem.users);
  for (std::size_t u = 0; u < problem.users; ++u) {
    const auto degree = static_cast<double>(problem.user_offsets[u + 1] - problem.user_offsets[u]);
    problem.capacity[u] = std::ldexp(std::round(std::ldexp(std::min(user_capacity[u], degree), 20)), -20);
  }
  problem.skip = problem.leave && high >= low ? static_cast<double>(high) : 0.0;
  // Displaced scores count in the range, so B (targets first) still beats
  // any relevance difference a user's slate item makes.
  double top = high, bottom = low;
  for (double s : problem.user_skip) {
    top = std::max(top, s);
    bottom = std::min(bottom, s);
  }
  problem.score_range = top > bottom ? top - bottom : 1.0;
  problem.bonus *= problem.score_range;
}

}  // namespace

AssignProblem build_problem(const ItemTopUsers& top_users, std::span<const Index> item_index_of_row,
                            std::span<const Index> user_index_of_row, std::size_t total_users,
                            const SeenItems& seen, std::span<const double> user_capacity,
                            const AssignmentTargets& targets, const AssignmentParams& params) {
  validate(params);
  check_sizes(top_users, item_index_of_row, total_users, user_capacity, targets);
  AssignProblem problem;
  problem.rows = top_users.items;
  problem.users_per_item = top_users.users_per_item;
  problem.users = total_users;
  problem.slot_score = top_users.scores;
  problem.item_of_row = item_index_of_row;
  problem.asked_target = targets.item_target;
  problem.item_target = targets.item_target;
  problem.threads = params.threads;
  problem.bonus = params.target_weight;  // scaled by the score range below
  if (!targets.pair_impressions.empty()) {
    if (targets.pair_impressions.size() != total_users)
      usage(fmt::format("pair_impressions has {} entries but total_users is {}", targets.pair_impressions.size(),
                        total_users));
    problem.repeat.resize(total_users);
    for (std::size_t u = 0; u < total_users; ++u) {
      const double m = targets.pair_impressions[u];
      if (!(m > 0) || !std::isfinite(m) || m > 1e6)
        usage(fmt::format("pair_impressions[{}] = {} must be in (0, 1e6]", u, m));
      // At the 2^-20 resolution of the capacities, never rounded to 0.
      problem.repeat[u] = std::max(std::ldexp(std::round(std::ldexp(m, 20)), -20), std::ldexp(1.0, -20));
    }
    // All ones: the plain problem (the auction's unweighted bids).
    if (std::all_of(problem.repeat.begin(), problem.repeat.end(), [](double m) { return m == 1.0; }))
      problem.repeat.clear();
  }
  problem.leave = params.spare_capacity != "fill";
  if (params.spare_capacity == "displace") {
    if (targets.user_displaced.size() != total_users)
      usage(fmt::format("spare_capacity = \"displace\" needs user_displaced for each of the {} users; "
                        "it has {}",
                        total_users, targets.user_displaced.size()));
    for (std::size_t u = 0; u < total_users; ++u)
      if (!std::isfinite(targets.user_displaced[u]))
        usage(fmt::format("user_displaced[{}] = {} must be finite", u, targets.user_displaced[u]));
    problem.user_skip = targets.user_displaced;
  }
  add_producers(problem, targets);
  problem.slot_user = resolve_slot_users(top_users, item_index_of_row, user_index_of_row,
                                         total_users, seen, params.threads,
                                         /*finite_scores=*/true, "assign_targets");
  build_user_side(problem, user_capacity);
  return problem;
}

std::int64_t drop_short_targets(AssignProblem& problem, std::span<const double> row_impressions) {
  std::vector<std::pair<double, std::size_t>> short_rows;  // (deficit, row)
  for (std::size_t r = 0; r < row_impressions.size(); ++r) {
    const double deficit = static_cast<double>(problem.item_target[r]) - row_impressions[r];
    if (problem.item_target[r] > 0 && deficit > 0x1p-21) short_rows.emplace_back(deficit, r);
  }
  std::sort(short_rows.begin(), short_rows.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  const std::size_t drop = (short_rows.size() + 1) / 2;
  for (std::size_t k = 0; k < drop; ++k) problem.item_target[short_rows[k].second] = 0;
  return static_cast<std::int64_t>(drop);
}

std::int64_t restore_targets(AssignProblem& problem, std::span<const double> row_impressions,
                             std::int64_t count) {
  std::vector<std::pair<double, std::size_t>> dropped;  // (deficit, row)
  for (std::size_t r = 0; r < row_impressions.size(); ++r) {
    const double deficit = static_cast<double>(problem.asked_target[r]) - row_impressions[r];
    if (problem.item_target[r] == 0 && problem.asked_target[r] > 0 && deficit > 0x1p-21)
      dropped.emplace_back(deficit, r);
  }
  const auto take =
      std::min<std::size_t>(dropped.size(), static_cast<std::size_t>(std::max<std::int64_t>(count, 0)));
  // Smallest deficit first, ties to the smaller row: the pairs' order.
  std::partial_sort(dropped.begin(), dropped.begin() + static_cast<std::ptrdiff_t>(take), dropped.end());
  for (std::size_t k = 0; k < take; ++k) {
    const std::size_t r = dropped[k].second;
    problem.item_target[r] = problem.asked_target[r];
  }
  return static_cast<std::int64_t>(take);
}

double target_capacity(const AssignProblem& problem) {
  std::vector<double> per_chunk((problem.users + kUserChunk - 1) / kUserChunk, 0.0);
  parallel_tasks(per_chunk.size(), resolve_threads(problem.threads), [&](std::size_t chunk) {
    double sum = 0;
    const std::size_t end = std::min(problem.users, (chunk + 1) * kUserChunk);
    for (std::size_t u = chunk * kUserChunk; u < end; ++u) {
      std::size_t targeted = 0;
      for (const UserEdge& e : problem.edges_of(u))
        targeted += problem.item_target[problem.row_of(e)] > 0;
      sum += std::min(problem.capacity[u], static_cast<double>(targeted)) * problem.repeat_of(u);
    }
    per_chunk[chunk] = sum;
  });
  return std::accumulate(per_chunk.begin(), per_chunk.end(), 0.0);  // chunk order: any thread count
}

std::int64_t fit_targets_to_capacity(AssignProblem& problem, std::span<const double> row_impressions,
                                     double capacity) {
  double asked = 0;
  std::vector<std::pair<double, std::size_t>> rows;  // (deficit, row)
  for (std::size_t r = 0; r < row_impressions.size(); ++r) {
    if (problem.item_target[r] <= 0) continue;
    asked += static_cast<double>(problem.item_target[r]);
    rows.emplace_back(static_cast<double>(problem.item_target[r]) - row_impressions[r], r);
  }
  if (asked <= capacity) return 0;
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::int64_t dropped = 0;
  for (const auto& [deficit, r] : rows) {
    // The closest target stays even when it alone asks too much: with
    // leave, a pass without targets would list nothing.
    if (asked <= capacity || dropped + 1 == static_cast<std::int64_t>(rows.size())) break;
    asked -= static_cast<double>(problem.item_target[r]);
    problem.item_target[r] = 0;
    ++dropped;
  }
  return dropped;
}

std::int64_t count_short(const AssignProblem& problem, std::span<const double> row_impressions) {
  std::int64_t count = 0;
  for (std::size_t r = 0; r < row_impressions.size(); ++r)
    count += row_impressions[r] + 0x1p-21 < static_cast<double>(problem.asked_target[r]);
  return count;
}

double credited_impressions(const AssignProblem& problem, std::span<const double> row_impressions) {
  double sum = 0;
  for (std::size_t r = 0; r < row_impressions.size(); ++r)
    sum += std::min(static_cast<double>(problem.asked_target[r]), row_impressions[r]);
  return sum;
}

bool keep_pass(const AssignProblem& problem, std::int64_t short_now, double credited_now,
               std::int64_t short_kept, double credited_kept) {
  if (short_now != short_kept) return short_now < short_kept;
  return !problem.leave || credited_now >= credited_kept;
}

void order_static_edges(AssignProblem& problem) {
  problem.dynamic_edges.assign(problem.users, 0);
  parallel_ranges(static_cast<std::int64_t>(problem.users), problem.threads, kUserChunk,
                  [&](std::int64_t begin, std::int64_t end) {
    std::vector<UserEdge> statics;  // scratch: a stable partition without an allocation per user
    for (auto u = static_cast<std::size_t>(begin); u < static_cast<std::size_t>(end); ++u) {
      const auto first = problem.user_edges.begin() + static_cast<std::ptrdiff_t>(problem.user_offsets[u]);
      const auto last = problem.user_edges.begin() + static_cast<std::ptrdiff_t>(problem.user_offsets[u + 1]);
      statics.clear();
      auto middle = first;
      for (auto it = first; it != last; ++it)
        if (problem.dynamic_row(problem.row_of(*it))) *middle++ = *it;
        else statics.push_back(*it);
      std::sort(statics.begin(), statics.end(), [&](const UserEdge& a, const UserEdge& b) {
        if (a.score != b.score) return a.score > b.score;
        return problem.item_of_row[problem.row_of(a)] < problem.item_of_row[problem.row_of(b)];
      });
      std::copy(statics.begin(), statics.end(), middle);
      problem.dynamic_edges[u] = static_cast<std::uint32_t>(middle - first);
    }
  });
}

UserTakes::UserTakes(const AssignProblem& problem) : offsets(problem.users + 1, 0) {
  for (std::size_t u = 0; u < problem.users; ++u)
    offsets[u + 1] = offsets[u] + static_cast<std::uint64_t>(std::ceil(problem.capacity[u]));
  edge.assign(offsets.back(), 0);
}

bool list_before(const ScoredEdge& a, const ScoredEdge& b) {
  if (a.impressions != b.impressions) return a.impressions > b.impressions;
  if (a.key != b.key) return a.key > b.key;
  if (a.score != b.score) return a.score > b.score;
  return a.item < b.item;
}

PrimalValue primal_value(const AssignProblem& problem, std::span<const double> row_impressions,
                         double relevance, double skipped) {
  PrimalValue value;
  value.relevance = relevance;
  for (std::size_t r = 0; r < row_impressions.size(); ++r)
    value.target_impressions +=
        std::min(static_cast<double>(problem.item_target[r]), row_impressions[r]);
  for (std::size_t p = 0; p < problem.producer_index.size(); ++p) {
    double sum = 0;
    for (auto k = problem.producer_row_offsets[p]; k < problem.producer_row_offsets[p + 1]; ++k)
      sum += row_impressions[problem.producer_rows[k]];
    value.target_impressions += std::min(static_cast<double>(problem.producer_target[p]), sum);
  }
  value.objective = relevance - skipped + problem.bonus * value.target_impressions;
  return value;
}

namespace {
void fill_reports(const AssignProblem& problem, std::span<const double> row_impressions,
                  TargetAssignment& out) {
  const auto rows = static_cast<std::size_t>(problem.rows);
  const auto n = static_cast<std::size_t>(problem.users_per_item);
  out.items.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    ItemTargetReport& report = out.items[r];
    report.item = problem.item_of_row[r];
    report.target = problem.asked_target[r];
    report.assigned = row_impressions[r];
    double users_impressions = 0;  // each candidate user's repeats
    for (std::size_t j = 0; j < n; ++j)
      if (const Index u = problem.slot_user[r * n + j]; u != kNoIndex) {
        ++report.candidate_users;
        users_impressions += problem.repeat_of(static_cast<std::size_t>(u));
        report.reachable += std::min(1.0, problem.capacity[static_cast<std::size_t>(u)]) *
                            problem.repeat_of(static_cast<std::size_t>(u));
      }
    // A tolerance of one 2^-20 step: assigned sums are exact multiples of it.
    const auto target = static_cast<double>(report.target);
    if (report.assigned + 0x1p-21 >= target) report.reason = ShortReason::none;
    else if (users_impressions + 0x1p-21 < target) report.reason = ShortReason::too_few_users;
    else if (report.reachable + 0x1p-21 < target) report.reason = ShortReason::too_little_capacity;
    else report.reason = ShortReason::outbid;
    if (report.reason != ShortReason::none) ++out.summary.items_short;
  }
  for (std::size_t p = 0; p < problem.producer_index.size(); ++p) {
    ProducerTargetReport report{problem.producer_index[p], problem.producer_target[p], 0};
    for (auto k = problem.producer_row_offsets[p]; k < problem.producer_row_offsets[p + 1]; ++k)
      report.assigned += row_impressions[problem.producer_rows[k]];
    out.producers.push_back(report);
  }
}
}  // namespace

TargetAssignment finish_assignment(const AssignProblem& problem, const UserVerdict& verdict,
                                   std::int64_t max_candidates_per_user) {
  TargetAssignment out;
  out.users = problem.users;
  out.offsets.assign(problem.users + 1, 0);
  const auto cap = static_cast<std::uint64_t>(max_candidates_per_user);
  for (std::size_t u = 0; u < problem.users; ++u)
    out.offsets[u + 1] =
        out.offsets[u] + std::min<std::uint64_t>(problem.user_offsets[u + 1] - problem.user_offsets[u], cap);
  out.lists.resize(out.offsets.back());
  std::vector<double> row_impressions(static_cast<std::size_t>(problem.rows), 0.0);
  const std::size_t chunks = (problem.users + kUserChunk - 1) / kUserChunk;
  std::vector<double> chunk_relevance(chunks, 0.0), chunk_skipped(chunks, 0.0);
  std::vector<std::uint64_t> kept(problem.leave ? problem.users : 0);  // leave: list lengths
  parallel_tasks(chunks, resolve_threads(problem.threads), [&](std::size_t chunk) {
    std::vector<ScoredEdge> scored;
    double relevance = 0, skipped = 0;  // local: chunks beside each other share cache lines
    const std::size_t end = std::min(problem.users, (chunk + 1) * kUserChunk);
    for (std::size_t u = chunk * kUserChunk; u < end; ++u) {
      verdict(u, scored);
      for (const ScoredEdge& e : scored) {
        if (e.impressions == 0) continue;
        // Exact: impressions are multiples of 2^-20, so the sum has no order.
        std::atomic_ref<double>(row_impressions[problem.row_of(problem.edges_of(u)[e.edge])])
            .fetch_add(e.impressions);
        relevance += e.impressions * e.score;
        skipped += e.impressions * problem.skip_of(u);
      }
      // Only the capped head is kept; list_before is a total order (items
      // are distinct in a user's list), so the head is sort's.
      std::size_t count = out.offsets[u + 1] - out.offsets[u];
      if (problem.leave) {
        const auto assigned = static_cast<std::size_t>(std::count_if(
            scored.begin(), scored.end(), [](const ScoredEdge& e) { return e.impressions > 0; }));
        count = std::min(count, assigned);
        kept[u] = count;
      }
      const auto head = scored.begin() + static_cast<std::ptrdiff_t>(count);
      if (count < scored.size()) std::partial_sort(scored.begin(), head, scored.end(), list_before);
      else std::sort(scored.begin(), scored.end(), list_before);
      for (std::size_t k = 0; k < count; ++k) {
        const UserEdge& edge = problem.edges_of(u)[scored[k].edge];
        out.lists[out.offsets[u] + k] =
            Candidate{scored[k].item, edge.score, problem.rank_of(edge)};
      }
    }
    chunk_relevance[chunk] = relevance;
    chunk_skipped[chunk] = skipped;
  });
  if (problem.leave) {  // drop the unassigned tails: lists hold the assigned pairs only
    std::uint64_t end = 0;
    for (std::size_t u = 0; u < problem.users; ++u) {
      std::copy_n(out.lists.begin() + static_cast<std::ptrdiff_t>(out.offsets[u]), kept[u],
                  out.lists.begin() + static_cast<std::ptrdiff_t>(end));
      out.offsets[u] = end;
      end += kept[u];
    }
    out.offsets[problem.users] = end;
    out.lists.resize(end);
  }
  const PrimalValue value = primal_value(
      problem, row_impressions, std::accumulate(chunk_relevance.begin(), chunk_relevance.end(), 0.0),
      std::accumulate(chunk_skipped.begin(), chunk_skipped.end(), 0.0));
  out.summary.objective = value.objective;
  out.summary.relevance = value.relevance;
  out.summary.target_impressions = value.target_impressions;
  out.summary.target_bonus = problem.bonus;
  fill_reports(problem, row_impressions, out);
  return out;
}

}  // namespace invr::inverse
