// Exact search's int8 filter (src/retrieval/filtered_search.h): on AVX-512
// VNNI CPUs it picks candidates with int8 products and an error bound, then
// scores them exactly. These tests hold it to the naive
// scan and to the sgemm path, including its second tries: a warm start that
// overshoots (searched again cold), queries whose candidates cannot be told
// apart and a base that is not finite (both left to sgemm).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <tuple>

#include "invr/retrieval.h"
#include "retrieval_test_util.h"

namespace invr {
namespace {
using test::gaussian_matrix;
using test::integer_matrix;
using test::naive_topk;
using test::run_exact;

#define SKIP_WITHOUT_FILTER()                                                    \
  if (!exact_int8_filter_supported())                                            \
  GTEST_SKIP() << "this CPU lacks AVX-512 VNNI, so exact_search never takes the " \
                  "int8 filter (the sgemm path is tested in exact_search_test)"

// filter = true: through ExactSearcher, which takes the filter for any
// number of queries over 1,024+ rows (exact_search only from 512 queries
// over 65,536 rows: ExactSearchTakesTheFilterAtItsThresholds); false: the
// sgemm path.
test::TopK run(const std::vector<float>& queries, const std::vector<float>& base, int dim, int k,
               bool filter, int threads = 2) {
  SearchParams params;
  params.threads = threads;
  params.int8_filter = filter;
  if (!filter) return run_exact(queries, base, dim, k, params);
  const auto n = static_cast<std::int64_t>(queries.size()) / dim;
  const ExactSearcher searcher(
      MatrixView{base.data(), static_cast<std::int64_t>(base.size()) / dim, dim}, threads);
  EXPECT_TRUE(searcher.prepared());
  test::TopK out;
  out.scores.assign(static_cast<std::size_t>(n * k), 12345.0f);
  out.ids.assign(static_cast<std::size_t>(n * k), 777);
  searcher.search(MatrixView{queries.data(), n, dim}, k, out.scores.data(), out.ids.data(), params);
  return out;
}

// The filter's ids and scores equal the naive scan's, bit for bit (data
// whose products are exact in any summation order).
void expect_filter_matches_naive(const std::vector<float>& queries, const std::vector<float>& base,
                                 int dim, int k) {
  const auto want = naive_topk(queries, base, dim, k);
  const auto got = run(queries, base, dim, k, true);
  EXPECT_EQ(got.ids, want.ids);
  EXPECT_EQ(got.scores, want.scores);
}

// (queries, base rows, dim, k)
using Shape = std::tuple<int, int, int, int>;
class FilterMatchesNaive : public ::testing::TestWithParam<Shape> {};

// Small integers: every product is exact however it is summed, so the
// filter, sgemm and the naive scan must agree bit for bit, ties included.
TEST_P(FilterMatchesNaive, IntegerDataBitForBit) {
  SKIP_WITHOUT_FILTER();
  const auto [n, m, dim, k] = GetParam();
  const auto queries = integer_matrix(n, dim, 3, 11 + static_cast<unsigned>(n));
  const auto base = integer_matrix(m, dim, 3, 12 + static_cast<unsigned>(m));
  const auto want = naive_topk(queries, base, dim, k);
  const auto got = run(queries, base, dim, k, true);
  EXPECT_EQ(got.ids, want.ids);
  EXPECT_EQ(got.scores, want.scores);
  const auto sgemm = run(queries, base, dim, k, false);
  EXPECT_EQ(got.ids, sgemm.ids);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, FilterMatchesNaive,
    ::testing::Values(Shape{256, 1024, 4, 10},    // smallest filtered call
                      Shape{257, 3001, 7, 1},     // ragged queries, rows and dims; k = 1
                      Shape{300, 5000, 8, 100},   // band compactions
                      Shape{260, 2100, 33, 262},  // k = m / 8
                      Shape{256, 70000, 8, 20},   // warm start (8 sampled blocks)
                      Shape{300, 2048, 64, 50}));

// Gaussian data: scores are rounded sums, so equal up to the last bit, and
// ids equal except where two rows' scores are that close.
TEST(Filter, GaussianDataMatchesNaive) {
  SKIP_WITHOUT_FILTER();
  constexpr int n = 300, m = 70000, dim = 64, k = 100;
  const auto queries = gaussian_matrix(n, dim, 21);
  const auto base = gaussian_matrix(m, dim, 22);
  const auto want = naive_topk(queries, base, dim, k);
  const auto got = run(queries, base, dim, k, true);
  int differ = 0;
  for (std::size_t i = 0; i < got.ids.size(); ++i) {
    ASSERT_NEAR(got.scores[i], want.scores[i], 1e-5f * std::fabs(want.scores[i]) + 1e-6f) << i;
    if (got.ids[i] != want.ids[i]) {
      ++differ;  // only a swap of two rows scoring the same to the last bit
      EXPECT_NEAR(got.scores[i], want.scores[i], 3e-7f * std::fabs(want.scores[i])) << i;
    }
  }
  EXPECT_LE(differ, 4);
}

// Independent of the thread count, bit for bit (exact scores are summed in
// one fixed order per pair).
TEST(Filter, SameResultsOnOneTwoAndThreeThreads) {
  SKIP_WITHOUT_FILTER();
  constexpr int n = 400, m = 9000, dim = 24, k = 30;
  const auto queries = gaussian_matrix(n, dim, 31);
  const auto base = gaussian_matrix(m, dim, 32);
  const auto one = run(queries, base, dim, k, true, 1);
  for (int threads : {2, 3}) {
    const auto other = run(queries, base, dim, k, true, threads);
    EXPECT_EQ(one.ids, other.ids) << threads;
    EXPECT_EQ(one.scores, other.scores) << threads;
  }
}

// The first sampled block holds 1,024 rows far above the rest, fewer than
// k: the warm-start floor lands among them, too few rows reach it, and every
// query is searched again from a cold floor. Still exact.
TEST(Filter, WarmStartThatOvershootsIsSearchedAgain) {
  SKIP_WITHOUT_FILTER();
  constexpr int n = 256, m = 70000, dim = 8, k = 2000;
  auto queries = integer_matrix(n, dim, 3, 41);
  for (auto& x : queries) x = std::fabs(x) + 1.0f;  // positive: the strong rows win
  auto base = integer_matrix(m, dim, 3, 42);
  for (int r = 0; r < 1024; ++r)
    for (int j = 0; j < dim; ++j) base[static_cast<std::size_t>(r * dim + j)] = 9.0f;
  expect_filter_matches_naive(queries, base, dim, k);
}

// A zero query scores 0 against every row: no bound can separate them, its
// band overflows and sgemm answers it (ids 0..k-1). Zero base rows and
// duplicated rows tie too.
TEST(Filter, ZeroQueriesZeroRowsAndDuplicates) {
  SKIP_WITHOUT_FILTER();
  constexpr int n = 300, m = 40000, dim = 16, k = 64;
  auto queries = integer_matrix(n, dim, 2, 51);
  for (int q = 0; q < n; q += 7)
    for (int j = 0; j < dim; ++j) queries[static_cast<std::size_t>(q * dim + j)] = 0.0f;
  auto base = integer_matrix(m, dim, 2, 52);
  for (int r = 0; r < m; r += 5)
    for (int j = 0; j < dim; ++j)
      base[static_cast<std::size_t>(r * dim + j)] = r % 10 == 0 ? 0.0f : base[static_cast<std::size_t>(j)];
  expect_filter_matches_naive(queries, base, dim, k);
}

// Rows whose norms span six orders of magnitude: the per-row scale and
// bound keep the small rows exact too.
TEST(Filter, RowsOfVeryDifferentNorms) {
  SKIP_WITHOUT_FILTER();
  constexpr int n = 256, m = 30000, dim = 12, k = 40;
  const auto queries = integer_matrix(n, dim, 3, 61);
  auto base = integer_matrix(m, dim, 3, 62);
  for (int r = 0; r < m; ++r) {
    const float factor = r % 3 == 0 ? 1e-3f : r % 3 == 1 ? 1.0f : 1e3f;
    for (int j = 0; j < dim; ++j) base[static_cast<std::size_t>(r * dim + j)] *= factor;
  }
  const auto want = naive_topk(queries, base, dim, k);
  const auto got = run(queries, base, dim, k, true);
  for (std::size_t i = 0; i < got.ids.size(); ++i)
    ASSERT_NEAR(got.scores[i], want.scores[i], 1e-6f * std::fabs(want.scores[i])) << i;
  EXPECT_EQ(got.ids, want.ids);
}

// exact_search itself takes the filter from 512 queries over 65,536 rows.
TEST(Filter, ExactSearchTakesTheFilterAtItsThresholds) {
  SKIP_WITHOUT_FILTER();
  constexpr int n = 512, m = 66000, dim = 8, k = 20;
  const auto queries = integer_matrix(n, dim, 3, 75);
  const auto base = integer_matrix(m, dim, 3, 76);
  const auto want = naive_topk(queries, base, dim, k);
  SearchParams params;
  params.threads = 2;
  const auto got = run_exact(queries, base, dim, k, params);
  EXPECT_EQ(got.ids, want.ids);
  EXPECT_EQ(got.scores, want.scores);
}

// A NaN in the base: the filter declines the call and sgemm runs it, which
// never keeps a NaN score.
TEST(Filter, NonFiniteBaseFallsBackToSgemm) {
  SKIP_WITHOUT_FILTER();
  constexpr int n = 512, m = 66000, dim = 8, k = 10;
  const auto queries = integer_matrix(n, dim, 3, 71);
  auto base = integer_matrix(m, dim, 3, 72);
  base[100 * dim + 3] = std::numeric_limits<float>::quiet_NaN();
  SearchParams params;
  params.threads = 2;
  const auto got = run_exact(queries, base, dim, k, params);
  const auto sgemm = run(queries, base, dim, k, false);
  EXPECT_EQ(got.ids, sgemm.ids);
  EXPECT_EQ(got.scores, sgemm.scores);
  for (const RowId id : got.ids) EXPECT_NE(id, 100);
}

}  // namespace
}  // namespace invr

namespace invr {
namespace {

test::TopK run_searcher(const ExactSearcher& searcher, const std::vector<float>& queries, int dim,
                        int k) {
  const auto n = static_cast<std::int64_t>(queries.size()) / dim;
  test::TopK out;
  out.scores.assign(static_cast<std::size_t>(n * k), 12345.0f);
  out.ids.assign(static_cast<std::size_t>(n * k), 777);
  searcher.search(MatrixView{queries.data(), n, dim}, k, out.scores.data(), out.ids.data());
  return out;
}

// A prepared base takes the filter for any number of queries, one
// included, and answers as the naive scan does.
TEST(ExactSearcher, MatchesNaiveForOneQueryAndMany) {
  constexpr int m = 20000, dim = 16, k = 200;
  const auto base = test::integer_matrix(m, dim, 3, 81);
  const ExactSearcher searcher(MatrixView{base.data(), m, dim}, 2);
  EXPECT_EQ(searcher.prepared(), exact_int8_filter_supported());
  for (int n : {1, 3, 300}) {
    const auto queries = test::integer_matrix(n, dim, 3, 82 + static_cast<unsigned>(n));
    const auto want = test::naive_topk(queries, base, dim, k);
    const auto got = run_searcher(searcher, queries, dim, k);
    EXPECT_EQ(got.ids, want.ids) << n;
    EXPECT_EQ(got.scores, want.scores) << n;
  }
}

// Small, non-finite or too-wide bases are not prepared; searches still
// answer as exact_search does.
TEST(ExactSearcher, UnpreparedBasesFallBackToExactSearch) {
  constexpr int dim = 8, k = 5;
  const auto queries = test::integer_matrix(4, dim, 3, 91);
  auto small = test::integer_matrix(500, dim, 3, 92);
  auto with_nan = test::integer_matrix(5000, dim, 3, 93);
  with_nan[17 * dim] = std::numeric_limits<float>::quiet_NaN();
  for (const auto* base : {&small, &with_nan}) {
    const auto rows = static_cast<std::int64_t>(base->size()) / dim;
    const ExactSearcher searcher(MatrixView{base->data(), rows, dim}, 1);
    EXPECT_FALSE(searcher.prepared());
    const auto want = run_exact(queries, *base, dim, k, SearchParams{});
    const auto got = run_searcher(searcher, queries, dim, k);
    EXPECT_EQ(got.ids, want.ids);
    EXPECT_EQ(got.scores, want.scores);
  }
}

// search() is const and shared by a server's request threads.
TEST(ExactSearcher, ConcurrentSearchesAgree) {
  constexpr int m = 8000, dim = 12, k = 20;
  const auto base = test::gaussian_matrix(m, dim, 101);
  const ExactSearcher searcher(MatrixView{base.data(), m, dim}, 2);
  const auto queries = test::gaussian_matrix(1, dim, 102);
  const auto want = run_searcher(searcher, queries, dim, k);
  std::vector<test::TopK> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) got[static_cast<std::size_t>(t)] = run_searcher(searcher, queries, dim, k);
    });
  for (auto& thread : threads) thread.join();
  for (const auto& g : got) {
    EXPECT_EQ(g.ids, want.ids);
    EXPECT_EQ(g.scores, want.scores);
  }
}

}  // namespace
}  // namespace invr
