// check_embeddings and the indexes' own checks (issue 17, item 7): values
// whose inner products overflow float are refused before FAISS sees them.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "invr/error.h"
#include "invr/retrieval.h"

namespace invr {
namespace {

DataError check_error(const std::vector<float>& values, std::int64_t cols,
                      std::int64_t first_row = 0) {
  try {
    check_embeddings(MatrixView{values.data(), static_cast<std::int64_t>(values.size()) / cols, cols},
                     "e.npy", first_row);
  } catch (const DataError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a DataError";
  return DataError("", 0, 0, "");
}

TEST(CheckEmbeddings, NamesTheRowAndTheValue) {
  // Row 2's norm is 5e18 (3e18, 4e18): column 2 holds the largest value.
  const DataError e = check_error({1, 2, 3e18f, 4e18f}, 2);
  EXPECT_EQ(e.file(), "e.npy");
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 2u);
  EXPECT_EQ(e.message(),
            "row 2 has norm 5e+18 (column 2 is 4e+18): an embedding's norm must be at most 1e+18, "
            "so that inner products stay finite in float32");
  EXPECT_EQ(check_error({1, 2, 3e18f, 4e18f}, 2, 10).line(), 12u);  // rows after first_row
}

TEST(CheckEmbeddings, NanAndInfinityAreRefusedAtTheirColumn) {
  DataError e = check_error({1, 2, 3, std::nanf("")}, 2);
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 2u);
  EXPECT_EQ(e.message(), "row 2, column 2 (1-based) is NaN: embeddings must be finite");
  e = check_error({-std::numeric_limits<float>::infinity(), 0}, 2);
  EXPECT_EQ(e.column(), 1u);
  EXPECT_NE(e.message().find("infinite"), std::string::npos);
}

TEST(CheckEmbeddings, TheBoundIsInclusiveAndItsScoresStayFinite) {
  // Norm 1e18 spread over 100 columns (1e17 each): allowed, and the largest
  // possible score, the row with itself, is 1e36 and finite.
  std::vector<float> row(100, 1e17f);
  EXPECT_NO_THROW(check_embeddings(MatrixView{row.data(), 1, 100}, "e.npy"));
  float scores[1];
  RowId ids[1];
  exact_search(MatrixView{row.data(), 1, 100}, MatrixView{row.data(), 1, 100}, 1, scores, ids);
  EXPECT_TRUE(std::isfinite(scores[0]));
  EXPECT_NEAR(scores[0], 1e36f, 1e31f);
  row[0] = 2e17f;  // norm now just above 1e18
  EXPECT_THROW(check_embeddings(MatrixView{row.data(), 1, 100}, "e.npy"), DataError);
}

// The backstop: an index refuses such rows itself, whoever calls add().
TEST(CheckEmbeddings, IndexesRefuseHugeRowsAndQueries) {
  const std::vector<float> huge(64 * 4, 3e38f);
  const std::vector<float> fine(64 * 4, 1.0f);
  for (const char* spec : {"exact", "ivf4", "hnsw16", "Flat"}) {
    auto index = make_index(spec, 4);
    index->add(64, fine.data());
    try {
      index->add(64, huge.data());
      ADD_FAILURE() << spec << " accepted 3e38s";
    } catch (const DataError& e) {
      EXPECT_EQ(e.line(), 65u) << spec;  // numbered after the 64 rows already in
      EXPECT_NE(e.file().find("rows added to index"), std::string::npos) << e.what();
    }
    EXPECT_EQ(index->size(), 64) << spec;  // nothing of the refused batch went in
    float scores[2];
    RowId ids[2];
    EXPECT_THROW(index->search(1, huge.data(), 2, scores, ids), DataError) << spec;
  }
  float scores[1];
  RowId ids[1];
  EXPECT_THROW(exact_search(MatrixView{huge.data(), 1, 4}, MatrixView{fine.data(), 64, 4}, 1,
                            scores, ids),
               DataError);
}

}  // namespace
}  // namespace invr
