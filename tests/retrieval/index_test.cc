// VectorIndex backends: make_index specs, FAISS recall, save/load.
#include <gtest/gtest.h>

#include <cmath>

#include <limits>

#include "invr/error.h"
#include "invr/retrieval.h"
#include "retrieval_test_util.h"
#include "test_util.h"

namespace invr {
namespace {
using test::TopK;

constexpr int kDim = 16;

TopK search(const VectorIndex& index, const std::vector<float>& queries, int k,
            const SearchParams& params = {}) {
  const auto n = static_cast<std::int64_t>(queries.size()) / index.dim();
  TopK out;
  out.scores.resize(static_cast<std::size_t>(n * k));
  out.ids.resize(static_cast<std::size_t>(n * k));
  index.search(n, queries.data(), k, out.scores.data(), out.ids.data(), params);
  return out;
}

struct ClusteredFixture : ::testing::Test {
  std::vector<float> base = test::clustered_matrix(4000, kDim, 40, 1);
  std::vector<float> queries = test::clustered_matrix(100, kDim, 40, 2);
  TopK truth = test::run_exact(queries, base, kDim, 10);

  std::unique_ptr<VectorIndex> build(std::string_view spec, const IndexParams& params = {}) {
    auto index = make_index(spec, kDim, params);
    index->add(2000, base.data());  // two adds: ids must continue
    index->add(2000, base.data() + 2000 * kDim);
    EXPECT_EQ(index->size(), 4000);
    EXPECT_EQ(index->dim(), kDim);
    return index;
  }
};

// The index prepares the int8 filter (ExactSearcher), so even these few
// queries take it where the CPU has it, while exact_search gives them to
// sgemm: the same rows, scores equal up to summation order.
TEST_F(ClusteredFixture, ExactIndexEqualsExactSearch) {
  auto index = build("exact");
  EXPECT_EQ(index->spec(), "exact");
  const TopK got = search(*index, queries, 10);
  EXPECT_EQ(got.ids, truth.ids);
  ASSERT_EQ(got.scores.size(), truth.scores.size());
  for (std::size_t i = 0; i < got.scores.size(); ++i)
    EXPECT_NEAR(got.scores[i], truth.scores[i], 1e-6f * std::fabs(truth.scores[i])) << i;
}

TEST_F(ClusteredFixture, HnswRecallWithGenerousSettings) {
  auto index = build("hnsw16");
  SearchParams params;
  params.ef_search = 200;
  EXPECT_GE(test::recall(search(*index, queries, 10, params).ids, truth.ids, 10), 0.95);
}

// Regression: FAISS 1.7.3 ignores SearchParametersHNSW::efSearch when sizing
// its candidate queue, so a per-call ef_search once changed nothing.
TEST(Index, HnswPerCallEfSearchIsHonoured) {
  const auto base = test::gaussian_matrix(4000, kDim, 3);
  const auto queries = test::gaussian_matrix(100, kDim, 4);
  const TopK truth = test::run_exact(queries, base, kDim, 10);
  IndexParams build_params;
  build_params.hnsw_m = 4;
  build_params.ef_construction = 16;
  build_params.ef_search = 10;
  auto index = make_index("hnsw", kDim, build_params);
  index->add(4000, base.data());
  const double narrow = test::recall(search(*index, queries, 10).ids, truth.ids, 10);
  SearchParams wide;
  wide.ef_search = 1000;
  const double broad = test::recall(search(*index, queries, 10, wide).ids, truth.ids, 10);
  EXPECT_LT(narrow, 0.9);
  EXPECT_GE(broad, 0.95);
  // The default is restored afterwards.
  EXPECT_EQ(test::recall(search(*index, queries, 10).ids, truth.ids, 10), narrow);
}

TEST_F(ClusteredFixture, IvfRecallWithGenerousSettings) {
  IndexParams build_params;
  build_params.nlist = 32;
  build_params.nprobe = 1;  // a poor default, overridden per call below
  auto index = build("ivf", build_params);
  EXPECT_LT(test::recall(search(*index, queries, 10).ids, truth.ids, 10), 0.95);
  SearchParams params;
  params.nprobe = 12;
  EXPECT_GE(test::recall(search(*index, queries, 10, params).ids, truth.ids, 10), 0.95);
  // Visiting every list is exhaustive: the true top-k.
  params.nprobe = 32;
  EXPECT_GE(test::recall(search(*index, queries, 10, params).ids, truth.ids, 10), 0.999);
}

TEST_F(ClusteredFixture, IvfWithoutListCountSizesItselfAtFirstAdd) {
  auto index = build("IVF");
  SearchParams params;
  params.nprobe = 1000;  // capped at the list count: exhaustive
  EXPECT_GE(test::recall(search(*index, queries, 10, params).ids, truth.ids, 10), 0.999);
}

TEST_F(ClusteredFixture, FaissFactoryStringFlatIsExact) {
  auto index = build("Flat");
  EXPECT_GE(test::recall(search(*index, queries, 10).ids, truth.ids, 10), 0.999);
}

TEST_F(ClusteredFixture, SaveLoadRoundTripGivesIdenticalResults) {
  test::TempDir dir;
  for (std::string spec : {"exact", "hnsw8", "ivf16,flat"}) {
    auto index = build(spec);
    const auto path = dir / (spec + ".index");
    index->save(path);
    auto loaded = load_index(path);
    EXPECT_EQ(loaded->spec(), spec);
    EXPECT_EQ(loaded->size(), 4000);
    EXPECT_EQ(loaded->dim(), kDim);
    const TopK a = search(*index, queries, 10);
    const TopK b = search(*loaded, queries, 10);
    EXPECT_EQ(a.ids, b.ids) << spec;
    EXPECT_EQ(a.scores, b.scores) << spec;
  }
}

TEST(Index, EmptyUntrainedIvfSavesAndLoads) {
  test::TempDir dir;
  auto index = make_index("ivf", 4);
  index->save(dir / "empty.index");
  auto loaded = load_index(dir / "empty.index");
  EXPECT_EQ(loaded->size(), 0);
  float score = 0;
  RowId id = 0;
  const float query[4] = {1, 2, 3, 4};
  loaded->search(1, query, 1, &score, &id);
  EXPECT_EQ(id, kNoRow);
  EXPECT_EQ(score, -std::numeric_limits<float>::infinity());
}

TEST(Index, ApproximateSearchPadsWhenKExceedsSize) {
  auto index = make_index("hnsw8", 2);
  const std::vector<float> rows = {1, 0, 0, 1, 1, 1};
  index->add(3, rows.data());
  const TopK got = search(*index, {1, 2}, 5);
  EXPECT_EQ(got.ids, (std::vector<RowId>{2, 1, 0, kNoRow, kNoRow}));
  EXPECT_EQ(got.scores[0], 3.0f);
  EXPECT_EQ(got.scores[4], -std::numeric_limits<float>::infinity());
}

TEST(Index, CheckedInVersion1FileStillLoads) {
  // tests/testdata/retrieval/exact_v1.index: rows (1,0), (0,1), (0.5,0.5).
  auto index = load_index(test::testdata_dir() / "retrieval" / "exact_v1.index");
  EXPECT_EQ(index->spec(), "exact");
  EXPECT_EQ(index->dim(), 2);
  ASSERT_EQ(index->size(), 3);
  const TopK got = search(*index, {2, 1}, 3);
  EXPECT_EQ(got.ids, (std::vector<RowId>{0, 2, 1}));
  EXPECT_EQ(got.scores, (std::vector<float>{2, 1.5f, 1}));
}

TEST(Index, UnknownSpecIsAUsageErrorNamingIt) {
  try {
    make_index("bogus42", 8);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("bogus42"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_index("exact", 0), UsageError);
}

TEST(Index, IvfWithMoreListsThanRowsFailsClearly) {
  auto index = make_index("ivf64", 2);
  const std::vector<float> rows = {1, 0, 0, 1};
  EXPECT_THROW(index->add(2, rows.data()), Error);
}

TEST(IndexFile, NotAnIndexIsADataErrorNamingTheFile) {
  test::TempDir dir;
  const auto path = dir / "junk.index";
  test::write_file(path, std::string(100, 'x'));
  try {
    load_index(path);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), path.string());
    EXPECT_NE(e.message().find("magic"), std::string::npos) << e.what();
  }
}

TEST(IndexFile, TruncatedExactIndexIsADataError) {
  test::TempDir dir;
  std::string bytes = test::read_file(test::testdata_dir() / "retrieval" / "exact_v1.index");
  test::write_file(dir / "cut.index", bytes.substr(0, bytes.size() - 4));
  EXPECT_THROW(load_index(dir / "cut.index"), DataError);
  test::write_file(dir / "short.index", bytes.substr(0, 20));
  EXPECT_THROW(load_index(dir / "short.index"), DataError);
}

TEST(IndexFile, TruncatedFaissPayloadIsADataError) {
  test::TempDir dir;
  auto index = make_index("hnsw8", 2);
  const std::vector<float> rows = {1, 0, 0, 1, 1, 1};
  index->add(3, rows.data());
  index->save(dir / "h.index");
  const std::string bytes = test::read_file(dir / "h.index");
  test::write_file(dir / "cut.index", bytes.substr(0, bytes.size() - 10));
  EXPECT_THROW(load_index(dir / "cut.index"), DataError);
}

TEST(IndexFile, NewerVersionIsRejected) {
  test::TempDir dir;
  std::string bytes = test::read_file(test::testdata_dir() / "retrieval" / "exact_v1.index");
  bytes[8] = 9;  // version field
  test::write_file(dir / "v9.index", bytes);
  try {
    load_index(dir / "v9.index");
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(e.message().find("version 9"), std::string::npos) << e.what();
  }
}

TEST(IndexFile, MissingFileIsAnIoError) {
  EXPECT_THROW(load_index("/nonexistent/dir/x.index"), IoError);
}

}  // namespace
}  // namespace invr
