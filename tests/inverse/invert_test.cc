// Step (c), SeenItems and the single-process chain. The hand-made case:
//   item row r0 -> item 10: users rows [2 0.9, 0 0.6, 1 0.5]
//   item row r1 -> item 4:  users rows [0 0.6, 2 0.3, -]
//   item row r2 -> item 7:  users rows [3 0.95, 1 0.8, 0 0.7]
//   item row r3 -> item 2:  users rows [1 0.4, 0 0.3, -]
//   user rows 0,1,2,3 are dataset users 5,1,3,0; 6 users in all.
// So user 5 holds (10 .6 r2) (4 .6 r1) (7 .7 r3) (2 .3 r2),
//    user 1 holds (10 .5 r3) (7 .8 r2) (2 .4 r1),
//    user 3 holds (10 .9 r1) (4 .3 r2), user 0 holds (7 .95 r1).
#include <algorithm>
#include <map>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "invr/inverse.h"
#include "invr/progress.h"

namespace invr {
namespace {
const bool kQuiet = (Progress::set_enabled(false), true);
constexpr RowId X = kNoRow;
const float kNone = -std::numeric_limits<float>::infinity();
const std::vector<Index> kItemOfRow = {10, 4, 7, 2};
const std::vector<Index> kUserOfRow = {5, 1, 3, 0};

ItemTopUsers hand_made() {
  ItemTopUsers t;
  t.items = 4;
  t.users_per_item = 3;
  t.users = {2, 0, 1, 0, 2, X, 3, 1, 0, 1, 0, X};
  t.scores = {0.9f, 0.6f, 0.5f, 0.6f, 0.3f, kNone, 0.95f, 0.8f, 0.7f, 0.4f, 0.3f, kNone};
  return t;
}

std::vector<Index> items_of(std::span<const Candidate> list) {
  std::vector<Index> out;
  for (const Candidate& c : list) out.push_back(c.item);
  return out;
}

InversionParams params(std::int64_t cap = 50, std::uint64_t seed = 42, int threads = 2) {
  InversionParams p;
  p.max_candidates_per_user = cap;
  p.seed = seed;
  p.threads = threads;
  return p;
}

using Items = std::vector<Index>;

TEST(Invert, HandMadeListsInEveryOrdering) {
  const CandidateLists lists = invert(hand_made(), kItemOfRow, kUserOfRow, 6, {}, params());
  EXPECT_EQ(lists.users, 6u);
  // Score: descending, ties (4 and 10 at 0.6) by smaller item.
  EXPECT_EQ(items_of(lists.of(5, Ordering::score)), (Items{7, 4, 10, 2}));
  // User rank: 4 (r1); rank 2 ties by score: 10 (0.6) before 2 (0.3); then 7 (r3).
  EXPECT_EQ(items_of(lists.of(5, Ordering::user_rank)), (Items{4, 10, 2, 7}));
  EXPECT_EQ(items_of(lists.of(1, Ordering::score)), (Items{7, 10, 2}));
  EXPECT_EQ(items_of(lists.of(1, Ordering::user_rank)), (Items{2, 7, 10}));
  EXPECT_EQ(items_of(lists.of(3, Ordering::score)), (Items{10, 4}));
  EXPECT_EQ(lists.of(0, Ordering::user_rank)[0], (Candidate{7, 0.95f, 1}));
  EXPECT_EQ(lists.of(5, Ordering::user_rank)[1], (Candidate{10, 0.6f, 2}));
  EXPECT_TRUE(lists.of(2, Ordering::score).empty());
  EXPECT_TRUE(lists.of(4, Ordering::random).empty());
  // Random: the same candidates, in some order.
  for (Index u : {0, 1, 3, 5}) {
    auto random = items_of(lists.of(u, Ordering::random));
    auto score = items_of(lists.of(u, Ordering::score));
    std::sort(random.begin(), random.end());
    std::sort(score.begin(), score.end());
    EXPECT_EQ(random, score) << "user " << u;
  }
  EXPECT_EQ(lists.users_with_candidates(), 4u);
  EXPECT_EQ(lists.total(Ordering::score), 10u);
}

TEST(Invert, SeenItemsAreDropped) {
  SeenItems seen;  // user 1 saw item 2; user 5 saw items 7 and 99
  seen.offsets = {0, 0, 1, 1, 1, 1, 3};
  seen.items = {2, 7, 99};
  const CandidateLists lists = invert(hand_made(), kItemOfRow, kUserOfRow, 6, seen, params());
  EXPECT_EQ(items_of(lists.of(5, Ordering::score)), (Items{4, 10, 2}));
  EXPECT_EQ(items_of(lists.of(5, Ordering::user_rank)), (Items{4, 10, 2}));
  EXPECT_EQ(items_of(lists.of(1, Ordering::user_rank)), (Items{7, 10}));
  EXPECT_EQ(items_of(lists.of(3, Ordering::score)), (Items{10, 4}));  // nothing seen
}

TEST(Invert, EachOrderingIsCappedSeparately) {
  const CandidateLists lists = invert(hand_made(), kItemOfRow, kUserOfRow, 6, {}, params(2));
  EXPECT_EQ(items_of(lists.of(5, Ordering::score)), (Items{7, 4}));
  EXPECT_EQ(items_of(lists.of(5, Ordering::user_rank)), (Items{4, 10}));
  EXPECT_EQ(lists.of(5, Ordering::random).size(), 2u);
  EXPECT_EQ(items_of(lists.of(0, Ordering::score)), (Items{7}));
  EXPECT_EQ(lists.total(Ordering::random), 7u);  // 2 + 2 + 2 + 1
}

// Many users with long lists, from a real search: the orderings must match a
// naive per-user map, and the random ordering must follow its seed only.
struct Big {
  ItemTopUsers top;
  std::vector<Index> item_of_row, user_of_row;
  std::size_t users = 0;
};
Big big_case() {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> value(-3, 3);
  Matrix items(300, 4), users(90, 4);
  for (float& x : items.data) x = static_cast<float>(value(rng));
  for (float& x : users.data) x = static_cast<float>(value(rng));
  RetrievalSettings s;
  s.top_users_per_item = 40;
  s.threads = 2;
  Big big;
  big.top = top_users_per_item(view_of(items), view_of(users), s);
  for (Index r = 0; r < 300; ++r) big.item_of_row.push_back(1000 - 3 * r);  // not sorted
  for (Index r = 0; r < 90; ++r) big.user_of_row.push_back(2 * r + 1);
  big.users = 200;
  return big;
}

TEST(Invert, MatchesNaiveInversionOnALargerCase) {
  const Big big = big_case();
  std::map<Index, std::vector<Candidate>> naive;
  for (std::int64_t r = 0; r < big.top.items; ++r)
    for (std::int64_t j = 0; j < 40; ++j)
      naive[big.user_of_row[static_cast<std::size_t>(big.top.users_of(r)[j])]].push_back(
          {big.item_of_row[static_cast<std::size_t>(r)], big.top.scores_of(r)[j],
           static_cast<std::int32_t>(j + 1)});
  const CandidateLists lists =
      invert(big.top, big.item_of_row, big.user_of_row, big.users, {}, params(25, 42, 3));
  for (auto& [user, list] : naive) {
    auto want = list;
    std::sort(want.begin(), want.end(), [](const Candidate& a, const Candidate& b) {
      return a.score != b.score ? a.score > b.score : a.item < b.item;
    });
    want.resize(std::min<std::size_t>(want.size(), 25));
    const auto got = lists.of(user, Ordering::score);
    EXPECT_EQ(std::vector<Candidate>(got.begin(), got.end()), want);
    want = list;
    std::sort(want.begin(), want.end(), [](const Candidate& a, const Candidate& b) {
      if (a.user_rank != b.user_rank) return a.user_rank < b.user_rank;
      return a.score != b.score ? a.score > b.score : a.item < b.item;
    });
    want.resize(std::min<std::size_t>(want.size(), 25));
    const auto ranked = lists.of(user, Ordering::user_rank);
    EXPECT_EQ(std::vector<Candidate>(ranked.begin(), ranked.end()), want);
    for (const Candidate& c : lists.of(user, Ordering::random))
      EXPECT_NE(std::find(list.begin(), list.end(), c), list.end());
  }
  EXPECT_EQ(lists.users_with_candidates(), naive.size());
}

TEST(Invert, RandomOrderingIsDeterministicPerSeedAndThreadCount) {
  const Big big = big_case();
  const auto run = [&](std::uint64_t seed, int threads) {
    return invert(big.top, big.item_of_row, big.user_of_row, big.users, {},
                  params(25, seed, threads));
  };
  const CandidateLists a = run(7, 1);
  const CandidateLists b = run(7, 4);
  const CandidateLists c = run(8, 2);
  EXPECT_EQ(a.lists, b.lists);
  EXPECT_EQ(a.offsets, b.offsets);
  const auto random = static_cast<std::size_t>(Ordering::random);
  EXPECT_NE(a.lists[random], c.lists[random]);
  // Other orderings do not depend on the seed.
  EXPECT_EQ(a.lists[static_cast<std::size_t>(Ordering::score)],
            c.lists[static_cast<std::size_t>(Ordering::score)]);
  // The shuffle really moves things: most lists differ from the score order.
  std::size_t differs = 0;
  for (Index u = 1; u < 180; u += 2)
    differs += items_of(a.of(u, Ordering::random)) != items_of(a.of(u, Ordering::score));
  EXPECT_GT(differs, 80u);
}

TEST(Invert, EmptyInputs) {
  ItemTopUsers none;
  none.users_per_item = 5;
  const CandidateLists lists = invert(none, {}, {}, 3, {}, params());
  EXPECT_EQ(lists.users, 3u);
  for (Ordering o : kAllOrderings) {
    EXPECT_EQ(lists.offsets[static_cast<std::size_t>(o)], (std::vector<std::uint64_t>{0, 0, 0, 0}));
    EXPECT_EQ(lists.total(o), 0u);
  }
  EXPECT_EQ(invert(none, {}, {}, 0, {}, params()).users_with_candidates(), 0u);
}

TEST(SeenItems, PositiveEventsBeforeAsOfSortedAndUnique) {
  Dataset d;
  for (const char* id : {"a", "b", "c"}) d.users.add(id);
  auto& in = d.interactions;
  in.push_back(0, 5, 10, EventType::click, 1);
  in.push_back(0, 2, 11, EventType::click, 1);
  in.push_back(0, 5, 12, EventType::rating, 4);       // duplicate item
  in.push_back(0, 9, 13, EventType::impression, 1);   // not positive
  in.push_back(2, 1, 50, EventType::click, 1);        // at as_of: not yet seen
  in.push_back(2, 3, kNoTime, EventType::click, 1);   // undated: always seen
  const SeenItems seen = seen_items(d, 50);
  EXPECT_EQ(seen.offsets, (std::vector<std::uint64_t>{0, 2, 2, 3}));
  EXPECT_EQ(seen.items, (std::vector<Index>{2, 5, 3}));
  EXPECT_TRUE(seen.contains(0, 5));
  EXPECT_FALSE(seen.contains(0, 9));
  EXPECT_FALSE(seen.contains(2, 1));
  EXPECT_FALSE(seen.contains(7, 1));  // beyond the table
  EXPECT_EQ(seen_items(d).items, (std::vector<Index>{2, 5, 1, 3}));
}

TEST(InverseRetrieval, ChainsSearchAndInversionOverTheSelection) {
  // Items 0..3, users 0..2, dim 2; selection: items {1, 3}, users {0, 2}.
  Matrix items(4, 2), users(3, 2);
  items.data = {9, 9, 1, 0, 9, 9, 0, 1};
  users.data = {2, 1, 5, 5, 1, 3};
  Selection selection;
  selection.items = {1, 3};
  selection.users = {0, 2};
  SeenItems seen;  // user 2 saw item 1
  seen.offsets = {0, 0, 0, 1};
  seen.items = {1};
  RetrievalSettings s;
  s.top_users_per_item = 2;
  const CandidateLists lists = inverse_retrieval(selection, items, users, seen, s, params());
  EXPECT_EQ(lists.users, 3u);
  // Item 1 (1,0): user 0 scores 2 (rank 1), user 2 scores 1 (rank 2, seen).
  // Item 3 (0,1): user 2 scores 3 (rank 1), user 0 scores 1 (rank 2).
  const auto u0 = lists.of(0, Ordering::score);
  EXPECT_EQ(std::vector<Candidate>(u0.begin(), u0.end()),
            (std::vector<Candidate>{{1, 2.0f, 1}, {3, 1.0f, 2}}));
  const auto u2 = lists.of(2, Ordering::user_rank);
  EXPECT_EQ(std::vector<Candidate>(u2.begin(), u2.end()), (std::vector<Candidate>{{3, 3.0f, 1}}));
  EXPECT_TRUE(lists.of(1, Ordering::random).empty());  // not selected
}

}  // namespace
}  // namespace invr
