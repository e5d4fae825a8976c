// Step (c): item -> users lists inverted into per-user candidate lists.
//
// Counting sort, no per-user maps: (1) each (item row, slot) is resolved to a
// dataset user, or dropped if seen, in parallel over item rows; (2) users'
// list sizes are counted and prefix-summed; (3) candidates are scattered in
// item-row order; (4) each user's slice is ordered three ways and capped, in
// parallel over users, each thread writing only its users' output ranges.
#include <algorithm>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/inverse.h"
#include "common/parallel.h"
#include "slot_users.h"
#include "user_shuffle.h"

namespace invr {
namespace {

bool by_score(const Candidate& a, const Candidate& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.item < b.item;
}

bool by_user_rank(const Candidate& a, const Candidate& b) {
  if (a.user_rank != b.user_rank) return a.user_rank < b.user_rank;
  return by_score(a, b);
}

bool by_item(const Candidate& a, const Candidate& b) { return a.item < b.item; }

void check_distinct(std::span<const Index> items) {
  if (items.empty()) return;
  const Index largest = *std::max_element(items.begin(), items.end());
  std::vector<bool> present(static_cast<std::size_t>(std::max<Index>(largest, 0)) + 1, false);
  for (std::size_t r = 0; r < items.size(); ++r) {
    const Index item = items[r];
    if (item < 0 || present[static_cast<std::size_t>(item)])
      throw UsageError(fmt::format("invert: item_index_of_row[{}] = {} is {}", r, item,
                                   item < 0 ? "negative" : "repeated (items must be distinct)"));
    present[static_cast<std::size_t>(item)] = true;
  }
}

// Writes the first `count` of `candidates` ordered by `less` to `out`.
template <class Less>
void write_ordered(std::vector<Candidate>& candidates, std::size_t count, Less less,
                   Candidate* out) {
  const auto middle = candidates.begin() + static_cast<std::ptrdiff_t>(count);
  std::partial_sort(candidates.begin(), middle, candidates.end(), less);
  std::copy(candidates.begin(), middle, out);
}
}  // namespace

CandidateLists invert(const ItemTopUsers& top_users, std::span<const Index> item_index_of_row,
                      std::span<const Index> user_index_of_row, std::size_t total_users,
                      const SeenItems& seen, const InversionParams& params,
                      std::span<const std::int64_t> seed_user) {
  validate(params);
  if (!seed_user.empty() && seed_user.size() != total_users)
    throw UsageError(fmt::format("invert: seed_user has {} entries for {} users", seed_user.size(),
                                 total_users));
  const std::int64_t rows = top_users.items;
  const std::int64_t n = top_users.users_per_item;
  if (rows < 0 || n < 0 || item_index_of_row.size() != static_cast<std::size_t>(rows))
    throw UsageError(fmt::format("invert: top_users has {} item rows but item_index_of_row has {}",
                                 rows, item_index_of_row.size()));
  if (top_users.users.size() != static_cast<std::size_t>(rows * n) ||
      top_users.scores.size() != top_users.users.size())
    throw UsageError(fmt::format("invert: top_users has {} users and {} scores; {} items x {} "
                                 "users_per_item needs {} of each",
                                 top_users.users.size(), top_users.scores.size(), rows, n, rows * n));
  check_distinct(item_index_of_row);
  // (1) Resolve slots to dataset users; kNoIndex = empty or already seen.
  std::vector<Index> slot_user =
      resolve_slot_users(top_users, item_index_of_row, user_index_of_row, total_users, seen,
                         params.threads, /*finite_scores=*/false, "invert");

  // (2) Sizes and offsets of the uncapped per-user lists.
  std::vector<std::uint64_t> start(total_users + 1, 0);
  for (Index user : slot_user)
    if (user != kNoIndex) ++start[static_cast<std::size_t>(user) + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());

  // (3) Scatter in item-row order (deterministic).
  std::vector<Candidate> all(start[total_users]);
  {
    std::vector<std::uint64_t> next(start.begin(), start.end() - 1);
    for (std::size_t slot = 0; slot < slot_user.size(); ++slot) {
      const Index user = slot_user[slot];
      if (user == kNoIndex) continue;
      const auto r = static_cast<std::size_t>(slot / static_cast<std::size_t>(n));
      all[next[static_cast<std::size_t>(user)]++] =
          Candidate{item_index_of_row[r], top_users.scores[slot],
                    static_cast<std::int32_t>(slot % static_cast<std::size_t>(n)) + 1};
    }
  }
  slot_user = {};

  // (4) Every ordering keeps min(size, M) per user, so offsets are shared.
  const auto cap = static_cast<std::uint64_t>(params.max_candidates_per_user);
  CandidateLists lists;
  lists.users = total_users;
  std::vector<std::uint64_t> offsets(total_users + 1, 0);
  for (std::size_t u = 0; u < total_users; ++u)
    offsets[u + 1] = offsets[u] + std::min(start[u + 1] - start[u], cap);
  for (std::size_t o = 0; o < kInvertedOrderings; ++o) {
    lists.offsets[o] = offsets;
    lists.lists[o].resize(offsets[total_users]);
  }
  // The target ordering is the assignment's (invr/assign.h): empty here.
  for (std::size_t o = kInvertedOrderings; o < kOrderings; ++o)
    lists.offsets[o].assign(total_users + 1, 0);
  auto out = [&](Ordering ordering, std::size_t u) {
    const auto o = static_cast<std::size_t>(ordering);
    return lists.lists[o].data() + offsets[u];
  };
  parallel_ranges(
      static_cast<std::int64_t>(total_users), params.threads, 1024,
      [&](std::int64_t b, std::int64_t e) {
        std::vector<Candidate> scratch;
        for (auto u = static_cast<std::size_t>(b); u < static_cast<std::size_t>(e); ++u) {
          const std::size_t size = start[u + 1] - start[u];
          if (size == 0) continue;
          const std::size_t count = offsets[u + 1] - offsets[u];
          scratch.assign(all.begin() + static_cast<std::ptrdiff_t>(start[u]),
                         all.begin() + static_cast<std::ptrdiff_t>(start[u + 1]));
          write_ordered(scratch, count, by_score, out(Ordering::score, u));
          write_ordered(scratch, count, by_user_rank, out(Ordering::user_rank, u));
          // Shuffle from a canonical order so the input order cannot leak in.
          std::sort(scratch.begin(), scratch.end(), by_item);
          auto rng = inverse::user_generator(
              params.seed, seed_user.empty() ? u : static_cast<std::uint64_t>(seed_user[u]));
          inverse::partial_shuffle(std::span<Candidate>(scratch), count, rng);
          std::copy(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(count),
                    out(Ordering::random, u));
        }
      });
  return lists;
}

}  // namespace invr
