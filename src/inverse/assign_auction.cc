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
//                  exact minimiser given μ and ρ. With spare_capacity =
//                  "leave" or "displace" each user also has unlimited empty
//                  slots worth skip_of(u): only pairs with w > skip are
//                  choices, λ_u >= skip, and every term counts w - skip
//                  (docs/assignment.md, "Spare capacity").
// The best primal and the lowest D so far give the reported gap. O(E) time and no allocation per
// round beyond scratch; the user pass reads its edges sequentially.
#include <algorithm>
#include <mutex>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "assign_problem.h"
#include "common/parallel.h"

namespace invr::inverse {

// A weighted quickselect: split at the middle value (nth_element), keep the
// half holding the k-th impression, repeat; expected O(values) where
// sorting the ceil(k / smallest weight) largest values sorts nearly all of
// them once some user's weight is tiny. Equal values occupy the same
// stretch of cumulative weight in any order, and weights are multiples of
// 2^-20, so the value found does not depend on how ties are arranged.
double weighted_bid(std::vector<std::pair<double, double>>& values, std::int64_t k, double eps,
                    double bonus) {
  if (k <= 0) return 0;
  auto larger = [](const auto& a, const auto& b) { return a.first > b.first; };
  constexpr double kSlack = 0x1p-21;  // half a 2^-20 step
  double remaining = static_cast<double>(k);
  auto lo = values.begin(), hi = values.end();
  while (hi - lo > 16) {
    const auto mid = lo + (hi - lo) / 2;
    std::nth_element(lo, mid, hi, larger);  // [lo, mid) >= *mid >= (mid, hi)
    double upper = 0;
    for (auto it = lo; it != mid; ++it) upper += it->second;
    if (upper + kSlack >= remaining) {
      hi = mid;
    } else if (upper + mid->second + kSlack >= remaining) {
      return std::clamp(eps - mid->first, 0.0, bonus);
    } else {
      remaining -= upper + mid->second;
      lo = mid + 1;
    }
  }
  std::sort(lo, hi, larger);
  double count = 0;
  for (auto it = lo; it != hi; ++it)
    if ((count += it->second) + kSlack >= remaining) return std::clamp(eps - it->first, 0.0, bonus);
  return bonus;
}

namespace {

constexpr std::size_t kUserChunk = 4096;
constexpr std::size_t kRowChunk = 64;
// Users who take at most this many pairs, minus 2, keep their best pairs in
// a sorted array while reading their edges once (the common case: a capacity
// of a few slots); others select with nth_element.
constexpr std::size_t kSmallChoice = 8;

// What an item pays for a user: an edge the user takes must stay above the
// best edge it leaves (hold); one it leaves must beat the worst it takes
// (entry). Bidding against these, not against the dual price λ_u (which is
// often the bidder's own w), is what makes the auction move.
struct UserPrices {
  double hold = -std::numeric_limits<double>::infinity();
  double entry = std::numeric_limits<double>::infinity();
};

// One of a user's pairs keyed by w = score + premium; k = its edge offset.
struct Keyed {
  double key = 0;
  float score = 0.0f;
  std::uint32_t k = 0;
};

// User u's pairs ordered by w (then score, then item): the first ceil(c) are
// taken (`takes`, best first, the last with the fraction of c); adds the
// user's dual term at λ_u = the (floor(c)+1)-th w, its exact minimiser, to
// *dual. Reads the user's edges once; selects the best floor(c) + 2.
UserPrices user_choice(const AssignProblem& problem, std::size_t u,
                       std::span<const double> premium, std::span<std::uint32_t> takes,
                       std::vector<Keyed>& best, double* dual) {
  const auto edges = problem.edges_of(u);
  UserPrices prices;
  const std::size_t degree = edges.size();
  if (degree == 0) return prices;
  const double capacity = problem.capacity[u];
  const auto whole = static_cast<std::size_t>(capacity);  // capacity <= edges by construction
  const bool fraction = capacity > static_cast<double>(whole);
  // With leave, a pair is a choice only when its w beats the empty slot's
  // value (skip), and λ_u >= skip: unlimited empty slots are always there.
  const double skip = problem.skip_of(u);
  const double floor_key = problem.leave ? skip : -std::numeric_limits<double>::infinity();
  auto before = [&](const Keyed& a, const Keyed& b) {
    if (a.key != b.key) return a.key > b.key;
    if (a.score != b.score) return a.score > b.score;
    return problem.item_of_row[problem.row_of(edges[a.k])] <
           problem.item_of_row[problem.row_of(edges[b.k])];
  };
  auto keyed = [&](std::size_t k) {
    return Keyed{edges[k].score + premium[problem.row_of(edges[k])], edges[k].score,
                 static_cast<std::uint32_t>(k)};
  };
  const std::size_t keep = std::min(whole + 2, degree);
  // Static edges (order_static_edges) come best first with key = score: only
  // the first `keep` choices among them can be in the user's best `keep`, and
  // none after the first that fails floor_key. So `choices` counts at most
  // keep static ones, which decides the same as the full count (both are
  // only compared with whole + 1 < keep).
  const std::size_t dynamic = problem.dynamic_of(u);
  auto read = [&](auto&& add) {
    for (std::size_t k = 0; k < dynamic; ++k)
      if (const Keyed e = keyed(k); e.key > floor_key) add(e);
    for (std::size_t k = dynamic, taken = 0; k < degree && taken < keep; ++k, ++taken) {
      const Keyed e = keyed(k);
      if (!(e.key > floor_key)) break;
      add(e);
    }
  };
  std::size_t choices = 0;  // pairs above floor_key
  if (keep <= kSmallChoice) {  // best[0..keep), sorted, filled by insertion
    best.resize(keep);
    std::size_t size = 0;
    read([&](const Keyed& e) {
      ++choices;
      if (size == keep && !before(e, best[keep - 1])) return;
      std::size_t at = size < keep ? size++ : keep - 1;
      for (; at > 0 && before(e, best[at - 1]); --at) best[at] = best[at - 1];
      best[at] = e;
    });
  } else {  // best[whole] is the pivot, better ones before it, the next best after it
    best.clear();
    read([&](const Keyed& e) { best.push_back(e); });
    choices = best.size();
    if (whole < choices) {
      const auto pivot = best.begin() + static_cast<std::ptrdiff_t>(whole);
      std::nth_element(best.begin(), pivot, best.end(), before);
      if (pivot + 1 != best.end())
        std::iter_swap(pivot + 1, std::min_element(pivot + 1, best.end(), before));
    }
  }
  if (whole >= choices) {  // takes every choice: λ_u = skip (leave) or <= the least w (fill)
    double term = 0;
    for (std::size_t k = 0; k < choices; ++k) {
      term += best[k].key - skip;
      prices.entry = std::min(prices.entry, best[k].key);
      takes[k] = best[k].k;
    }
    for (std::size_t k = choices; k < takes.size(); ++k) takes[k] = UserTakes::kEmpty;
    if (problem.leave) prices.hold = prices.entry = skip;
    *dual += term * problem.repeat_of(u);
    return prices;
  }
  const double price = best[whole].key;  // λ_u (> skip with leave)
  double term = capacity * (price - skip);
  for (std::size_t k = 0; k < whole; ++k) term += std::max(0.0, best[k].key - price);
  *dual += term * problem.repeat_of(u);  // each pair is repeat_of(u) impressions
  if (fraction) {
    prices.entry = price;
    if (whole + 1 < choices) prices.hold = best[whole + 1].key;
  } else {
    prices.hold = price;
    if (whole > 0) {
      prices.entry = best[0].key;
      for (std::size_t k = 1; k < whole; ++k) prices.entry = std::min(prices.entry, best[k].key);
    }
  }
  if (problem.leave) prices.hold = std::max(prices.hold, skip);
  for (std::size_t k = 0; k < takes.size(); ++k) takes[k] = best[k].k;
  return prices;
}

// Adds the expected impressions of users[0..count) under `takes` to
// row_impressions (user(k) gives the k-th user). Sums of multiples of 2^-20
// are exact, so the per-thread partial sums and their merge give the same
// bits in any order (and, unlike atomic adds to shared rows, no cache line
// moves between threads per pair).
template <class UserOf>
void add_row_impressions(const AssignProblem& problem, const UserTakes& takes, int threads,
                         std::size_t count, UserOf user, std::vector<double>& row_impressions) {
  std::mutex merge;
  auto add = [&](std::int64_t begin, std::int64_t end) {
    std::vector<double> local(row_impressions.size(), 0.0);
    for (auto k = static_cast<std::size_t>(begin); k < static_cast<std::size_t>(end); ++k) {
      const std::size_t u = user(k);
      const auto taken = takes.of(u);
      const auto edges = problem.edges_of(u);
      for (std::size_t pos = 0; pos < taken.size(); ++pos)
        if (taken[pos] != UserTakes::kEmpty)
          local[problem.row_of(edges[taken[pos]])] += UserTakes::amount(problem, u, pos);
    }
    std::lock_guard lock(merge);
    for (std::size_t r = 0; r < local.size(); ++r) row_impressions[r] += local[r];
  };
  parallel_ranges(static_cast<std::int64_t>(count), threads, 1 << 16, add);
}

void add_row_impressions(const AssignProblem& problem, const UserTakes& takes, int threads,
                         std::vector<double>& row_impressions) {
  add_row_impressions(problem, takes, threads, problem.users, [](std::size_t u) { return u; },
                      row_impressions);
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
        taken_(problem.slot_user.size(), 0),
        takes_(problem) {
    // Nothing taken before the first round, as taken_ says.
    std::fill(takes_.edge.begin(), takes_.edge.end(), UserTakes::kEmpty);
  }

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
  const UserTakes& takes() const { return takes_; }

 private:
  void items_bid(double eps) {
    const auto rows = static_cast<std::size_t>(p_.rows);
    const auto n = static_cast<std::size_t>(p_.users_per_item);
    parallel_tasks((rows + kRowChunk - 1) / kRowChunk, threads_, [&](std::size_t chunk) {
      std::vector<std::pair<double, double>> values;  // (value, the user's impressions per pair)
      for (std::size_t r = chunk * kRowChunk; r < std::min(rows, (chunk + 1) * kRowChunk); ++r) {
        values.clear();
        const std::int32_t p = p_.producer_of_row[r];
        const double rho = p >= 0 ? producer_price_[static_cast<std::size_t>(p)] : 0.0;
        if (p_.item_target[r] > 0)
          for (std::size_t j = 0; j < n; ++j)
            if (const Index u = p_.slot_user[r * n + j]; u != kNoIndex)
              values.emplace_back(p_.slot_score[r * n + j] - pay(u, r * n + j) + rho,
                                  p_.repeat_of(static_cast<std::size_t>(u)));
        item_price_[r] = weighted_bid(values, p_.item_target[r], eps, p_.bonus);
      }
    });
  }

  void producers_bid(double eps) {
    const auto n = static_cast<std::size_t>(p_.users_per_item);
    parallel_tasks(producer_price_.size(), threads_, [&](std::size_t q) {
      std::vector<std::pair<double, double>> values;
      for (auto k = p_.producer_row_offsets[q]; k < p_.producer_row_offsets[q + 1]; ++k) {
        const std::size_t r = p_.producer_rows[k];
        for (std::size_t j = 0; j < n; ++j)
          if (const Index u = p_.slot_user[r * n + j]; u != kNoIndex)
            values.emplace_back(p_.slot_score[r * n + j] - pay(u, r * n + j) + item_price_[r],
                                p_.repeat_of(static_cast<std::size_t>(u)));
      }
      producer_price_[q] = weighted_bid(values, p_.producer_target[q], eps, p_.bonus);
    });
  }

  // Prices every user, summing the users' dual terms and the primal. A
  // user without dynamic edges (order_static_edges) chooses among pairs
  // whose premium is always 0, so the same every round: such users are
  // priced once (the first round) and their sums kept; later rounds price
  // only the others.
  std::pair<double, double> users_price() {
    if (!fixed_.priced) {
      for (std::size_t u = 0; u < p_.users; ++u)
        (p_.dynamic_of(u) > 0 ? active_ : fixed_users_).push_back(static_cast<Index>(u));
      fixed_.sums = price_users(fixed_users_);
      fixed_.rows.assign(premium_.size(), 0.0);
      add_row_impressions(p_, takes_, threads_, fixed_users_.size(),
                          [&](std::size_t k) { return static_cast<std::size_t>(fixed_users_[k]); },
                          fixed_.rows);
      fixed_.priced = true;
    }
    const Sums sums = price_users(active_);
    row_impressions_ = fixed_.rows;
    add_row_impressions(p_, takes_, threads_, active_.size(),
                        [&](std::size_t k) { return static_cast<std::size_t>(active_[k]); },
                        row_impressions_);
    return {fixed_.sums.dual + sums.dual,
            primal_value(p_, row_impressions_, fixed_.sums.relevance + sums.relevance,
                         fixed_.sums.skipped + sums.skipped)
                .objective};
  }

  // The users' dual terms, relevance and skipped value (primal_value's).
  struct Sums {
    double dual = 0, relevance = 0, skipped = 0;
  };

  // Prices `users`, setting their takes, taken flags and prices.
  Sums price_users(std::span<const Index> users) {
    const std::size_t chunks = (users.size() + kUserChunk - 1) / kUserChunk;
    std::vector<Sums> chunk_sums(chunks);
    parallel_tasks(chunks, threads_, [&](std::size_t chunk) {
      std::vector<Keyed> best;
      std::vector<std::uint32_t> before;  // the user's takes last round
      Sums sum;  // local: chunks beside each other share cache lines
      for (std::size_t k = chunk * kUserChunk; k < std::min(users.size(), (chunk + 1) * kUserChunk);
           ++k) {
        const auto u = static_cast<std::size_t>(users[k]);
        const auto edges = p_.edges_of(u);
        const auto takes = takes_.of(u);
        // The slots' taken flags follow the user's takes (a slot is one
        // user's: no race). Only changed takes are written: the flags are
        // spread over every slot, and most users keep their choice from
        // round to round.
        before.assign(takes.begin(), takes.end());
        user_price_[u] = user_choice(p_, u, premium_, takes, best, &sum.dual);
        auto held = [](std::span<const std::uint32_t> set, std::uint32_t e) {
          return std::find(set.begin(), set.end(), e) != set.end();
        };
        for (std::uint32_t e : before)
          if (e != UserTakes::kEmpty && !held(takes, e)) taken_[edges[e].slot] = 0;
        for (std::uint32_t e : takes)
          if (e != UserTakes::kEmpty && !held(before, e)) taken_[edges[e].slot] = 1;
        for (std::size_t pos = 0; pos < takes.size(); ++pos) {
          if (takes[pos] == UserTakes::kEmpty) continue;
          const UserEdge& edge = edges[takes[pos]];
          sum.relevance += UserTakes::amount(p_, u, pos) * edge.score;
          sum.skipped += UserTakes::amount(p_, u, pos) * p_.skip_of(u);
        }
      }
      chunk_sums[chunk] = sum;
    });
    Sums total;
    for (const Sums& c : chunk_sums) {
      total.dual += c.dual;
      total.relevance += c.relevance;
      total.skipped += c.skipped;
    }
    return total;
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
  UserTakes takes_;  // the last round's choice
  std::vector<Index> active_, fixed_users_;  // users with dynamic edges, and the others
  struct {
    bool priced = false;
    Sums sums;
    std::vector<double> rows;  // their impressions per row
  } fixed_;  // the users priced once
};

// A pass's choice (its best round's takes), topped up; its items short.
struct Choice {
  UserTakes takes;
  std::vector<double> rows;
  std::int64_t top_ups = 0;
  std::int64_t items_short = 0;
  double credited = 0;  // toward the caller's targets
};

Choice top_up(AssignProblem& problem, UserTakes takes) {
  Choice c{std::move(takes), std::vector<double>(static_cast<std::size_t>(problem.rows), 0.0)};
  add_row_impressions(problem, c.takes, resolve_threads(problem.threads), c.rows);
  c.top_ups = top_up_short_items(problem, c.takes, c.rows);
  c.items_short = count_short(problem, c.rows);
  c.credited = credited_impressions(problem, c.rows);
  return c;
}

// Targets asking more than the users can give: one probe round (every
// target bids B, so users choose by score) ranks the items by deficit, and
// those furthest below lose their targets until the rest fit
// (fit_targets_to_capacity says why). The passes then bid only for items
// that can all be completed, and the dropped items' pairs are static
// (order_static_edges), so cheap. Returns whether the probe ran; *dropped
// says how many targets it dropped.
bool fit_before_bidding(AssignProblem& problem, const AssignmentParams& params,
                        std::int64_t* dropped) {
  const double asked = std::accumulate(problem.item_target.begin(), problem.item_target.end(), 0.0);
  const double capacity = target_capacity(problem);
  if (!(asked > capacity)) return false;
  Auction probe(problem, params);
  probe.round(0.05 * problem.score_range);  // the first pass's first bid
  *dropped = fit_targets_to_capacity(problem, probe.row_impressions(), capacity);
  return true;
}

}  // namespace

TargetAssignment solve_auction(AssignProblem& problem, const AssignmentParams& params) {
  const double range = problem.score_range;
  const double eps_floor = 1e-6 * range;
  std::int64_t iterations = 0, passes = 0, dropped = 0;
  std::int64_t step = 0;  // targets the last drop or restore changed
  if (params.completion_passes > 0 && params.fit_to_capacity &&
      fit_before_bidding(problem, params, &step)) {
    ++iterations;
    dropped = step;
  }
  order_static_edges(problem);
  Auction auction(problem, params);  // prices carry over from pass to pass (warm start)
  // The pass that leaves the fewest items short after its top-up (later on
  // ties) is returned.
  Choice kept{UserTakes(problem), {}};
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
    UserTakes best_takes = auction.takes();  // the users' choice at best_premium
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
        best_takes = auction.takes();
      }
      if (best_dual - best_primal <= params.tolerance * std::max(1.0, std::abs(best_dual))) break;
      eps = std::max(eps_floor, eps * 0.7);
    }
    Choice choice = top_up(problem, std::move(best_takes));
    const std::vector<double> rows = choice.rows;
    if (keep_pass(problem, choice.items_short, choice.credited, kept.items_short, kept.credited)) {
      kept = std::move(choice);
      kept_dual = best_dual;
      kept_premium = std::move(best_premium);
      kept_targets = problem.item_target;
      kept_dropped = dropped;
    }
    if (kept.items_short == 0 || passes > params.completion_passes ||
        iterations >= params.max_iterations)
      break;
    std::int64_t now = drop_short_targets(problem, rows);
    if (now == 0 && !params.fit_to_capacity) break;
    if (now > 0) {
      dropped += now;
      step = now;
    } else {  // every kept target met: half the last drop comes back
      now = restore_targets(problem, rows, (step + 1) / 2);
      if (now == 0) break;
      dropped -= now;
      step = now;
    }
  }
  problem.item_target = kept_targets;
  const std::span<const double> premium = kept_premium;
  TargetAssignment out = finish_assignment(
      problem,
      [&](std::size_t u, std::vector<ScoredEdge>& scored) {
        const auto edges = problem.edges_of(u);
        scored.resize(edges.size());
        for (std::size_t k = 0; k < edges.size(); ++k) {
          const std::uint32_t row = problem.row_of(edges[k]);
          scored[k] = ScoredEdge{0, edges[k].score + premium[row], edges[k].score,
                                 problem.item_of_row[row], static_cast<std::uint32_t>(k)};
        }
        const auto taken = kept.takes.of(u);
        for (std::size_t pos = 0; pos < taken.size(); ++pos)
          if (taken[pos] != UserTakes::kEmpty)
            scored[taken[pos]].impressions = UserTakes::amount(problem, u, pos);
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
