#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <tuple>

#include "invr/retrieval.h"
#include "retrieval_test_util.h"

namespace invr {
namespace {
using test::integer_matrix;
using test::naive_topk;
using test::run_exact;
constexpr float kInf = std::numeric_limits<float>::infinity();

// (queries, base rows, dim, k, threads, query_block, base_block)
using Shape = std::tuple<int, int, int, int, int, int, int>;

class ExactMatchesNaive : public ::testing::TestWithParam<Shape> {};

TEST_P(ExactMatchesNaive, IntegerDataBitForBit) {
  const auto [n, m, dim, k, threads, query_block, base_block] = GetParam();
  const auto queries = integer_matrix(n, dim, 3, 1 + static_cast<unsigned>(n));
  const auto base = integer_matrix(m, dim, 3, 2 + static_cast<unsigned>(m));
  SearchParams params;
  params.threads = threads;
  params.query_block = query_block;
  params.base_block = base_block;
  const auto got = run_exact(queries, base, dim, k, params);
  const auto want = naive_topk(queries, base, dim, k);
  EXPECT_EQ(got.ids, want.ids);
  EXPECT_EQ(got.scores, want.scores);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ExactMatchesNaive,
    ::testing::Values(Shape{1, 1, 1, 1, 1, 0, 0},         // smallest
                      Shape{7, 50, 4, 5, 1, 0, 0},        // default blocks
                      Shape{37, 301, 8, 10, 3, 5, 16},    // ragged blocks, 3 workers
                      Shape{64, 1000, 16, 100, 2, 0, 0},  // k large vs m, compactions
                      Shape{20, 200, 3, 200, 2, 6, 32},   // k == m
                      Shape{9, 40, 5, 64, 2, 4, 8},       // k > m: padded
                      Shape{2, 5000, 8, 50, 4, 0, 256},   // few queries: base shards
                      Shape{1, 997, 6, 997, 3, 0, 64},    // one query, k == m, shards
                      Shape{300, 700, 32, 1, 2, 0, 100},  // k = 1
                      Shape{100, 3000, 64, 33, 2, 0, 0},
                      // Small base blocks and >= 32 queries: the warm-start sample is used.
                      Shape{50, 4000, 8, 10, 2, 0, 16},
                      Shape{33, 6000, 4, 20, 3, 0, 32},
                      Shape{32, 20000, 4, 10, 2, 0, 16},  // warm start in shards
                      Shape{3, 6000, 4, 20, 3, 0, 32},    // few queries: no warm start
                      Shape{40, 5000, 2, 30, 1, 8, 16},   // dim 2: heavy ties
                      // k >= 512: finish() radix-sorts the candidates.
                      Shape{6, 3000, 4, 600, 1, 0, 0},
                      Shape{4, 1500, 3, 1500, 1, 0, 0}));  // k == m, heavy ties

// With 16-row blocks the warm start samples every 8th of the 1024 rows; 16
// of the sampled rows (0, 64, 128, ...) get the highest scores, so its
// threshold lands among them, too high (fewer than k rows beat it), and the
// queries must be searched again without it. Results must still be exact.
// 32 copies of the query: fewer skip the warm start altogether.
TEST(ExactSearch, MisleadingWarmStartSampleFallsBackToExactResults) {
  const int m = 1024;
  std::vector<float> base(m);
  for (int r = 0; r < m; ++r) base[static_cast<std::size_t>(r)] = static_cast<float>(r % 97) * 0.01f;
  for (int i = 0; i < 16; ++i) base[static_cast<std::size_t>(i * 64)] = 100.0f + static_cast<float>(i);
  const std::vector<float> query(32, 1.0f);
  for (int threads : {1, 2}) {
    SearchParams params;
    params.threads = threads;
    params.base_block = 16;
    const auto got = run_exact(query, base, 1, 10, params);
    const auto want = naive_topk(query, base, 1, 10);
    EXPECT_EQ(got.ids, want.ids) << threads << " threads";
    EXPECT_EQ(got.scores, want.scores) << threads << " threads";
  }
}

TEST(ExactSearch, TiesGoToSmallerIds) {
  // Rows 0..5 score 1, 2, 2, 2, 1, 2 against query (1): the three-best must be 1, 2, 3.
  const std::vector<float> base = {1, 2, 2, 2, 1, 2};
  const std::vector<float> query = {1};
  const auto got = run_exact(query, base, 1, 3);
  EXPECT_EQ(got.ids, (std::vector<RowId>{1, 2, 3}));
  EXPECT_EQ(got.scores, (std::vector<float>{2, 2, 2}));
}

TEST(ExactSearch, AllDuplicateRowsKeepTheFirstIdsInOrder) {
  const std::vector<float> base(2000 * 2, 0.5f);  // every row identical
  const std::vector<float> query = {1, 1};
  SearchParams params;
  params.threads = 3;
  params.base_block = 64;
  const auto got = run_exact(query, base, 2, 40, params);
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(got.ids[static_cast<std::size_t>(i)], i);
    EXPECT_EQ(got.scores[static_cast<std::size_t>(i)], 1.0f);
  }
}

TEST(ExactSearch, KLargerThanBasePadsWithNoRow) {
  const std::vector<float> base = {1, 0, 0, 1};  // two rows of dim 2
  const std::vector<float> query = {3, 1};
  const auto got = run_exact(query, base, 2, 4);
  EXPECT_EQ(got.ids, (std::vector<RowId>{0, 1, kNoRow, kNoRow}));
  EXPECT_EQ(got.scores, (std::vector<float>{3, 1, -kInf, -kInf}));
}

TEST(ExactSearch, NoQueriesWritesNothing) {
  const std::vector<float> base = {1, 2, 3};
  float score = 42;
  RowId id = 42;
  exact_search(MatrixView{nullptr, 0, 3}, MatrixView{base.data(), 1, 3}, 5, &score, &id);
  EXPECT_EQ(score, 42);
  EXPECT_EQ(id, 42);
}

TEST(ExactSearch, EmptyBasePadsEverything) {
  const std::vector<float> query = {1, 2};
  const auto got = run_exact(query, {}, 2, 2);
  EXPECT_EQ(got.ids, (std::vector<RowId>{kNoRow, kNoRow}));
  EXPECT_EQ(got.scores, (std::vector<float>{-kInf, -kInf}));
}

TEST(ExactSearch, ThreadCountDoesNotChangeResults) {
  const auto queries = integer_matrix(123, 16, 2, 7);
  const auto base = integer_matrix(4000, 16, 2, 8);
  SearchParams one;
  one.threads = 1;
  SearchParams many;
  many.threads = 5;
  many.query_block = 10;
  const auto a = run_exact(queries, base, 16, 25, one);
  const auto b = run_exact(queries, base, 16, 25, many);
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.scores, b.scores);
}

TEST(ExactSearch, GaussianDataMatchesNaiveScores) {
  const int dim = 64;
  const auto queries = test::gaussian_matrix(50, dim, 11);
  const auto base = test::gaussian_matrix(5000, dim, 12);
  const int k = 20;
  const auto got = run_exact(queries, base, dim, k);
  const auto want = naive_topk(queries, base, dim, k);
  // Float summation order differs from the double reference: compare scores
  // with a tolerance and the ids as sets (near-ties may swap).
  for (std::size_t i = 0; i < got.scores.size(); ++i)
    EXPECT_NEAR(got.scores[i], want.scores[i], 1e-4f) << "slot " << i;
  EXPECT_GE(test::recall(got.ids, want.ids, k), 0.999);
  // Each reported score is that row's inner product, best first.
  for (int q = 0; q < 50; ++q) {
    for (int i = 0; i < k; ++i) {
      const auto slot = static_cast<std::size_t>(q * k + i);
      double s = 0;
      for (int j = 0; j < dim; ++j)
        s += static_cast<double>(queries[static_cast<std::size_t>(q * dim + j)]) *
             base[static_cast<std::size_t>(got.ids[slot] * dim + j)];
      EXPECT_NEAR(got.scores[slot], s, 1e-4);
      if (i > 0) {
        EXPECT_GE(got.scores[slot - 1], got.scores[slot]);
      }
    }
  }
}

TEST(ExactSearch, NegativeScoresAreKeptNotPadded) {
  const std::vector<float> base = {-1, -3, -2};
  const std::vector<float> query = {1};
  const auto got = run_exact(query, base, 1, 3);
  EXPECT_EQ(got.ids, (std::vector<RowId>{0, 2, 1}));
  EXPECT_EQ(got.scores, (std::vector<float>{-1, -2, -3}));
}

}  // namespace
}  // namespace invr
