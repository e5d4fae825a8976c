// Retrieval as a guest in its caller's process (issue 15, item 2): bad
// arguments throw UsageError instead of aborting, searches leave OpenBLAS's
// pool and the caller's OpenMP setting as they were, and search() is
// thread-safe on one shared index (the header's claim).
#include <gtest/gtest.h>
#include <omp.h>

#include <string>
#include <thread>
#include <vector>

#include "invr/error.h"
#include "invr/retrieval.h"
#include "retrieval_test_util.h"

namespace invr {
namespace {
using test::clustered_matrix;
using test::integer_matrix;
using test::TopK;

constexpr int kDim = 8;

TopK search_all(const VectorIndex& index, const std::vector<float>& queries, int k,
                const SearchParams& params) {
  const auto n = static_cast<std::int64_t>(queries.size()) / index.dim();
  TopK out{std::vector<float>(static_cast<std::size_t>(n * k)),
           std::vector<RowId>(static_cast<std::size_t>(n * k))};
  index.search(n, queries.data(), k, out.scores.data(), out.ids.data(), params);
  return out;
}

TEST(RetrievalArguments, ExactSearchBadArgumentsThrowUsageErrorNamingThem) {
  const auto queries = integer_matrix(3, kDim, 3, 1);
  const auto base = integer_matrix(20, kDim, 3, 2);
  std::vector<float> scores(30);
  std::vector<RowId> ids(30);
  const MatrixView q{queries.data(), 3, kDim};
  const MatrixView b{base.data(), 20, kDim};
  auto message = [&](auto&& call) {
    try {
      call();
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no UsageError");
  };
  EXPECT_NE(message([&] { exact_search(q, b, 0, scores.data(), ids.data()); }).find("k = 0"),
            std::string::npos);
  EXPECT_THROW(exact_search(q, b, -5, scores.data(), ids.data()), UsageError);
  const MatrixView narrow{base.data(), 20, kDim - 1};
  EXPECT_NE(message([&] { exact_search(q, narrow, 10, scores.data(), ids.data()); }).find("columns"),
            std::string::npos);
  EXPECT_NE(message([&] { exact_search(q, b, 10, nullptr, ids.data()); }).find("scores"),
            std::string::npos);
  EXPECT_NE(message([&] { exact_search(q, b, 10, scores.data(), nullptr); }).find("ids"),
            std::string::npos);
  EXPECT_THROW(exact_search(MatrixView{nullptr, 3, kDim}, b, 10, scores.data(), ids.data()),
               UsageError);
  EXPECT_THROW(exact_search(q, MatrixView{nullptr, 20, kDim}, 10, scores.data(), ids.data()),
               UsageError);
  EXPECT_THROW(exact_search(MatrixView{queries.data(), -1, kDim}, b, 10, scores.data(), ids.data()),
               UsageError);
}

TEST(RetrievalArguments, IndexAddAndSearchBadArgumentsThrowUsageError) {
  const auto rows = clustered_matrix(300, kDim, 4, 3);
  for (const char* spec : {"exact", "hnsw8", "ivf4"}) {
    SCOPED_TRACE(spec);
    auto index = make_index(spec, kDim);
    EXPECT_THROW(index->add(-1, rows.data()), UsageError);
    EXPECT_THROW(index->add(5, nullptr), UsageError);
    index->add(300, rows.data());
    std::vector<float> scores(10);
    std::vector<RowId> ids(10);
    EXPECT_THROW(index->search(1, rows.data(), 0, scores.data(), ids.data()), UsageError);
    EXPECT_THROW(index->search(-1, rows.data(), 5, scores.data(), ids.data()), UsageError);
    EXPECT_THROW(index->search(1, nullptr, 5, scores.data(), ids.data()), UsageError);
    EXPECT_THROW(index->search(1, rows.data(), 5, nullptr, ids.data()), UsageError);
    EXPECT_THROW(index->search(1, rows.data(), 5, scores.data(), nullptr), UsageError);
    // The index still works after the refused calls.
    index->search(1, rows.data(), 5, scores.data(), ids.data());
    EXPECT_NE(ids[0], kNoRow);
  }
}

TEST(RetrievalThreads, SearchesLeaveTheBlasPoolAndTheCallersOpenMpCountAlone) {
  const int blas_before = blas_threads();
  set_blas_threads(3);
  omp_set_num_threads(5);
  const auto rows = clustered_matrix(400, kDim, 4, 5);
  SearchParams params;
  params.threads = 2;
  for (const char* spec : {"exact", "hnsw8", "ivf8"}) {
    SCOPED_TRACE(spec);
    IndexParams build;
    build.threads = 2;
    auto index = make_index(spec, kDim, build);
    index->add(400, rows.data());
    search_all(*index, rows, 10, params);
    EXPECT_EQ(blas_threads(), 3);
    EXPECT_EQ(omp_get_max_threads(), 5);
  }
  std::vector<float> scores(400 * 10);
  std::vector<RowId> ids(400 * 10);
  exact_search(MatrixView{rows.data(), 400, kDim}, MatrixView{rows.data(), 400, kDim}, 10,
               scores.data(), ids.data(), params);
  EXPECT_EQ(blas_threads(), 3);
  set_blas_threads(blas_before);
}

// Every thread searches the same shared index at once, with its own
// SearchParams (threads, and for HNSW an ef_search other than the default,
// which takes the index's exclusive lock), and must get exactly what a
// single-threaded call with the same params got.
void expect_concurrent_equals_serial(const VectorIndex& index, const std::vector<float>& queries,
                                     std::vector<SearchParams> variants) {
  constexpr int k = 10;
  std::vector<TopK> serial;
  for (const auto& params : variants) serial.push_back(search_all(index, queries, k, params));
  constexpr int kThreads = 8;
  constexpr int kRounds = 5;
  std::vector<std::vector<TopK>> got(kThreads);
  std::vector<std::thread> pool;
  for (int t = 0; t < kThreads; ++t)
    pool.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        const auto& params = variants[static_cast<std::size_t>(t + round) % variants.size()];
        got[static_cast<std::size_t>(t)].push_back(search_all(index, queries, k, params));
      }
    });
  for (auto& thread : pool) thread.join();
  for (int t = 0; t < kThreads; ++t)
    for (int round = 0; round < kRounds; ++round) {
      SCOPED_TRACE(testing::Message() << "thread " << t << " round " << round);
      const auto& want = serial[static_cast<std::size_t>(t + round) % variants.size()];
      const auto& have = got[static_cast<std::size_t>(t)][static_cast<std::size_t>(round)];
      EXPECT_EQ(have.ids, want.ids);
      EXPECT_EQ(have.scores, want.scores);
    }
}

TEST(RetrievalThreads, ConcurrentExactSearchesOnOneIndexEqualSingleThreadedOnes) {
  // Integer values: every score is exact whatever the block shapes.
  const auto base = integer_matrix(3000, kDim, 3, 7);
  const auto queries = integer_matrix(200, kDim, 3, 8);
  auto index = make_index("exact", kDim);
  index->add(3000, base.data());
  SearchParams one, two;
  one.threads = 1;
  two.threads = 2;
  expect_concurrent_equals_serial(*index, queries, {one, two});
}

TEST(RetrievalThreads, ConcurrentFaissSearchesOnOneIndexEqualSingleThreadedOnes) {
  const auto base = clustered_matrix(3000, kDim, 16, 9);
  const auto queries = clustered_matrix(200, kDim, 16, 10);
  for (const char* spec : {"hnsw16", "ivf16"}) {
    SCOPED_TRACE(spec);
    auto index = make_index(spec, kDim);
    index->add(3000, base.data());
    SearchParams plain, wide, two_threads;
    plain.threads = 1;
    wide.threads = 1;
    wide.ef_search = 300;  // HNSW: not the default, so the exclusive-lock path
    wide.nprobe = 8;       // IVF: another probe count
    two_threads.threads = 2;
    expect_concurrent_equals_serial(*index, queries, {plain, wide, two_threads});
  }
}

}  // namespace
}  // namespace invr
