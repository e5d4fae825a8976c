// invr generate, run as a user would: the real binary writing real files.
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "invr/atomic_io.h"
#include "invr/exposure_log.h"
#include "invr/synth.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using test::read_file;
using test::run_cli;
using test::TempDir;

const std::string kSmall = " --users 800 --items 300 --publishers 30 --days 3 --dim 6";

TEST(GenerateCli, HelpListsTheFlags) {
  const auto r = run_cli("generate --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* flag : {"--out", "--users", "--items", "--publishers", "--days", "--seed",
                           "--dim", "--impressions-per-user", "--impressions", "--slate-size",
                           "--examination-eta", "--threads"})
    EXPECT_NE(r.out.find(flag), std::string::npos) << flag;
  EXPECT_NE(r.out.find("--users INT=20000"), std::string::npos) << "defaults are shown";
}

TEST(GenerateCli, BadArgumentsExitWithTwo) {
  TempDir dir;
  const std::string out = " --out " + (dir / "w").string();
  EXPECT_EQ(run_cli("generate" + kSmall).exit_code, 2) << "--out is required";
  EXPECT_EQ(run_cli("generate --users abc" + out).exit_code, 2);
  EXPECT_EQ(run_cli("generate --bogus 1" + out).exit_code, 2);
  const auto zero = run_cli("generate --users 0" + out);
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_NE(zero.err.find("--users must be in"), std::string::npos) << zero.err;
  const auto crowded = run_cli("generate --items 10 --publishers 11" + out);
  EXPECT_EQ(crowded.exit_code, 2);
  EXPECT_NE(crowded.err.find("--publishers"), std::string::npos) << crowded.err;
  EXPECT_FALSE(fs::exists(dir / "w" / "world.inter")) << "nothing written on bad arguments";
}

TEST(GenerateCli, SameSeedWritesByteIdenticalFilesWhateverTheThreads) {
  TempDir dir;
  const auto a = run_cli("-q generate --seed 9 --threads 1 --out " + (dir / "a").string() + kSmall);
  const auto b = run_cli("-q generate --seed 9 --threads 2 --out " + (dir / "b").string() + kSmall);
  const auto c = run_cli("-q generate --seed 10 --out " + (dir / "c").string() + kSmall);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  ASSERT_EQ(c.exit_code, 0) << c.err;
  for (const char* file : {"world.inter", "world.item", "world.exposures", "world.truth"}) {
    const std::string bytes = read_file(dir / "a" / file);
    EXPECT_FALSE(bytes.empty()) << file;
    EXPECT_EQ(bytes, read_file(dir / "b" / file)) << file;
    EXPECT_NE(bytes, read_file(dir / "c" / file)) << file;
  }
  EXPECT_NE(a.out.find("800 users, 300 items, 30 publishers"), std::string::npos) << a.out;
}

TEST(GenerateCli, WrittenFilesLoadBackAndAgreeWithTheTruth) {
  TempDir dir;
  const fs::path out = dir / "world";
  const auto r = run_cli("-q generate --out " + out.string() + kSmall + " --slate-size 5");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  const Dataset dataset = load_atomic(out, "world");
  const ExposureLog log = read_exposure_log(out / "world.exposures", dataset.items);
  const WorldTruth truth = load_truth(out / "world.truth");
  EXPECT_EQ(truth.n_users(), 800u);
  EXPECT_EQ(truth.n_items(), 300u);
  EXPECT_EQ(truth.dim, 6u);
  EXPECT_EQ(dataset.users.size(), 800u);
  EXPECT_EQ(dataset.items.size(), 300u);
  EXPECT_EQ(dataset.producers.size(), 30u);

  const auto items = truth_indices(dataset.items, 'i', truth.n_items(), "world.item");
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto t = static_cast<std::size_t>(items[i]);
    EXPECT_EQ(dataset.producers.id(dataset.item_table.producer[i]),
              synth_publisher_id(truth.item_publisher[t]));
  }
  std::size_t clicks = 0, click_rows = 0;
  for (std::size_t r = 0; r < log.size(); ++r) {
    ASSERT_LT(log.position[r], 5);
    clicks += log.clicked[r];
    const auto item = static_cast<std::size_t>(log.item[r]);
    ASSERT_GE(log.timestamp[r], dataset.item_table.publish_time[item]);
  }
  for (EventType e : dataset.interactions.event) click_rows += e == EventType::click;
  EXPECT_GT(log.size(), 1000u);
  EXPECT_EQ(clicks, click_rows);
  EXPECT_EQ(dataset.interactions.size(), log.size() + clicks);
}

TEST(GenerateCli, StatsGivesTheSameFiguresWithTheLoadCacheOff) {
  TempDir dir;
  const fs::path out = dir / "world";
  ASSERT_EQ(run_cli("-q generate --out " + out.string() + kSmall).exit_code, 0);
  const auto with = run_cli("-q stats " + out.string());
  const auto without = run_cli("-q --no-load-cache stats " + out.string());
  ASSERT_EQ(with.exit_code, 0) << with.err;
  ASSERT_EQ(without.exit_code, 0) << without.err;
  EXPECT_EQ(with.out, without.out);
  EXPECT_NE(run_cli("--help").out.find("--no-load-cache"), std::string::npos);
}

}  // namespace
}  // namespace invr
