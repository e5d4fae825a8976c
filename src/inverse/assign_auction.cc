// The scalable solver: prices from the Lagrangian dual of the assignment LP,
// by block coordinate descent with ε-bids (an auction). docs/assignment.md
// derives it; in short, with w = score + μ(item) + ρ(producer):
//   D(λ, μ, ρ) = Σ_u c_u λ_u + Σ_i T_i (B - μ_i) + Σ_p P_p (B - ρ_p)
//              + Σ_(i,u) max(0, w - λ_u),   μ, ρ in [0, B], λ free,
// an upper bound on every assignment's objective (weak duality). Each round
//   items bid:     μ_i = clamp(ε - (T_i-th largest of score - pay_u + ρ), 0, B)
//                  where pay_u is what it takes to keep or win user u (UserPrices)
//   producers bid: ρ_p = the same over the producer's pairs, with μ for ρ
//   users choose:  their top ceil(c_u) pairs by w (the last one for the
//                  fraction of c_u), the primal, always feasible; D is
//                  evaluated at λ_u = the (floor(c_u)+1)-th largest w, its
//                  exact minimiser given μ and ρ. The best primal and the
// lowest D so far give the reported gap. O(E) time and no allocation per
// round beyond scratch; the user pass reads its edges sequentially.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "assign_problem.h"
#include "common/parallel.h"

namespace invr::inverse {
namespace {

constexpr std::size_t kUserChunk = 4096;
constexpr std::size_t kRowChunk = 64;

bool choice_before(const ScoredEdge& a, const ScoredEdge& b) {
  if (a.key != b.key) return a.key > b.key;
  if (a.score != b.score) return a.score > b.score;
  return a.item < b.item;
}

// What an item pays for a user: an edge the user takes must stay above the
// best edge it leaves (hold); one it leaves must beat the worst it takes
// (entry). Bidding against these, not against the dual price λ_u (which is
// often the bidder's own w), is what makes the auction move.
struct UserPrices {
  double hold = -std::numeric_limits<double>::infinity();
  double entry = std::numeric_limits<double>::infinity();
};

// User u's pairs keyed by w, the top ceil(c) given their expected impressions
// (scored[0..floor(c)) one each, scored[floor(c)] the fraction). Adds the
// user's dual term (at λ_u, its exact minimiser) to *dual.
UserPrices user_choice(const AssignProblem& problem, std::size_t u,
                       std::span<const double> premium, std::vector<ScoredEdge>& scored,
                       double* dual) {
  const auto edges = problem.edges_of(u);
  scored.resize(edges.size());
  for (std::size_t k = 0; k < edges.size(); ++k) {
    const UserEdge& e = edges[k];
    scored[k] = ScoredEdge{0, e.score + premium[e.row], e.score,
                           problem.item_of_row[e.row], static_cast<std::uint32_t>(k)};
  }
  UserPrices prices;
  if (scored.empty()) return prices;
  const double capacity = problem.capacity[u];
  const auto whole = static_cast<std::size_t>(capacity);  // capacity <= edges by construction
  const bool fraction = capacity > static_cast<double>(whole);
  auto by_key = [](const ScoredEdge& a, const ScoredEdge& b) { return a.key < b.key; };
  double term;
  if (whole < scored.size()) {
    const auto pivot = scored.begin() + static_cast<std::ptrdiff_t>(whole);
    std::nth_element(scored.begin(), pivot, scored.end(), choice_before);
    const double price = pivot->key;  // λ_u
    term = capacity * price;
    for (const ScoredEdge& e : scored) term += std::max(0.0, e.key - price);
    pivot->impressions = capacity - static_cast<double>(whole);
    if (fraction) {
      prices.entry = price;
      if (pivot + 1 != scored.end()) prices.hold = std::max_element(pivot + 1, scored.end(), by_key)->key;
    } else {
      prices.hold = price;
      if (whole > 0) prices.entry = std::min_element(scored.begin(), pivot, by_key)->key;
    }
  } else {  // takes every pair: any λ_u <= min w is optimal and the term is Σ w
    term = 0;
    for (const ScoredEdge& e : scored) term += e.key;
    prices.entry = std::min_element(scored.begin(), scored.end(), by_key)->key;
  }
  for (std::size_t k = 0; k < std::min(whole, scored.size()); ++k) scored[k].impressions = 1;
  *dual += term;
  return prices;
}

// clamp(eps - (k-th largest of values), 0, bonus); bonus when fewer than k.
double bid(std::vector<double>& values, std::int64_t k, double eps, double bonus) {
  if (k <= 0) return 0;
  if (static_cast<std::int64_t>(values.size()) < k) return bonus;
  const auto kth = values.begin() + (k - 1);
  std::nth_element(values.begin(), kth, values.end(), std::greater<>());
  return std::clamp(eps - *kth, 0.0, bonus);
}

class Auction {
 public:
  Auction(const AssignProblem& problem, const AssignmentParams& params)
      : p_(problem),
        threads_(resolve_threads(params.threads)),
        item_price_(static_cast<std::size_t>(problem.rows), 0.0),
        producer_price_(problem.producer_index.size(), 0.0),
        user_price_(problem.users),
        premium_(static_cast<std::size_t>(problem.rows), 0.0),
        taken_(problem.slot_user.size(), 0) {}

  // One round at bid increment eps; returns (dual bound, primal objective).
  std::pair<double, double> round(double eps) {
    items_bid(eps);
    producers_bid(eps);
    for (std::size_t r = 0; r < premium_.size(); ++r) {
      const std::int32_t p = p_.producer_of_row[r];
      premium_[r] = item_price_[r] + (p >= 0 ? producer_price_[static_cast<std::size_t>(p)] : 0.0);
    }
    double dual = 0;
    for (std::size_t r = 0; r < item_price_.size(); ++r)
      dual += static_cast<double>(p_.item_target[r]) * (p_.bonus - item_price_[r]);
    for (std::size_t q = 0; q < producer_price_.size(); ++q)
      dual += static_cast<double>(p_.producer_target[q]) * (p_.bonus - producer_price_[q]);
    const auto [user_dual, primal] = users_price();
    return {dual + user_dual, primal};
  }

  const std::vector<double>& premium() const { return premium_; }
  const std::vector<double>& row_impressions() const { return row_impressions_; }

 private:
  void items_bid(double eps) {
    const auto rows = static_cast<std::size_t>(p_.rows);
    const auto n = static_cast<std::size_t>(p_.users_per_item);
    parallel_tasks((rows + kRowChunk - 1) / kRowChunk, threads_, [&](std::size_t chunk) {
      std::vector<double> values;
      for (std::size_t r = chunk * kRowChunk; r < std::min(rows, (chunk + 1) * kRowChunk); ++r) {
        values.clear();
        const std::int32_t p = p_.producer_of_row[r];
        const double rho = p >= 0 ? producer_price_[static_cast<std::size_t>(p)] : 0.0;
        if (p_.item_target[r] > 0)
          for (std::size_t j = 0; j < n; ++j)
            if (const Index u = p_.slot_user[r * n + j]; u != kNoIndex)
              values.push_back(p_.slot_score[r * n + j] - pay(u, r * n + j) + rho);
        item_price_[r] = bid(values, p_.item_target[r], eps, p_.bonus);
      }
    });
  }

  void producers_bid(double eps) {
    const auto n = static_cast<std::size_t>(p_.users_per_item);
    parallel_tasks(producer_price_.size(), threads_, [&](std::size_t q) {
      std::vector<double> values;
      for (auto k = p_.producer_row_offsets[q]; k < p_.producer_row_offsets[q + 1]; ++k) {
        const std::size_t r = p_.producer_rows[k];
        for (std::size_t j = 0; j < n; ++j)
          if (const Index u = p_.slot_user[r * n + j]; u != kNoIndex)
            values.push_back(p_.slot_score[r * n + j] - pay(u, r * n + j) + item_price_[r]);
      }
      producer_price_[q] = bid(values, p_.producer_target[q], eps, p_.bonus);
    });
  }

  // Prices every user, summing the users' dual terms and the primal.
  std::pair<double, double> users_price() {
    const std::size_t chunks = (p_.users + kUserChunk - 1) / kUserChunk;
    std::vector<double> chunk_dual(chunks, 0.0), chunk_relevance(chunks, 0.0);
    std::vector<double>& row_impressions = row_impressions_;
    row_impressions.assign(premium_.size(), 0.0);
    parallel_tasks(chunks, threads_, [&](std::size_t chunk) {
      std::vector<ScoredEdge> scored;
      for (std::size_t u = chunk * kUserChunk; u < std::min(p_.users, (chunk + 1) * kUserChunk);
           ++u) {
        user_price_[u] = user_choice(p_, u, premium_, scored, &chunk_dual[chunk]);
        const auto edges = p_.edges_of(u);
        const auto n = static_cast<std::size_t>(p_.users_per_item);
        for (const ScoredEdge& e : scored) {
          const UserEdge& edge = edges[e.edge];
          const std::size_t slot = edge.row * n + static_cast<std::size_t>(edge.rank - 1);
          taken_[slot] = e.impressions > 0;  // each slot is one user's: no race
          if (e.impressions == 0) continue;
          // Exact: impressions are multiples of 2^-20 (assign_problem.h).
          std::atomic_ref<double>(row_impressions[edges[e.edge].row]).fetch_add(e.impressions);
          chunk_relevance[chunk] += e.impressions * e.score;
        }
      }
    });
    const double relevance = std::accumulate(chunk_relevance.begin(), chunk_relevance.end(), 0.0);
    return {std::accumulate(chunk_dual.begin(), chunk_dual.end(), 0.0),
            primal_value(p_, row_impressions, relevance).objective};
  }

  // What slot's item pays for user u this round.
  double pay(Index u, std::size_t slot) const {
    const UserPrices& prices = user_price_[static_cast<std::size_t>(u)];
    return taken_[slot] ? prices.hold : prices.entry;
  }

  const AssignProblem& p_;
  int threads_;
  std::vector<double> item_price_, producer_price_;
  std::vector<UserPrices> user_price_;
  std::vector<double> premium_;
  std::vector<double> row_impressions_;  // the last round's primal, per row
  std::vector<std::uint8_t> taken_;  // per slot: its user took it last round
};

// The users' choice at `premium` per user edge, topped up; its items short.
struct Choice {
  std::vector<float> x;  // per user edge: multiples of 2^-20 in [0, 1], exact
  std::vector<double> rows;
  std::int64_t top_ups = 0;
  std::int64_t items_short = 0;
};

Choice choose(AssignProblem& problem, std::span<const double> premium, int threads) {
  Choice c;
  c.x.assign(problem.edges(), 0.0f);
  const std::size_t chunks = (problem.users + kUserChunk - 1) / kUserChunk;
  parallel_tasks(chunks, threads, [&](std::size_t chunk) {
    std::vector<ScoredEdge> scored;
    double unused = 0;
    for (std::size_t u = chunk * kUserChunk; u < std::min(problem.users, (chunk + 1) * kUserChunk);
         ++u) {
      user_choice(problem, u, premium, scored, &unused);
      for (const ScoredEdge& e : scored)
        c.x[problem.user_offsets[u] + e.edge] = static_cast<float>(e.impressions);
    }
  });
  c.rows.assign(static_cast<std::size_t>(problem.rows), 0.0);
  for (std::size_t k = 0; k < c.x.size(); ++k) c.rows[problem.user_edges[k].row] += c.x[k];
  c.top_ups = top_up_short_items(problem, c.x, c.rows);
  c.items_short = count_short(problem, c.rows);
  return c;
}

}  // namespace

TargetAssignment solve_auction(AssignProblem& problem, const AssignmentParams& params) {
  const int threads = resolve_threads(params.threads);
  Auction auction(problem, params);  // prices carry over from pass to pass (warm start)
  const double range = problem.score_range;
  const double eps_floor = 1e-6 * range;
  std::int64_t iterations = 0, passes = 0, dropped = 0;
  // The pass that leaves the fewest items short after its top-up (later on
  // ties) is returned.
  Choice kept;
  kept.items_short = std::numeric_limits<std::int64_t>::max();
  std::int64_t kept_dropped = 0;
  double kept_dual = 0;
  std::vector<double> kept_premium;
  std::vector<std::int64_t> kept_targets;
  for (;;) {
    ++passes;
    // ε-scaling: large bids first settle who is contested, small ones refine;
    // later passes start from warm prices, so from smaller bids.
    double eps = (passes == 1 ? 0.05 : 0.005) * range;
    double best_dual = std::numeric_limits<double>::infinity();
    double best_primal = -std::numeric_limits<double>::infinity();
    std::vector<double> best_premium = auction.premium();
    // The first pass gets half the rounds; the others share the rest.
    const std::int64_t left = params.max_iterations - iterations;
    const std::int64_t passes_left = params.completion_passes + 2 - passes;
    const std::int64_t budget = std::max<std::int64_t>(
        1, passes == 1 && params.completion_passes > 0 ? left / 2 : left / passes_left);
    for (std::int64_t round = 0; round < budget; ++round) {
      const auto [dual, primal] = auction.round(eps);
      ++iterations;
      best_dual = std::min(best_dual, dual);
      if (primal > best_primal) {
        best_primal = primal;
        best_premium = auction.premium();
      }
      if (best_dual - best_primal <= params.tolerance * std::max(1.0, std::abs(best_dual))) break;
      eps = std::max(eps_floor, eps * 0.7);
    }
    Choice choice = choose(problem, best_premium, threads);
    const std::vector<double> rows = choice.rows;
    if (choice.items_short <= kept.items_short) {
      kept = std::move(choice);
      kept_dual = best_dual;
      kept_premium = std::move(best_premium);
      kept_targets = problem.item_target;
      kept_dropped = dropped;
    }
    if (kept.items_short == 0 || passes > params.completion_passes ||
        iterations >= params.max_iterations)
      break;
    const std::int64_t now = drop_short_targets(problem, rows);
    if (now == 0) break;
    dropped += now;
  }
  problem.item_target = kept_targets;
  const std::span<const double> premium = kept_premium;
  const std::vector<float>& x = kept.x;
  TargetAssignment out = finish_assignment(
      problem,
      [&](std::size_t u, std::vector<ScoredEdge>& scored) {
        const auto edges = problem.edges_of(u);
        scored.resize(edges.size());
        for (std::size_t k = 0; k < edges.size(); ++k)
          scored[k] = ScoredEdge{x[problem.user_offsets[u] + k],
                                 edges[k].score + premium[edges[k].row], edges[k].score,
                                 problem.item_of_row[edges[k].row], static_cast<std::uint32_t>(k)};
      },
      params.max_candidates_per_user);
  out.summary.top_ups = kept.top_ups;
  out.summary.solver = "auction";
  out.summary.iterations = iterations;
  out.summary.passes = passes;
  out.summary.targets_dropped = kept_dropped;
  out.summary.dual_bound = kept_dual;
  out.summary.gap = out.summary.dual_bound - out.summary.objective;
  return out;
}

}  // namespace invr::inverse
