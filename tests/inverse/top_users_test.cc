// Steps (a) and (b): item -> top-N users against a naive scan, and sharded
// runs merged back into exactly the single-process result.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "invr/inverse.h"
#include "invr/progress.h"

namespace invr {
namespace {
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

const bool kQuiet = (Progress::set_enabled(false), true);

// Small integers: dot products are exact and ties are common.
Matrix integer_matrix(std::size_t rows, std::size_t cols, int range, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-range, range);
  Matrix m(rows, cols);
  for (float& x : m.data) x = static_cast<float>(value(rng));
  return m;
}

ItemTopUsers naive(const Matrix& items, const Matrix& users, std::int64_t n) {
  ItemTopUsers out;
  out.items = static_cast<std::int64_t>(items.rows);
  out.users_per_item = n;
  for (std::size_t i = 0; i < items.rows; ++i) {
    std::vector<std::pair<float, RowId>> all;
    for (std::size_t u = 0; u < users.rows; ++u) {
      float dot = 0;
      for (std::size_t c = 0; c < items.cols; ++c) dot += items.row(i)[c] * users.row(u)[c];
      all.push_back({dot, static_cast<RowId>(u)});
    }
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    for (std::int64_t j = 0; j < n; ++j) {
      const bool has = static_cast<std::size_t>(j) < all.size();
      out.users.push_back(has ? all[static_cast<std::size_t>(j)].second : kNoRow);
      out.scores.push_back(has ? all[static_cast<std::size_t>(j)].first : kMinusInf);
    }
  }
  return out;
}

RetrievalSettings settings(std::int64_t n, std::int64_t item_block = 8192, int threads = 2) {
  RetrievalSettings s;
  s.top_users_per_item = n;
  s.item_block = item_block;
  s.threads = threads;
  return s;
}

void expect_same(const ItemTopUsers& got, const ItemTopUsers& want) {
  EXPECT_EQ(got.items, want.items);
  EXPECT_EQ(got.users_per_item, want.users_per_item);
  EXPECT_EQ(got.users, want.users);
  EXPECT_EQ(got.scores, want.scores);
}

struct Shape {
  std::size_t items, users, dim;
  std::int64_t n, item_block;
};

TEST(TopUsersPerItem, EqualsNaiveScanWithTies) {
  for (const Shape& shape : {Shape{37, 53, 4, 7, 5}, Shape{10, 30, 2, 12, 8192},
                             Shape{5, 9, 3, 20, 2}, Shape{64, 400, 8, 50, 16}}) {
    SCOPED_TRACE(testing::Message() << shape.items << "x" << shape.users << " N=" << shape.n);
    const Matrix items = integer_matrix(shape.items, shape.dim, 2, 7);
    const Matrix users = integer_matrix(shape.users, shape.dim, 2, 8);
    expect_same(top_users_per_item(view_of(items), view_of(users),
                                   settings(shape.n, shape.item_block)),
                naive(items, users, shape.n));
  }
}

TEST(TopUsersPerItem, EmptyInputs) {
  const Matrix users = integer_matrix(4, 3, 2, 1);
  const ItemTopUsers none = top_users_per_item(view_of(Matrix(0, 3)), view_of(users), settings(5));
  EXPECT_EQ(none.items, 0);
  EXPECT_TRUE(none.users.empty());
  const Matrix items = integer_matrix(2, 3, 2, 2);
  const ItemTopUsers padded = top_users_per_item(view_of(items), view_of(Matrix(0, 3)), settings(3));
  EXPECT_EQ(padded.users, std::vector<RowId>(6, kNoRow));
  EXPECT_EQ(padded.scores, std::vector<float>(6, kMinusInf));
}

// Shards [0,a), [a,b), ... of the user rows, searched alone and merged.
ItemTopUsers sharded(const Matrix& items, const Matrix& users, std::int64_t n,
                     const std::vector<std::size_t>& bounds, bool reverse_order) {
  std::vector<ItemTopUsers> shards;
  std::vector<RowId> offsets;
  for (std::size_t s = 0; s + 1 < bounds.size(); ++s) {
    std::vector<Index> rows(bounds[s + 1] - bounds[s]);
    std::iota(rows.begin(), rows.end(), static_cast<Index>(bounds[s]));
    const Matrix part = gather_rows(users, rows);
    shards.push_back(top_users_per_item(view_of(items), view_of(part), settings(n)));
    offsets.push_back(static_cast<RowId>(bounds[s]));
  }
  if (reverse_order) {
    std::reverse(shards.begin(), shards.end());
    std::reverse(offsets.begin(), offsets.end());
  }
  return merge_top_users(shards, offsets, n);
}

TEST(MergeTopUsers, ShardsMergeToTheUnshardedResultIncludingTies) {
  const Matrix items = integer_matrix(41, 3, 1, 11);  // values in {-1,0,1}: many ties
  const Matrix users = integer_matrix(60, 3, 1, 12);
  for (std::int64_t n : {1, 8, 25, 70}) {
    SCOPED_TRACE(n);
    const ItemTopUsers whole = top_users_per_item(view_of(items), view_of(users), settings(n));
    expect_same(whole, naive(items, users, n));
    expect_same(sharded(items, users, n, {0, 30, 60}, false), whole);
    expect_same(sharded(items, users, n, {0, 17, 18, 60}, false), whole);  // a 1-user shard
    expect_same(sharded(items, users, n, {0, 5, 33, 60}, true), whole);
  }
}

Matrix normal_matrix(std::size_t rows, std::size_t cols, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  Matrix m(rows, cols);
  for (float& x : m.data) x = normal(rng);
  return m;
}

// Regression: with real-valued embeddings sgemm rounded the same pair
// differently in a shard than in the whole matrix, so merged lists differed
// in the last bits of scores and in near-tied users.
TEST(MergeTopUsers, RealValuedShardsMergeToTheUnshardedResult) {
  const Matrix items = normal_matrix(300, 24, 21);
  const Matrix users = normal_matrix(3000, 24, 22);
  const ItemTopUsers whole = top_users_per_item(view_of(items), view_of(users), settings(30));
  expect_same(sharded(items, users, 30, {0, 700, 701, 2100, 3000}, false), whole);
  // Scores are the double-precision dot product, rounded once.
  for (std::int64_t i = 0; i < whole.items; i += 37) {
    const RowId best = whole.users_of(i)[0];
    double dot = 0;
    for (std::size_t c = 0; c < 24; ++c)
      dot += static_cast<double>(items.row(static_cast<std::size_t>(i))[c]) *
             users.row(static_cast<std::size_t>(best))[c];
    EXPECT_EQ(whole.scores_of(i)[0], static_cast<float>(dot));
  }
}

// More tied users than the first search pool holds: the pool must widen so
// the smallest rows win the ties.
TEST(TopUsersPerItem, TiesBeyondTheSearchPoolKeepTheSmallestRows) {
  Matrix users(400, 2);
  for (std::size_t r = 0; r < users.rows; ++r) users.row(r)[0] = 1;  // all tie ...
  users.row(399)[0] = 2;                                             // ... but one
  Matrix items(1, 2);
  items.row(0)[0] = 1;
  const ItemTopUsers top = top_users_per_item(view_of(items), view_of(users), settings(50));
  std::vector<RowId> want = {399};
  for (RowId r = 0; r < 49; ++r) want.push_back(r);
  EXPECT_EQ(top.users, want);
  EXPECT_EQ(sharded(items, users, 50, {0, 150, 400}, true).users, want);
}

TEST(MergeTopUsers, NoShards) {
  const ItemTopUsers merged = merge_top_users({}, {}, 4);
  EXPECT_EQ(merged.items, 0);
  EXPECT_EQ(merged.users_per_item, 4);
}

// Users and items scattered tightly around a few centres: the true top users
// of an item are its cluster's, which any approximate index should find.
TEST(TopUsersPerItem, ApproximateBackendHasHighRecallOnClusteredData) {
  constexpr std::size_t kDim = 16, kClusters = 8, kUsers = 2000, kItems = 64;
  constexpr std::int64_t kN = 10;
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  Matrix centres(kClusters, kDim);
  for (float& x : centres.data) x = normal(rng);
  auto scatter = [&](std::size_t rows, float noise) {
    Matrix m(rows, kDim);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < kDim; ++c)
        m.row(r)[c] = centres.row(r % kClusters)[c] + noise * normal(rng);
    return m;
  };
  const Matrix users = scatter(kUsers, 0.1f);
  const Matrix items = scatter(kItems, 0.1f);
  const ItemTopUsers exact = top_users_per_item(view_of(items), view_of(users), settings(kN));
  for (const char* spec : {"hnsw16", "ivf8"}) {
    SCOPED_TRACE(spec);
    RetrievalSettings s = settings(kN, 16);
    s.index = spec;
    s.nprobe = 2;
    const ItemTopUsers approx = top_users_per_item(view_of(items), view_of(users), s);
    std::size_t found = 0;
    for (std::int64_t i = 0; i < approx.items; ++i) {
      const auto want = exact.users_of(i);
      for (RowId row : approx.users_of(i))
        found += std::find(want.begin(), want.end(), row) != want.end();
      // Canonical order whatever the backend: score descending, smaller row on ties.
      const auto scores = approx.scores_of(i);
      for (std::size_t j = 1; j < scores.size(); ++j) EXPECT_GE(scores[j - 1], scores[j]);
    }
    EXPECT_GE(static_cast<double>(found) / static_cast<double>(kItems * kN), 0.95);
  }
}

}  // namespace
}  // namespace invr
