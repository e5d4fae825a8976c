// The assignment stage (invr/assign.h): the exact solver against exhaustive
// enumeration, the auction against the exact optimum within its reported
// gap, short items and their reasons, users without capacity, ties, and
// caller mistakes.
#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>
#include <random>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "invr/assign.h"
#include "invr/error.h"
#include "inverse/assign_problem.h"

namespace invr {
namespace {

// A random instance: `items` item rows (dataset items 100 + r), `users` user
// rows mapped to dataset users in reverse order (so rows and indices differ),
// each item's top-`n` users by a random score of k/8 (exact in float).
struct Instance {
  ItemTopUsers top;
  std::vector<Index> item_of_row, user_of_row;
  std::size_t users = 0;
  std::vector<double> capacity;
  AssignmentTargets targets;
};

Instance random_instance(std::uint64_t seed, int items, int users, int n, bool whole_capacity,
                         int max_capacity, int max_target, bool producers) {
  std::mt19937_64 rng(seed);
  Instance in;
  in.users = static_cast<std::size_t>(users);
  in.top.items = items;
  in.top.users_per_item = n;
  for (int r = 0; r < items; ++r) {
    in.item_of_row.push_back(100 + r);
    std::vector<std::pair<float, RowId>> all;
    for (int u = 0; u < users; ++u)
      all.emplace_back(static_cast<float>(static_cast<int>(rng() % 64) - 16) / 8.0f, u);
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (int j = 0; j < n; ++j) {
      in.top.users.push_back(all[static_cast<std::size_t>(j)].second);
      in.top.scores.push_back(all[static_cast<std::size_t>(j)].first);
    }
    in.targets.item_target.push_back(static_cast<std::int64_t>(rng() % (max_target + 1)));
  }
  for (int u = 0; u < users; ++u) {
    in.user_of_row.push_back(users - 1 - u);
    const auto whole = static_cast<double>(rng() % (max_capacity + 1));
    in.capacity.push_back(whole_capacity ? whole : whole + static_cast<double>(rng() % 8) / 8.0);
  }
  if (producers) {
    in.targets.producer_target = {static_cast<std::int64_t>(rng() % 4), 0,
                                  static_cast<std::int64_t>(rng() % 4)};
    for (int r = 0; r < items; ++r) in.targets.producer_of_row.push_back(r % 3);
  }
  return in;
}

AssignmentParams params(const char* solver, std::int64_t threads = 2,
                        const char* spare = "fill") {
  AssignmentParams p;
  p.solver = solver;
  p.spare_capacity = spare;
  p.threads = threads;
  p.max_iterations = 200;
  p.tolerance = 1e-9;
  p.completion_passes = 0;  // one LP, so the solvers can be compared
  return p;
}

TargetAssignment run(const Instance& in, const AssignmentParams& p, const SeenItems& seen = {}) {
  return assign_targets(in.top, in.item_of_row, in.user_of_row, in.users, seen, in.capacity,
                        in.targets, p);
}

// Exhaustive optimum for whole capacities: every user takes exactly
// min(capacity, candidates) of its pairs (fill) or at most that many, each
// counting its score minus the top score (leave) or minus the user's
// displaced score (displace, in.targets.user_displaced given); every
// combination is tried.
double brute_force(const Instance& in, double bonus, bool leave = false) {
  const double top = *std::max_element(in.top.scores.begin(), in.top.scores.end());
  const auto& displaced = in.targets.user_displaced;
  const auto n = static_cast<std::size_t>(in.top.users_per_item);
  std::vector<std::vector<std::size_t>> slots_of(in.users);  // dataset user -> slots
  for (std::size_t s = 0; s < in.top.users.size(); ++s)
    slots_of[static_cast<std::size_t>(in.user_of_row[static_cast<std::size_t>(in.top.users[s])])]
        .push_back(s);
  std::vector<double> row_y(static_cast<std::size_t>(in.top.items), 0.0);
  double best = -1e300;
  std::function<void(std::size_t, double)> visit = [&](std::size_t u, double relevance) {
    const double skip = !leave ? 0.0 : displaced.empty() ? top : displaced[std::min(u, in.users - 1)];
    const auto& repeats = in.targets.pair_impressions;
    const double m = repeats.empty() ? 1.0 : repeats[std::min(u, in.users - 1)];
    if (u == in.users) {
      double value = relevance;
      for (std::size_t r = 0; r < row_y.size(); ++r)
        value += bonus * std::min<double>(in.targets.item_target[r], row_y[r]);
      for (std::size_t p = 0; p < in.targets.producer_target.size(); ++p) {
        double sum = 0;
        for (std::size_t r = 0; r < row_y.size(); ++r)
          if (in.targets.producer_of_row[r] == static_cast<Index>(p)) sum += row_y[r];
        value += bonus * std::min<double>(in.targets.producer_target[p], sum);
      }
      best = std::max(best, value);
      return;
    }
    const auto& slots = slots_of[u];
    const auto most = static_cast<std::size_t>(std::min<double>(in.capacity[u], slots.size()));
    for (std::size_t take = leave ? 0 : most; take <= most; ++take) {
      std::vector<bool> mask(slots.size(), false);
      std::fill(mask.begin(), mask.begin() + static_cast<std::ptrdiff_t>(take), true);
      do {  // every subset of size `take`
        double added = 0;
        for (std::size_t k = 0; k < slots.size(); ++k)
          if (mask[k]) {
            row_y[slots[k] / n] += m;
            added += m * (in.top.scores[slots[k]] - skip);
          }
        visit(u + 1, relevance + added);
        for (std::size_t k = 0; k < slots.size(); ++k)
          if (mask[k]) row_y[slots[k] / n] -= m;
      } while (std::prev_permutation(mask.begin(), mask.end()));
    }
  };
  visit(0, 0.0);
  return best;
}

double total_assigned(const TargetAssignment& a) {
  double sum = 0;
  for (const auto& item : a.items) sum += item.assigned;
  return sum;
}

TEST(AssignExact, EqualsExhaustiveEnumerationOnTinyInstances) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const bool producers = seed % 2 == 0;
    const Instance in = random_instance(seed, 4, 5, 3, true, 2, 3, producers);
    const TargetAssignment exact = run(in, params("exact"));
    const double expected = brute_force(in, exact.summary.target_bonus);
    EXPECT_NEAR(exact.summary.objective, expected, 1e-6 * std::max(1.0, std::abs(expected)))
        << "seed " << seed;
    EXPECT_EQ(exact.summary.gap, 0.0);
  }
}

TEST(AssignExact, LeaveEqualsExhaustiveEnumerationOnTinyInstances) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    const bool producers = seed % 2 == 0;
    const Instance in = random_instance(seed, 4, 5, 3, true, 2, 3, producers);
    const TargetAssignment exact = run(in, params("exact", 2, "leave"));
    const double expected = brute_force(in, exact.summary.target_bonus, true);
    EXPECT_NEAR(exact.summary.objective, expected, 1e-6 * std::max(1.0, std::abs(expected)))
        << "seed " << seed;
  }
}

TEST(AssignAuction, LeaveIsWithinItsReportedGapOfTheExactOptimum) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const bool whole = seed % 3 != 0;
    const Instance in = random_instance(seed, 12, 40, 8, whole, 3, 6, seed % 2 == 0);
    const TargetAssignment exact = run(in, params("exact", 2, "leave"));
    for (std::int64_t threads : {1, 2}) {
      const TargetAssignment auction = run(in, params("auction", threads, "leave"));
      const double slack = 1e-6 * std::max(1.0, std::abs(exact.summary.objective));
      EXPECT_LE(auction.summary.objective, exact.summary.objective + slack) << "seed " << seed;
      EXPECT_GE(auction.summary.dual_bound, exact.summary.objective - slack) << "seed " << seed;
      EXPECT_GE(auction.summary.gap, -slack);
    }
  }
  for (std::uint64_t seed = 100; seed < 120; ++seed) {
    const Instance in = random_instance(seed, 4, 5, 3, true, 2, 3, seed % 2 == 0);
    const TargetAssignment auction = run(in, params("auction", 2, "leave"));
    const double expected = brute_force(in, auction.summary.target_bonus, true);
    EXPECT_LE(auction.summary.objective, expected + 1e-6) << "seed " << seed;
    EXPECT_GE(auction.summary.dual_bound, expected - 1e-6) << "seed " << seed;
  }
}

// The auction, on 1 and 2 threads, lists the same and lies within its gap of
// the exact LP optimum.
void expect_within_gap_on_any_threads(const Instance& in, const char* spare, std::uint64_t seed) {
  const TargetAssignment exact = run(in, params("exact", 2, spare));
  const TargetAssignment one = run(in, params("auction", 1, spare));
  const TargetAssignment two = run(in, params("auction", 2, spare));
  const double slack = 1e-6 * std::max(1.0, std::abs(exact.summary.objective));
  EXPECT_LE(two.summary.objective, exact.summary.objective + slack) << "seed " << seed;
  EXPECT_GE(two.summary.dual_bound, exact.summary.objective - slack) << "seed " << seed;
  EXPECT_EQ(one.lists, two.lists) << "seed " << seed;
}

// Displaced scores for every user of `in`, in the scores' range (k/8).
void add_displaced(Instance& in, std::uint64_t seed) {
  std::mt19937_64 rng(seed * 7 + 1);
  in.targets.user_displaced.clear();
  for (std::size_t u = 0; u < in.users; ++u)
    in.targets.user_displaced.push_back(static_cast<double>(static_cast<int>(rng() % 72) - 20) / 8.0);
}

TEST(AssignExact, DisplaceEqualsExhaustiveEnumerationOnTinyInstances) {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Instance in = random_instance(seed, 4, 5, 3, true, 2, 3, seed % 2 == 0);
    add_displaced(in, seed);
    const TargetAssignment exact = run(in, params("exact", 2, "displace"));
    const double expected = brute_force(in, exact.summary.target_bonus, true);
    EXPECT_NEAR(exact.summary.objective, expected, 1e-6 * std::max(1.0, std::abs(expected)))
        << "seed " << seed;
    const TargetAssignment auction = run(in, params("auction", 2, "displace"));
    EXPECT_LE(auction.summary.objective, expected + 1e-6) << "seed " << seed;
    EXPECT_GE(auction.summary.dual_bound, expected - 1e-6) << "seed " << seed;
  }
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    Instance in = random_instance(seed, 12, 40, 8, seed % 3 != 0, 3, 6, seed % 2 == 0);
    add_displaced(in, seed);
    expect_within_gap_on_any_threads(in, "displace", seed);
  }
}

TEST(AssignAuction, ItemsWithoutTargetsAreReadOnlyAsFarAsUsersKeep) {
  // The auction reads a user's pairs of items without a target (and without
  // a producer) only as far as the user keeps them (order_static_edges):
  // with no target anywhere it must still give every user its best pairs,
  // the exact optimum; with most targets 0 it stays within its gap, with
  // capacities up to 12 (both selections) and each spare-capacity rule.
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    Instance in = random_instance(seed, 30, 40, 20, seed % 2 == 0, 12, 10, false);
    add_displaced(in, seed);
    for (const char* spare : {"fill", "leave", "displace"}) {
      Instance none = in;
      std::fill(none.targets.item_target.begin(), none.targets.item_target.end(), 0);
      const TargetAssignment exact = run(none, params("exact", 2, spare));
      const TargetAssignment auction = run(none, params("auction", 2, spare));
      EXPECT_NEAR(auction.summary.objective, exact.summary.objective,
                  1e-9 * std::max(1.0, std::abs(exact.summary.objective)))
          << "seed " << seed << " " << spare;
      EXPECT_NEAR(total_assigned(auction), total_assigned(exact), 1e-9) << "seed " << seed << " " << spare;
      Instance most = in;
      for (std::size_t r = 0; r < most.targets.item_target.size(); ++r)
        if (r % 4 != 0) most.targets.item_target[r] = 0;
      expect_within_gap_on_any_threads(most, spare, seed);
    }
  }
}

TEST(AssignTargets, DisplaceListsPairsThatBeatWhatTheyDisplace) {
  // No targets: user 0's slate item scores 0.35, so its pair of 0.5 is
  // listed and that of 0.3 is not; user 1's scores 0.9, above every pair.
  Instance in;
  in.users = 2;
  in.top.items = 2;
  in.top.users_per_item = 2;
  in.top.users = {0, 1, 0, 1};
  in.top.scores = {0.5f, 0.45f, 0.3f, 0.2f};
  in.item_of_row = {100, 101};
  in.user_of_row = {0, 1};
  in.capacity = {2, 2};
  in.targets.item_target = {0, 0};
  in.targets.user_displaced = {0.35, 0.9};
  for (const char* solver : {"exact", "auction"}) {
    const TargetAssignment a = run(in, params(solver, 2, "displace"));
    ASSERT_EQ(a.of(0).size(), 1u) << solver;
    EXPECT_EQ(a.of(0)[0].item, 100) << solver;
    EXPECT_TRUE(a.of(1).empty()) << solver;
    // A target on item 101 still goes through: targets first.
    Instance target = in;
    target.targets.item_target = {0, 1};
    const TargetAssignment t = run(target, params(solver, 2, "displace"));
    EXPECT_EQ(t.summary.items_short, 0) << solver;
  }
  in.targets.user_displaced.pop_back();
  EXPECT_THROW(run(in, params("auction", 2, "displace")), UsageError);
  in.targets.user_displaced = {0.1, NAN};
  EXPECT_THROW(run(in, params("auction", 2, "displace")), UsageError);
}

// Impressions per pair of 0.25, 0.5 (a visit less likely than not in the
// interval), 1, 2 or 3 (repeat visits) for every user of `in`.
void add_repeats(Instance& in, std::uint64_t seed) {
  constexpr double kRepeats[] = {0.25, 0.5, 1, 2, 3};
  std::mt19937_64 rng(seed * 13 + 5);
  in.targets.pair_impressions.clear();
  for (std::size_t u = 0; u < in.users; ++u) in.targets.pair_impressions.push_back(kRepeats[rng() % 5]);
}

TEST(AssignExact, RepeatsBoundExhaustiveEnumerationOnTinyInstances) {
  // Each listed pair of user u gives pair_impressions[u] impressions (a
  // user who visits several times per interval sees the same slots again).
  // The LP may use part of a pair's repeats, so the exact solver's optimum
  // bounds the best whole-pair lists from above (equal without repeats:
  // EqualsExhaustiveEnumerationOnTinyInstances); the auction, which lists
  // whole pairs, stays at or below them and its dual bound above.
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Instance in = random_instance(seed, 4, 5, 3, true, 2, 5, seed % 2 == 0);
    add_repeats(in, seed);
    for (const char* spare : {"fill", "leave"}) {
      const TargetAssignment exact = run(in, params("exact", 2, spare));
      const double expected = brute_force(in, exact.summary.target_bonus, std::string(spare) == "leave");
      EXPECT_GE(exact.summary.objective, expected - 1e-6 * std::max(1.0, std::abs(expected)))
          << "seed " << seed << " " << spare;
      const TargetAssignment auction = run(in, params("auction", 2, spare));
      EXPECT_LE(auction.summary.objective, expected + 1e-6) << "seed " << seed << " " << spare;
      EXPECT_GE(auction.summary.dual_bound, expected - 1e-6) << "seed " << seed << " " << spare;
    }
  }
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    Instance in = random_instance(seed, 12, 40, 8, seed % 3 != 0, 3, 12, seed % 2 == 0);
    add_repeats(in, seed);
    expect_within_gap_on_any_threads(in, "leave", seed);
  }
}

TEST(AssignTargets, RepeatsPlanFewerPairsForTheSameTarget) {
  // One item wants 4 impressions; its three users (capacity 1 each) visit
  // twice per interval, so its best two users meet the target and leave
  // lists nothing for the third.
  Instance in;
  in.users = 3;
  in.top.items = 1;
  in.top.users_per_item = 3;
  in.top.users = {0, 1, 2};
  in.top.scores = {0.9f, 0.8f, 0.7f};
  in.item_of_row = {100};
  in.user_of_row = {0, 1, 2};
  in.capacity = {1, 1, 1};
  in.targets.item_target = {4};
  in.targets.pair_impressions = {2, 2, 2};
  for (const char* solver : {"exact", "auction"}) {
    const TargetAssignment a = run(in, params(solver, 2, "leave"));
    EXPECT_DOUBLE_EQ(a.items[0].assigned, 4) << solver;
    EXPECT_EQ(a.lists.size(), 2u) << solver;  // users 0 and 1, not 2
    EXPECT_TRUE(a.of(2).empty()) << solver;
    EXPECT_EQ(a.summary.items_short, 0) << solver;
  }
  in.targets.item_target = {7};  // 3 users × 2 = 6 < 7: too few users, counting repeats
  EXPECT_EQ(run(in, params("exact", 2, "leave")).items[0].reason, ShortReason::too_few_users);
  in.targets.item_target = {5};  // 6 >= 5: enough users
  EXPECT_EQ(run(in, params("exact", 2, "leave")).items[0].reason, ShortReason::none);
  for (double bad : {0.0, -1.0, std::nan(""), HUGE_VAL, 2e6}) {
    in.targets.pair_impressions = {2, bad, 2};
    EXPECT_THROW(run(in, params("exact", 2, "leave")), UsageError) << bad;
  }
  // Below 1: a visit less likely than not. A target of 1 then needs both
  // users of 0.5, where users of 1 would need one.
  in.targets.item_target = {1};
  in.targets.pair_impressions = {0.5, 0.5, 0.5};
  for (const char* solver : {"exact", "auction"}) {
    const TargetAssignment a = run(in, params(solver, 2, "leave"));
    EXPECT_DOUBLE_EQ(a.items[0].assigned, 1) << solver;
    EXPECT_EQ(a.lists.size(), 2u) << solver;
    EXPECT_TRUE(a.of(2).empty()) << solver;
  }
}

TEST(AssignTargets, LeaveListsOnlyPairsTowardTargets) {
  // Leave spends capacity on targets only: no item gets more than its
  // target, every listed pair is an assigned one, and without targets no
  // user is listed anything. Fill uses every slot of capacity.
  for (const char* solver : {"exact", "auction"}) {
    Instance in = random_instance(21, 12, 40, 8, true, 3, 4, false);
    const TargetAssignment leave = run(in, params(solver, 2, "leave"));
    const TargetAssignment fill = run(in, params(solver, 2, "fill"));
    double capacity_used = 0, assigned_in_lists = 0;
    for (const auto& item : leave.items) {
      EXPECT_LE(item.assigned, static_cast<double>(item.target) + 1e-9) << solver;
      capacity_used += item.assigned;
    }
    EXPECT_LT(capacity_used, total_assigned(fill)) << solver;
    if (std::string(solver) == "exact") {  // targets first either way
      EXPECT_NEAR(leave.summary.target_impressions, fill.summary.target_impressions, 1e-9);
    }
    for (std::size_t u = 0; u < in.users; ++u)
      assigned_in_lists += static_cast<double>(leave.of(static_cast<Index>(u)).size());
    EXPECT_EQ(assigned_in_lists, capacity_used) << solver;  // whole capacities: one per pair
    std::fill(in.targets.item_target.begin(), in.targets.item_target.end(), 0);
    const TargetAssignment none = run(in, params(solver, 2, "leave"));
    EXPECT_TRUE(none.lists.empty()) << solver;
    EXPECT_EQ(total_assigned(none), 0.0) << solver;
  }
}

TEST(AssignTargets, LeaveStillServesTargetsNoItemCanReach) {
  // Two users (capacity 1) list both items, each item wants 3: every pass
  // leaves both short, and the completion passes drop both targets in turn.
  // Leave must keep a pass that spends the capacity on them, not the last
  // one, whose targets are all gone (it would show nothing).
  Instance in;
  in.users = 2;
  in.top.items = 2;
  in.top.users_per_item = 2;
  in.top.users = {0, 1, 0, 1};
  in.top.scores = {0.5f, 0.4f, 0.3f, 0.2f};
  in.item_of_row = {100, 101};
  in.user_of_row = {0, 1};
  in.capacity = {1, 1};
  in.targets.item_target = {3, 3};
  for (const char* solver : {"exact", "auction"})
    for (bool fit : {false, true}) {  // fitting to capacity (auction) keeps one target
      if (fit && std::string_view(solver) == "exact") continue;
      AssignmentParams p = params(solver, 2, "leave");
      p.completion_passes = 4;
      p.fit_to_capacity = fit;
      const TargetAssignment a = run(in, p);
      EXPECT_EQ(a.summary.items_short, 2) << solver << fit;
      EXPECT_DOUBLE_EQ(total_assigned(a), 2) << solver << fit;
      EXPECT_EQ(a.lists.size(), 2u) << solver << fit;
    }
}

TEST(AssignAuction, WeightedBidIsTheValueOfTheKthImpression) {
  // Against sorting every value: many ties, weights down to 2^-10 (a rare
  // visitor's pair) or all 1, k from 0 to past the total weight.
  std::mt19937_64 rng(7);
  constexpr double kWeights[] = {0x1p-10, 0.25, 0.5, 1, 3};
  for (int trial = 0; trial < 3000; ++trial) {
    const std::size_t size = rng() % 600;
    const bool unit = trial % 3 == 0;
    std::vector<std::pair<double, double>> values;
    double total = 0;
    for (std::size_t i = 0; i < size; ++i) {
      values.emplace_back(static_cast<double>(rng() % 40) / 4.0, unit ? 1.0 : kWeights[rng() % 5]);
      total += values.back().second;
    }
    const auto k = static_cast<std::int64_t>(rng() % (static_cast<std::uint64_t>(total) + 3));
    std::vector<std::pair<double, double>> sorted = values;
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    double expected = k <= 0 ? 0.0 : 100.0;  // bonus when the weights sum below k
    double count = 0;
    for (const auto& [value, weight] : sorted)
      if (k > 0 && (count += weight) >= static_cast<double>(k)) {
        expected = 20.0 - value;  // eps 20 exceeds every value
        break;
      }
    EXPECT_EQ(inverse::weighted_bid(values, k, 20.0, 100.0), expected)
        << "trial " << trial << " size " << size << " k " << k;
  }
}

TEST(AssignAuction, WithinItsReportedGapOfTheExactOptimum) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    const bool whole = seed % 3 != 0;
    const Instance in = random_instance(seed, 12, 40, 8, whole, 3, 6, seed % 2 == 0);
    const TargetAssignment exact = run(in, params("exact"));
    const TargetAssignment auction = run(in, params("auction"));
    const double slack = 1e-6 * std::max(1.0, std::abs(exact.summary.objective));
    // The exact LP optimum lies between the auction's objective and its dual bound.
    EXPECT_LE(auction.summary.objective, exact.summary.objective + slack) << "seed " << seed;
    EXPECT_GE(auction.summary.dual_bound, exact.summary.objective - slack) << "seed " << seed;
    EXPECT_NEAR(auction.summary.gap, auction.summary.dual_bound - auction.summary.objective, slack);
    EXPECT_GE(auction.summary.gap, -slack);
    // Both use every user's capacity (each pair at most once).
    EXPECT_NEAR(total_assigned(auction), total_assigned(exact), 1e-9) << "seed " << seed;
  }
}

TEST(AssignAuction, LargeCapacitiesAreWithinTheGapAndThreadFree) {
  // Capacities up to 12 slots: users taking 7 or more select with
  // nth_element, the others with the small sorted array (assign_auction.cc);
  // both must price and choose consistently, with ties (scores k/8) broken
  // the same way on any thread count.
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const Instance in = random_instance(seed, 30, 40, 20, seed % 2 == 0, 12, 10, false);
    const TargetAssignment exact = run(in, params("exact"));
    const TargetAssignment one = run(in, params("auction", 1));
    const TargetAssignment two = run(in, params("auction", 2));
    const double slack = 1e-6 * std::max(1.0, std::abs(exact.summary.objective));
    EXPECT_LE(two.summary.objective, exact.summary.objective + slack) << "seed " << seed;
    EXPECT_GE(two.summary.dual_bound, exact.summary.objective - slack) << "seed " << seed;
    EXPECT_NEAR(total_assigned(two), total_assigned(exact), 1e-9) << "seed " << seed;
    EXPECT_EQ(one.lists, two.lists) << "seed " << seed;
    EXPECT_EQ(one.summary.objective, two.summary.objective) << "seed " << seed;
    EXPECT_EQ(one.summary.dual_bound, two.summary.dual_bound) << "seed " << seed;
  }
}

TEST(AssignAuction, TopUpMeetsTheTargetsTheExactSolverMeets) {
  // Contested instances (fractional capacities) where the exact LP meets
  // every target: the users' choice at the auction's prices alone misses
  // some, and the top-up, moving whole slots to them, closes every one.
  std::int64_t instances = 0, top_ups = 0;
  for (std::uint64_t seed = 1; seed <= 60; ++seed) {
    const Instance in = random_instance(seed, 20, 80, 20, false, 1, 4, false);
    const TargetAssignment exact = run(in, params("exact"));
    if (exact.summary.items_short > 0) continue;  // not every target reachable at once
    ++instances;
    AssignmentParams p = params("auction");
    p.max_iterations = 20;
    const TargetAssignment auction = run(in, p);
    EXPECT_EQ(auction.summary.items_short, 0) << "seed " << seed;
    top_ups += auction.summary.top_ups;
  }
  EXPECT_GE(instances, 10);
  EXPECT_GT(top_ups, 0);  // the top-up did the work somewhere
}

TEST(AssignAuction, BruteForceOptimumLiesWithinTheGap) {
  for (std::uint64_t seed = 100; seed < 120; ++seed) {
    const Instance in = random_instance(seed, 4, 5, 3, true, 2, 3, seed % 2 == 0);
    const TargetAssignment auction = run(in, params("auction"));
    const double expected = brute_force(in, auction.summary.target_bonus);
    EXPECT_LE(auction.summary.objective, expected + 1e-6) << "seed " << seed;
    EXPECT_GE(auction.summary.dual_bound, expected - 1e-6) << "seed " << seed;
  }
}

TEST(AssignExact, TargetWeightTradesTargetImpressionsForRelevance) {
  // `target_weight` is the LP's price of a target impression in relevance,
  // so its optimum moves monotonically with it: a larger weight never buys
  // fewer target impressions, a smaller one never less relevance (for two
  // weights w1 < w2 with optima x1, x2, optimality of each at its own
  // weight gives (w2 - w1)(T2 - T1) >= 0). docs/assignment.md measures the
  // trade in the simulator ("One configuration for every world").
  const std::vector<double> weights = {0.05, 0.1, 0.3, 1, 3, 10};
  int instances_that_trade = 0;
  for (const char* spare : {"fill", "leave"}) {
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
      const Instance in = random_instance(seed, 12, 30, 10, false, 2, 5, false);
      double last_targets = -1, last_relevance = 1e300;
      double first_targets = 0, first_relevance = 0;
      for (const double w : weights) {
        AssignmentParams p = params("exact", 2, spare);
        p.target_weight = w;
        const TargetAssignment a = run(in, p);
        // The objective's relevance term (with leave: less the empty
        // slots' worth, so not summary.relevance).
        const double targets = a.summary.target_impressions;
        const double relevance = a.summary.objective - a.summary.target_bonus * targets;
        EXPECT_GE(targets, last_targets - 1e-6) << spare << " seed " << seed << " weight " << w;
        EXPECT_LE(relevance, last_relevance + 1e-6) << spare << " seed " << seed << " weight " << w;
        if (w == weights.front()) first_targets = targets, first_relevance = relevance;
        last_targets = targets;
        last_relevance = relevance;
      }
      if (last_targets > first_targets + 1e-6 && first_relevance > last_relevance + 1e-6)
        ++instances_that_trade;
    }
  }
  // The weights span the trade on most instances, so the checks bite.
  EXPECT_GE(instances_that_trade, 40);  // 59 of 60 measured
}

// Three items, four users. Item 100 (row 0) wants 3 impressions but has 2
// users; item 101 wants 2 and its users' capacity sums to 1.5; item 102
// wants 1, reachable through user 3 alone, whom item 100 also needs.
Instance short_items() {
  Instance in;
  in.users = 4;
  in.top.items = 3;
  in.top.users_per_item = 2;
  in.top.users = {0, 3, 1, 2, 3, kNoRow};
  in.top.scores = {0.9f, 0.8f, 0.7f, 0.6f, 0.5f, -std::numeric_limits<float>::infinity()};
  in.item_of_row = {100, 101, 102};
  in.user_of_row = {0, 1, 2, 3};
  in.capacity = {1, 1, 0.5, 1};
  in.targets.item_target = {3, 2, 1};
  return in;
}

TEST(AssignTargets, ShortItemsAreReportedWithTheirReason) {
  for (const char* solver : {"exact", "auction"}) {
    const TargetAssignment a = run(short_items(), params(solver));
    ASSERT_EQ(a.items.size(), 3u);
    EXPECT_EQ(a.items[0].item, 100);
    EXPECT_EQ(a.items[0].reason, ShortReason::too_few_users) << solver;
    EXPECT_EQ(a.items[0].candidate_users, 2);
    EXPECT_EQ(a.items[1].reason, ShortReason::too_little_capacity) << solver;
    EXPECT_DOUBLE_EQ(a.items[1].reachable, 1.5);
    EXPECT_DOUBLE_EQ(a.items[1].assigned, 1.5) << solver;
    // User 3 serves item 100 or 102; either way one target impression is lost,
    // and relevance (0.8 > 0.5) gives it to item 100: 102 is outbid.
    EXPECT_DOUBLE_EQ(a.items[0].assigned, 2) << solver;
    EXPECT_EQ(a.items[2].reason, ShortReason::outbid) << solver;
    EXPECT_EQ(a.summary.items_short, 3);
    EXPECT_STREQ(short_reason_text(ShortReason::too_few_users), "too few unseen users in its top-N");
  }
}

TEST(AssignTargets, TargetsComeBeforeRelevance) {
  // User 0 (capacity 1) is item 101's only user but scores item 100 higher;
  // item 100 has two more users with room.
  Instance in;
  in.users = 3;
  in.top.items = 2;
  in.top.users_per_item = 3;
  in.top.users = {0, 1, 2, 0, kNoRow, kNoRow};
  const float none = -std::numeric_limits<float>::infinity();
  in.top.scores = {0.9f, 0.2f, 0.1f, 0.3f, none, none};
  in.item_of_row = {100, 101};
  in.user_of_row = {0, 1, 2};
  in.capacity = {1, 1, 1};
  in.targets.item_target = {2, 1};
  for (const char* solver : {"exact", "auction"}) {
    const TargetAssignment a = run(in, params(solver));
    EXPECT_EQ(a.of(0).front().item, 101) << solver;
    EXPECT_EQ(a.of(0).size(), 2u);  // the other candidate follows
    EXPECT_EQ(a.summary.items_short, 0) << solver;
    EXPECT_DOUBLE_EQ(a.summary.target_impressions, 3) << solver;
  }
  // With no targets, relevance decides.
  in.targets.item_target = {0, 0};
  EXPECT_EQ(run(in, params("auction")).of(0).front().item, 100);
}

TEST(AssignTargets, CompletionPassesCompleteItemsInsteadOfSpreading) {
  // Three users (capacity 1) shared by three items (target 2 each); user r
  // scores item r highest. One LP spreads them, one impression per item (the
  // same target credit, more relevance): all three short. A completion pass
  // drops two targets and completes the third.
  Instance in;
  in.users = 3;
  in.top.items = 3;
  in.top.users_per_item = 3;
  for (RowId r = 0; r < 3; ++r)
    for (RowId j = 0; j < 3; ++j) {
      in.top.users.push_back((r + j) % 3);
      in.top.scores.push_back(j == 0 ? 1.0f : 0.5f);
    }
  in.item_of_row = {100, 101, 102};
  in.user_of_row = {0, 1, 2};
  in.capacity = {1, 1, 1};
  in.targets.item_target = {2, 2, 2};
  for (const char* solver : {"exact", "auction"}) {
    const TargetAssignment one_lp = run(in, params(solver));
    EXPECT_EQ(one_lp.summary.items_short, 3) << solver;
    AssignmentParams p = params(solver);
    p.completion_passes = 6;
    const TargetAssignment a = run(in, p);
    EXPECT_EQ(a.summary.items_short, 2) << solver;
    EXPECT_EQ(a.summary.targets_dropped, 2) << solver;
    EXPECT_EQ(a.items[2].reason, ShortReason::none) << solver;
    EXPECT_EQ(a.items[0].reason, ShortReason::outbid) << solver;
    EXPECT_EQ(a.items[0].target, 2);  // reports keep the caller's target
  }
}

TEST(AssignTargets, UsersWithoutCapacityGetNoImpressionsButKeepTheirList) {
  Instance in = random_instance(7, 10, 30, 10, true, 3, 5, false);
  for (std::size_t u = 0; u < in.users; u += 2) in.capacity[u] = 0;
  double capacity = 0;
  for (double c : in.capacity) capacity += c;
  for (const char* solver : {"exact", "auction"}) {
    const TargetAssignment a = run(in, params(solver));
    // Every impression comes from a user with capacity: the total is theirs.
    EXPECT_LE(total_assigned(a), capacity + 1e-9);
    std::size_t listed = 0;
    for (std::size_t u = 0; u < in.users; u += 2) listed += a.of(static_cast<Index>(u)).size();
    EXPECT_GT(listed, 0u);
    const TargetAssignment all_zero = [&] {
      Instance zero = in;
      std::fill(zero.capacity.begin(), zero.capacity.end(), 0.0);
      return run(zero, params(solver));
    }();
    EXPECT_EQ(total_assigned(all_zero), 0.0);
    EXPECT_EQ(all_zero.summary.items_short,
              std::count_if(in.targets.item_target.begin(), in.targets.item_target.end(),
                            [](std::int64_t t) { return t > 0; }));
    for (const auto& item : all_zero.items)
      if (item.target > 0) {
        EXPECT_EQ(item.reason, ShortReason::too_little_capacity);
      }
  }
}

TEST(AssignTargets, TiesGoToTheSmallerItemAndResultsDoNotDependOnThreads) {
  // Every score equal, no targets: user 0 (capacity 1) gets the smaller item.
  Instance in = random_instance(3, 20, 50, 10, false, 3, 4, true);
  std::fill(in.top.scores.begin(), in.top.scores.end(), 0.5f);
  const TargetAssignment one = run(in, params("auction", 1));
  const TargetAssignment two = run(in, params("auction", 2));
  EXPECT_EQ(one.lists, two.lists);
  EXPECT_EQ(one.offsets, two.offsets);
  EXPECT_EQ(one.summary.objective, two.summary.objective);
  EXPECT_EQ(one.summary.dual_bound, two.summary.dual_bound);
  EXPECT_EQ(run(in, params("auction", 2)).lists, two.lists);  // and again

  Instance tie = short_items();
  tie.top.users = {0, kNoRow, 0, kNoRow, 0, kNoRow};
  std::fill(tie.top.scores.begin(), tie.top.scores.end(), 0.5f);
  tie.targets.item_target = {0, 0, 0};
  for (const char* solver : {"exact", "auction"}) {
    const TargetAssignment a = run(tie, params(solver));
    ASSERT_EQ(a.of(0).size(), 3u);
    EXPECT_EQ(a.of(0)[0].item, 100) << solver;
    EXPECT_EQ(a.of(0)[1].item, 101) << solver;
    EXPECT_DOUBLE_EQ(a.items[0].assigned, 1) << solver;
    EXPECT_DOUBLE_EQ(a.items[1].assigned, 0) << solver;
  }
}

TEST(AssignTargets, ListsAreCappedSkipSeenPairsAndCarryRanks) {
  const Instance in = random_instance(11, 30, 20, 10, true, 2, 3, false);
  SeenItems seen;  // dataset user 19 (row 0) saw item 100
  seen.offsets.assign(21, 0);
  seen.offsets[20] = 1;
  seen.items = {100};
  AssignmentParams p = params("auction");
  p.max_candidates_per_user = 4;
  const TargetAssignment a = run(in, p, seen);
  ASSERT_EQ(a.offsets.size(), in.users + 1);
  for (std::size_t u = 0; u < in.users; ++u) EXPECT_LE(a.of(static_cast<Index>(u)).size(), 4u);
  for (const Candidate& c : a.of(19)) EXPECT_NE(c.item, 100);
  for (std::size_t u = 0; u < in.users; ++u)
    for (const Candidate& c : a.of(static_cast<Index>(u))) {
      const auto r = static_cast<std::size_t>(c.item - 100);
      const auto slot = r * 10 + static_cast<std::size_t>(c.user_rank - 1);
      EXPECT_EQ(in.user_of_row[static_cast<std::size_t>(in.top.users[slot])], static_cast<Index>(u));
      EXPECT_EQ(in.top.scores[slot], c.score);
    }
}

TEST(AssignArguments, CallerMistakesAreUsageErrors) {
  const Instance good = random_instance(5, 3, 6, 3, true, 2, 2, true);
  auto expect_usage = [&](const std::function<void(Instance&, AssignmentParams&)>& spoil,
                          const char* needle) {
    Instance in = good;
    AssignmentParams p = params("auction");
    spoil(in, p);
    try {
      run(in, p);
      ADD_FAILURE() << "no UsageError for " << needle;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_usage([](Instance& in, AssignmentParams&) { in.capacity[2] = -1; }, "user_capacity[2]");
  expect_usage([](Instance& in, AssignmentParams&) { in.capacity[1] = NAN; }, "user_capacity[1]");
  expect_usage([](Instance& in, AssignmentParams&) { in.capacity.pop_back(); }, "user_capacity has 5");
  expect_usage([](Instance& in, AssignmentParams&) { in.targets.item_target.push_back(1); },
               "item_target has 4");
  expect_usage([](Instance& in, AssignmentParams&) { in.targets.item_target[0] = -2; },
               "item_target[0]");
  expect_usage([](Instance& in, AssignmentParams&) { in.item_of_row[2] = 100; }, "repeated");
  expect_usage([](Instance& in, AssignmentParams&) { in.top.scores.pop_back(); }, "scores");
  expect_usage([](Instance& in, AssignmentParams&) { in.top.users[1] = 99; }, "top_users.users[1]");
  expect_usage([](Instance& in, AssignmentParams&) { in.targets.producer_of_row[0] = 7; },
               "producer_of_row[0]");
  expect_usage([](Instance& in, AssignmentParams&) { in.targets.producer_target.clear(); },
               "give both");
  expect_usage([](Instance& in, AssignmentParams&) { in.targets.producer_target[1] = -1; },
               "producer_target[1]");
  expect_usage([](Instance&, AssignmentParams& p) { p.solver = "simplex"; }, "--solver");
  expect_usage([](Instance&, AssignmentParams& p) { p.target_weight = 0; }, "--target-weight");
  expect_usage(
      [](Instance&, AssignmentParams& p) {
        p.solver = "exact";
        p.fit_to_capacity = true;
      },
      "--fit-to-capacity");
  expect_usage([](Instance&, AssignmentParams& p) { p.max_candidates_per_user = 0; },
               "--max-candidates-per-user");
}

TEST(AssignTargets, ScaledTargetIsThePseiThresholdForTheInterval) {
  EXPECT_EQ(scaled_target(100, 7, 28), 25);
  EXPECT_EQ(scaled_target(100, 1, 3), 34);  // rounded up
  EXPECT_THROW(scaled_target(100, 0, 3), UsageError);
  EXPECT_THROW(scaled_target(100, 1, -3), UsageError);
}

}  // namespace
}  // namespace invr
