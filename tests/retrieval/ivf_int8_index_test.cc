// "ivf,int8" (src/retrieval/ivf_int8_index.cc): FAISS k-means lists scanned
// with the int8 filter. Approximate only in the lists a query visits, so
// with every list visited it must equal the naive scan exactly, and with
// more lists its recall can only grow.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "invr/error.h"
#include "invr/retrieval.h"
#include "retrieval_test_util.h"
#include "test_util.h"

namespace invr {
namespace {
using test::clustered_matrix;
using test::integer_matrix;
using test::naive_topk;

test::TopK search(const VectorIndex& index, const std::vector<float>& queries, int k, int nprobe,
                  bool filter = true, int threads = 2) {
  const auto n = static_cast<std::int64_t>(queries.size()) / index.dim();
  SearchParams params;
  params.threads = threads;
  params.nprobe = nprobe;
  params.int8_filter = filter;
  test::TopK out;
  out.scores.assign(static_cast<std::size_t>(n * k), 12345.0f);
  out.ids.assign(static_cast<std::size_t>(n * k), 777);
  index.search(n, queries.data(), k, out.scores.data(), out.ids.data(), params);
  return out;
}

std::unique_ptr<VectorIndex> build(const std::vector<float>& base, int dim, const std::string& spec) {
  IndexParams params;
  params.threads = 2;
  auto index = make_index(spec, dim, params);
  index->add(static_cast<std::int64_t>(base.size()) / dim, base.data());
  return index;
}

// The naive scan's ids and scores, bit for bit.
void expect_naive(const test::TopK& got, const std::vector<float>& queries,
                  const std::vector<float>& base, int dim, int k) {
  const auto want = naive_topk(queries, base, dim, k);
  EXPECT_EQ(got.ids, want.ids);
  EXPECT_EQ(got.scores, want.scores);
}

// Every list visited: the naive scan's ids and scores, bit for bit (integer
// data, exact in any order, with many ties), with the filter and without.
TEST(IvfInt8Index, EveryListVisitedIsExact) {
  const int dim = 20;
  const auto base = integer_matrix(5000, dim, 3, 1);
  const auto queries = integer_matrix(37, dim, 3, 2);
  const auto index = build(base, dim, "ivf16,int8");
  EXPECT_EQ(index->size(), 5000);
  EXPECT_EQ(index->spec(), "ivf16,int8");
  for (const int k : {1, 10, 300}) {
    SCOPED_TRACE(k);
    for (const bool filter : {true, false}) {
      SCOPED_TRACE(filter);
      expect_naive(search(*index, queries, k, 16, filter), queries, base, dim, k);
    }
  }
}

// Visiting more lists never loses a true neighbour (the top k of a superset
// of rows), and the lists visited are the best-scoring ones: clustered data
// finds most of its neighbours in a few lists.
TEST(IvfInt8Index, RecallGrowsWithTheListsVisited) {
  const int dim = 16, k = 50;
  const auto base = clustered_matrix(20000, dim, 40, 3);
  const auto queries = clustered_matrix(200, dim, 40, 4);
  const auto truth = naive_topk(queries, base, dim, k);
  const auto index = build(base, dim, "ivf64,int8");
  double last = 0;
  for (const int nprobe : {1, 4, 16, 64}) {
    const double r = test::recall(search(*index, queries, k, nprobe).ids, truth.ids, k);
    EXPECT_GE(r, last) << "nprobe " << nprobe;
    last = r;
  }
  EXPECT_EQ(last, 1.0);
  EXPECT_GT(test::recall(search(*index, queries, k, 4).ids, truth.ids, k), 0.6);
}

// A visited set holding fewer than k rows pads with (-inf, kNoRow); the
// rows it does hold come back exactly.
TEST(IvfInt8Index, FewerRowsThanKArePadded) {
  const int dim = 8;
  const auto base = integer_matrix(300, dim, 4, 5);
  const auto queries = integer_matrix(3, dim, 4, 6);
  const auto index = build(base, dim, "ivf4,int8");
  const auto got = search(*index, queries, 400, 4);
  const auto want = naive_topk(queries, base, dim, 400);
  EXPECT_EQ(got.ids, want.ids);
  EXPECT_EQ(got.ids[299], want.ids[299]);
  EXPECT_EQ(got.ids[300], kNoRow);
  EXPECT_EQ(got.scores[399], -std::numeric_limits<float>::infinity());
}

// Rows added in two calls keep their ids (lists trained on the first call,
// later rows assigned to them); an empty index returns only padding.
TEST(IvfInt8Index, AddsInChunksAndEmpty) {
  const int dim = 12;
  const auto base = integer_matrix(4000, dim, 3, 7);
  const auto queries = integer_matrix(20, dim, 3, 8);
  IndexParams params;
  params.threads = 1;
  auto index = make_index("ivf,int8", dim, params);
  const auto empty = search(*index, queries, 5, 0);
  EXPECT_EQ(empty.ids, std::vector<RowId>(100, kNoRow));
  index->add(2500, base.data());
  index->add(1500, base.data() + 2500 * dim);
  EXPECT_EQ(index->size(), 4000);
  // sqrt(2500) = 50 lists, all visited.
  expect_naive(search(*index, queries, 25, 50), queries, base, dim, 25);
}

// Saved and loaded, it answers as before; a truncated file is a DataError
// naming it.
TEST(IvfInt8Index, SaveLoadRoundTrip) {
  const int dim = 16, k = 20;
  const auto base = clustered_matrix(6000, dim, 20, 9);
  const auto queries = clustered_matrix(50, dim, 20, 10);
  const auto index = build(base, dim, "ivf32,int8");
  test::TempDir dir;
  const auto path = dir.path() / "ivf.index";
  index->save(path);
  const auto loaded = load_index(path);
  EXPECT_EQ(loaded->spec(), "ivf32,int8");
  EXPECT_EQ(loaded->size(), 6000);
  for (const int nprobe : {2, 8}) {
    const auto a = search(*index, queries, k, nprobe);
    const auto b = search(*loaded, queries, k, nprobe);
    EXPECT_EQ(a.ids, b.ids);
    EXPECT_EQ(a.scores, b.scores);
  }
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 4);
  try {
    (void)load_index(path);
    FAIL() << "a truncated index loaded";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

// Single queries from several threads at once (a server's requests) agree
// with one batch call.
TEST(IvfInt8Index, ConcurrentSingleQueries) {
  const int dim = 16, k = 30;
  const auto base = clustered_matrix(30000, dim, 50, 11);
  const auto queries = clustered_matrix(64, dim, 50, 12);
  const auto index = build(base, dim, "ivf,int8");
  const auto batch = search(*index, queries, k, 12);
  std::vector<RowId> ids(batch.ids.size());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      SearchParams params;
      params.threads = 1;
      params.nprobe = 12;
      std::vector<float> scores(k);
      for (int q = t; q < 64; q += 4)
        index->search(1, queries.data() + q * dim, k, scores.data(), ids.data() + q * k, params);
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(ids, batch.ids);
}

TEST(IvfInt8Index, BadSpecsAndQueries) {
  EXPECT_THROW(make_index("ivfx,int8", 8), UsageError);
  const int dim = 8;
  const auto base = integer_matrix(2000, dim, 3, 13);
  const auto index = build(base, dim, "ivf8,int8");
  std::vector<float> nan_query(dim, 0.0f);
  nan_query[3] = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> scores(5);
  std::vector<RowId> ids(5);
  EXPECT_THROW(index->search(1, nan_query.data(), 5, scores.data(), ids.data()), DataError);
}

}  // namespace
}  // namespace invr
