// The real `invr` under a file-size limit (`ulimit -f`, RLIMIT_FSIZE; issue
// 17, item 5). By default a write past the limit kills the process with
// SIGXFSZ mid-file; `invr` ignores SIGXFSZ, so each writer sees EFBIG and
// fails with exit code 1 and a message naming its file, leaving the previous
// file (or nothing) in place. LibTorch's own file writer used to abort (rc
// 134) instead: model files now go through invr's writer.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "build_features.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using test::run_cli;
using test::TempDir;

// `invr ARGS` in a shell whose file-size limit is `kib` KiB (bash's unit).
test::CommandResult run_limited(int kib, const std::string& args) {
  return test::run_shell("bash -c 'ulimit -f " + std::to_string(kib) + "; exec " +
                         std::string(INVR_CLI_PATH) + " -q " + args + "'");
}

void expect_file_too_large(const test::CommandResult& r, const std::string& file) {
  EXPECT_EQ(r.exit_code, 1) << r.err;  // not 153 (SIGXFSZ) or 134 (abort)
  EXPECT_NE(r.err.find("File too large"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(file), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
}

struct FileSizeLimitCli : ::testing::Test {
  TempDir dir;
  std::string world = (dir / "world").string();
  void SetUp() override {
    ASSERT_EQ(run_cli("-q generate --users 400 --items 250 --publishers 25 --days 7 --seed 5 --out " +
                      world)
                  .exit_code,
              0);
  }
};

TEST_F(FileSizeLimitCli, AtomicTableWritesFailCleanly) {
  const std::string out = (dir / "big").string();
  const auto r = run_limited(20, "generate --users 2000 --items 500 --days 7 --out " + out);
  expect_file_too_large(r, out + "/world.inter");
  EXPECT_FALSE(fs::exists(fs::path(out) / "world.inter"));
  for (const auto& entry : fs::directory_iterator(out))  // no temporary file left
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos) << entry.path();
}

TEST_F(FileSizeLimitCli, ModelSavesFailWithTheirPathNotAnAbort) {
  INVR_REQUIRE_TORCH();
  // Limits from an unlimited run's file sizes: half the weights, then room for
  // the weights but not for the checkpoint's sparse optimizer state (twice the
  // embedding tables, written by LibTorch's serializer, which aborted).
  const fs::path reference = dir / "reference";
  ASSERT_EQ(run_cli("-q train --epochs 1 --data " + world + " --out " + reference.string()).exit_code,
            0);
  const auto weights = fs::file_size(reference / "weights.pt");
  const auto sparse = fs::file_size(reference / "checkpoint" / "sparse_optimizer.pt");
  const int weights_kib = static_cast<int>(weights / 1024) + 1;
  ASSERT_GT(sparse, weights + 4096);

  const std::string model = (dir / "model").string();
  auto r = run_limited(weights_kib / 2, "train --epochs 1 --data " + world + " --out " + model);
  expect_file_too_large(r, model + "/weights.pt: cannot write weights");
  EXPECT_FALSE(fs::exists(fs::path(model) / "weights.pt"));
  r = run_limited(weights_kib + 1, "train --epochs 1 --data " + world + " --out " + model);
  expect_file_too_large(r, model + "/checkpoint/sparse_optimizer.pt: cannot write the optimizer "
                                   "state");
  EXPECT_FALSE(fs::exists(fs::path(model) / "checkpoint" / "sparse_optimizer.pt"));
}

TEST_F(FileSizeLimitCli, RocksDbStoreWritesFailAndTheServedGenerationStays) {
  // A precomputed model keeps this test free of LibTorch.
  const fs::path model = dir / "model";
  test::write_circle_model(model, 250, 400);
  // Its ids (u0.., i0..) are the generated world's.
  const std::string store = (dir / "store").string();
  const std::string job = "job --model " + model.string() + " --data " + world +
                          " --store rocksdb:" + store +
                          " --max-item-age-days 0 --top-users-per-item 60 "
                          "--max-candidates-per-user 20 --generation ";
  auto r = run_limited(100000, job + "good");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_limited(4, job + "limited");
  expect_file_too_large(r, store);
  const auto current = run_cli("candidates --manifest --store rocksdb:" + store);
  ASSERT_EQ(current.exit_code, 0) << current.err;
  EXPECT_NE(current.out.find("\"good\""), std::string::npos) << current.out;
}

}  // namespace
}  // namespace invr
