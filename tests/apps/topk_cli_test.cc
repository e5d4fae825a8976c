// `invr topk` end to end through the real binary.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "invr/npy.h"
#include "test_util.h"

namespace invr {
namespace {

// Queries q0 (1,0), q1 (0,1), q2 (1,1); base rows b0 (2,0), b1 (0,3), b2 (1,1), b3 (2,0).
// Scores: q0 -> 2 0 1 2; q1 -> 0 3 1 0; q2 -> 2 3 2 2.
struct Fixture {
  test::TempDir dir;
  Fixture() {
    write("q.npy", {1, 0, 0, 1, 1, 1}, 3);
    write("b.npy", {2, 0, 0, 3, 1, 1, 2, 0}, 4);
  }
  void write(const std::string& name, const std::vector<float>& values, std::size_t rows) const {
    const std::size_t shape[] = {rows, values.size() / rows};
    write_npy(dir / name, values, shape);
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  std::string args(const std::string& extra) const {
    return "-q topk --queries " + path("q.npy") + " --base " + path("b.npy") + " --out " +
           path("out") + " " + extra;
  }
};

TEST(TopkCli, ExactWritesHandComputedIdsAndScores) {
  Fixture f;
  const auto r = test::run_cli(f.args("--k 3 --threads 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["queries"], 3);
  EXPECT_EQ(summary["base"], 4);
  EXPECT_EQ(summary["k"], 3);
  const auto ids = read_npy<std::int64_t>(f.dir / "out" / "ids.npy");
  const auto scores = read_npy<float>(f.dir / "out" / "scores.npy");
  EXPECT_EQ(ids.shape, (std::vector<std::size_t>{3, 3}));
  // Ties go to the smaller row: q0 has b0 and b3 at 2; q2 has b0, b2, b3 at 2.
  EXPECT_EQ(ids.data, (std::vector<std::int64_t>{0, 3, 2, 1, 2, 0, 1, 0, 2}));
  EXPECT_EQ(scores.data, (std::vector<float>{2, 2, 1, 3, 1, 0, 3, 2, 2}));
}

TEST(TopkCli, KBeyondBaseRowsPads) {
  Fixture f;
  const auto r = test::run_cli(f.args("--k 6"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ids = read_npy<std::int64_t>(f.dir / "out" / "ids.npy");
  const auto scores = read_npy<float>(f.dir / "out" / "scores.npy");
  EXPECT_EQ(ids.shape, (std::vector<std::size_t>{3, 6}));
  EXPECT_EQ(ids.data[3], 1);  // q0's last real row, score 0
  EXPECT_EQ(scores.data[3], 0.0f);
  EXPECT_EQ(ids.data[4], -1);
  EXPECT_EQ(ids.data[5], -1);
  EXPECT_EQ(scores.data[5], -std::numeric_limits<float>::infinity());
}

TEST(TopkCli, HnswAndIvfBackendsFindTheExactAnswerOnTinyData) {
  Fixture f;
  for (const std::string backend : {"hnsw", "ivf2", "Flat"}) {
    const auto r = test::run_cli(f.args("--k 1 --backend " + backend + " --nprobe 2"));
    ASSERT_EQ(r.exit_code, 0) << backend << ": " << r.err;
    const auto ids = read_npy<std::int64_t>(f.dir / "out" / "ids.npy");
    EXPECT_EQ(ids.data[1], 1) << backend;  // q1's best is b1 (score 3, no tie)
    EXPECT_EQ(ids.data[2], 1) << backend;  // q2's best is b1 (score 3, no tie)
  }
}

TEST(TopkCli, DimensionMismatchNamesBothFilesAndDims) {
  Fixture f;
  f.write("b3.npy", {1, 2, 3, 4, 5, 6}, 2);
  const auto r = test::run_cli("-q topk --queries " + f.path("q.npy") + " --base " + f.path("b3.npy") +
                               " --k 1 --out " + f.path("out"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(f.path("q.npy")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(f.path("b3.npy")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dimension 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("dimension 3"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(f.dir / "out" / "ids.npy"));
}

TEST(TopkCli, NanOrInfIsAnErrorNamingFileRowAndColumn) {
  Fixture f;
  f.write("b.npy", {2, 0, 0, 3, 1, std::nanf(""), 2, 0}, 4);
  auto r = test::run_cli(f.args("--k 1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(f.path("b.npy")), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("row 3, column 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NaN"), std::string::npos) << r.err;
  f.write("q.npy", {1, 0, std::numeric_limits<float>::infinity(), 1, 1, 1}, 3);
  r = test::run_cli(f.args("--k 1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("infinite"), std::string::npos) << r.err;
}

// Issue 17, item 7: a base of 3e38s (finite, but every score overflows float)
// made FAISS's k-means abort the process (rc 134). The norm rule
// (docs/retrieval.md, "Embedding magnitudes") refuses it at load, naming the
// file, row and value, with the data-error exit code, for every backend.
TEST(TopkCli, HugeFiniteEmbeddingsAreADataErrorNotAnAbort) {
  Fixture f;
  f.write("huge.npy", std::vector<float>(64 * 2, 3e38f), 64);
  for (const std::string backend : {"exact", "ivf4", "hnsw"}) {
    const auto r = test::run_cli("-q topk --queries " + f.path("q.npy") + " --base " +
                                 f.path("huge.npy") + " --out " + f.path("out") + " --k 2 --backend " +
                                 backend);
    EXPECT_EQ(r.exit_code, 1) << backend << ": " << r.err;
    EXPECT_NE(r.err.find(f.path("huge.npy") + ":1:1: row 1 has norm 4.24e+38 (column 1 is 3e+38)"),
              std::string::npos)
        << backend << ": " << r.err;
    EXPECT_NE(r.err.find("at most 1e+18"), std::string::npos) << r.err;
  }
  // Queries too; a norm just inside the bound is fine.
  f.write("q.npy", {1, 0, 0, 1, 2e18f, 1}, 3);
  auto r = test::run_cli(f.args("--k 1 --backend ivf2"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(f.path("q.npy") + ":3:1: row 3 has norm 2e+18"), std::string::npos) << r.err;
  f.write("q.npy", {1, 0, 0, 1, 7e17f, 7e17f}, 3);
  r = test::run_cli(f.args("--k 1 --backend ivf2 --nprobe 2"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(TopkCli, WrongDtypeIsAnError) {
  Fixture f;
  const std::vector<std::int64_t> ints = {1, 2, 3, 4};
  const std::size_t shape[] = {2, 2};
  write_npy(f.dir / "q.npy", ints, shape);
  const auto r = test::run_cli(f.args("--k 1"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("expected dtype float32"), std::string::npos) << r.err;
}

TEST(TopkCli, BadArgumentsAreUsageErrors) {
  Fixture f;
  EXPECT_EQ(test::run_cli(f.args("--k 0")).exit_code, 2);
  EXPECT_EQ(test::run_cli("-q topk --queries " + f.path("missing.npy") + " --base " + f.path("b.npy") +
                          " --k 1 --out " + f.path("out")).exit_code, 2);
  const auto r = test::run_cli(f.args("--k 1 --backend nonsense"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nonsense"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace invr
