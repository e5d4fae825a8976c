// invr job run as a user would: real files, a real RocksDB store, real MPI ranks.
#include <filesystem>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "invr/atomic_io.h"
#include "invr/model.h"
#include "invr/store.h"
#include "build_features.h"
#include "precomputed_model.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using test::run_cli;
using test::TempDir;

// A small generated world plus a precomputed model with seeded random embeddings.
struct JobCli : ::testing::Test {
  TempDir dir;
  std::string world, model;
  Dataset dataset;

  void SetUp() override {
    world = (dir / "world").string();
    model = (dir / "model").string();
    ASSERT_EQ(run_cli("-q generate --users 400 --items 250 --publishers 25 --days 7 --seed 5 --out " + world)
                  .exit_code,
              0);
    dataset = load_atomic(world);
    std::mt19937 rng(7);
    std::normal_distribution<float> normal;
    Matrix users(dataset.users.size(), 8), items(dataset.items.size(), 8);
    for (float& x : users.data) x = normal(rng);
    for (float& x : items.data) x = normal(rng);
    test::write_precomputed_model(model, dataset, users, items);
  }
  std::string job(const std::string& store, const std::string& extra = "") const {
    return "job --model " + model + " --data " + world + " --store rocksdb:" + store +
           " --max-item-age-days 0 --top-users-per-item 60 --max-candidates-per-user 20 " + extra;
  }
};

TEST_F(JobCli, RunsOncePrintsASummaryAndCommitsAGeneration) {
  const auto r = run_cli("-q " + job((dir / "store").string(), "--generation first"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["generation"], "first");
  EXPECT_GT(summary["users_with_candidates"].get<int>(), 0);
  EXPECT_TRUE(summary["timings"].contains("retrieve"));
  const auto store = open_store((dir / "store").string());
  EXPECT_EQ(store->current(), "first");

  // invr candidates shows what was written.
  const auto listing = run_cli("candidates --store rocksdb:" + (dir / "store").string());
  ASSERT_EQ(listing.exit_code, 0) << listing.err;
  EXPECT_EQ(nlohmann::json::parse(listing.out)["current"], "first");
  std::string user;
  for (std::size_t u = 0; u < dataset.users.size() && user.empty(); ++u)
    if (store->get("first", dataset.users.id(static_cast<Index>(u))))
      user = dataset.users.id(static_cast<Index>(u));
  const auto shown = run_cli("candidates --store " + (dir / "store").string() + " --user " + user);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto lists = nlohmann::json::parse(shown.out)["users"][user];
  EXPECT_EQ(lists["user_rank"].size(), store->get("first", user)->of(Ordering::user_rank).size());
  EXPECT_EQ(lists["score"][0]["item"], store->get("first", user)->of(Ordering::score)[0].item);
  const auto manifest = run_cli("candidates --manifest --store " + (dir / "store").string());
  ASSERT_EQ(manifest.exit_code, 0) << manifest.err;
  EXPECT_EQ(nlohmann::json::parse(manifest.out)["generation"], "first");
  EXPECT_NE(run_cli("candidates --store " + (dir / "missing").string()).exit_code, 0)
      << "a mistyped store path is an error, not an empty store";
}

TEST_F(JobCli, TargetOrderingIsWrittenShownAndCanBeTurnedOff) {
  const std::string on = (dir / "on").string(), off = (dir / "off").string();
  const auto r = run_cli("-q " + job(on, "--generation g --interval-hours 24 --targets interval --completion-passes 2"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto summary = nlohmann::json::parse(r.out);
  EXPECT_GT(summary["candidates_target"].get<int>(), 0);
  EXPECT_TRUE(summary["timings"].contains("assign"));
  EXPECT_EQ(summary["assignment"]["item_target"], 3);  // ceil(20 × 24 h / 7 days)
  const auto store = open_store(on);
  std::string user;
  for (std::size_t u = 0; u < dataset.users.size() && user.empty(); ++u)
    if (auto lists = store->get("g", dataset.users.id(static_cast<Index>(u))))
      if (!lists->of(Ordering::target).empty()) user = dataset.users.id(static_cast<Index>(u));
  ASSERT_FALSE(user.empty());
  const auto shown = run_cli("candidates --store " + on + " --user " + user);
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const auto target = nlohmann::json::parse(shown.out)["users"][user]["target"];
  const auto stored = store->get("g", user)->of(Ordering::target);
  ASSERT_EQ(target.size(), stored.size());
  EXPECT_EQ(target[0]["item"], stored[0].item);
  const auto manifest = nlohmann::json::parse(store->manifest("g"));
  EXPECT_EQ(manifest["assignment"]["items"].size(), summary["items_selected"].get<std::size_t>());

  const auto disabled = run_cli("-q " + job(off, "--generation g --assign-targets false"));
  ASSERT_EQ(disabled.exit_code, 0) << disabled.err;
  EXPECT_EQ(nlohmann::json::parse(disabled.out)["candidates_target"], 0);
  EXPECT_EQ(open_store(off)->get("g", user)->of(Ordering::user_rank),
            store->get("g", user)->of(Ordering::user_rank));
  const auto bad = run_cli("-q " + job(off, "--slots-per-visit 0"));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--slots-per-visit"), std::string::npos) << bad.err;
}

TEST_F(JobCli, TwoMpiRanksWriteExactlyTheSingleProcessLists) {
  INVR_REQUIRE_MPI();
  const std::string single = (dir / "single").string();
  const std::string sharded = (dir / "sharded").string();
  ASSERT_EQ(run_cli("-q " + job(single, "--generation g")).exit_code, 0);
  // --oversubscribe: CI machines may have fewer cores than ranks.
  const std::string mpirun = "mpirun --allow-run-as-root --oversubscribe -np 2 " +
                             std::string(INVR_CLI_PATH) + " -q " + job(sharded, "--distributed --generation g");
  const auto r = test::run_shell(mpirun);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["generation"], "g") << "rank 0 alone prints the summary";
  const auto a = open_store(single);
  const auto b = open_store(sharded);
  std::size_t users_with_lists = 0;
  for (std::size_t u = 0; u < dataset.users.size(); ++u) {
    const std::string& user = dataset.users.id(static_cast<Index>(u));
    const auto la = a->get("g", user);
    EXPECT_EQ(la, b->get("g", user)) << user;
    users_with_lists += la.has_value();
  }
  EXPECT_GT(users_with_lists, 50u);
  const auto ma = nlohmann::json::parse(a->manifest("g"));
  const auto mb = nlohmann::json::parse(b->manifest("g"));
  EXPECT_EQ(ma["counts"], mb["counts"]);
}

// Issue 17, item 7: finite but huge embeddings would abort FAISS; the job
// refuses them as a data error naming the file and row, and commits nothing.
TEST_F(JobCli, HugeEmbeddingsAreADataErrorNotAnAbort) {
  Matrix users(dataset.users.size(), 8);
  for (float& x : users.data) x = 1;
  for (float& x : users.row(3)) x = 3e38f;
  write_embeddings(fs::path(model) / "user_embeddings.npy", users, dataset.users);
  for (const std::string backend : {"exact", "ivf4"}) {
    const auto r = run_cli("-q " + job((dir / "store").string(), "--index " + backend));
    EXPECT_EQ(r.exit_code, 1) << backend << ": " << r.err;
    EXPECT_NE(r.err.find("user_embeddings.npy:4:1: row 4 has norm"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir / "store"));  // failed before the store was opened
}

TEST_F(JobCli, BadConfigNamesFileLineAndColumn) {
  test::write_file(dir / "invr.toml", "[retrieval]\ntop_users_per_item = -5\n");
  const auto r = run_cli(job((dir / "store").string(), "--config " + (dir / "invr.toml").string()));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("invr.toml:2:22: retrieval.top_users_per_item must be in [1, 1000000], got -5"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir / "store" / "CURRENT"));
}

TEST_F(JobCli, EmptySelectionFailsAndKeepsThePreviousGeneration) {
  const std::string store = (dir / "store").string();
  ASSERT_EQ(run_cli("-q " + job(store, "--generation good")).exit_code, 0);
  const auto r = run_cli("-q " + job(store, "--generation empty --long-tail-share 0"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("selection is empty"), std::string::npos) << r.err;
  EXPECT_EQ(open_store(store)->current(), "good");
}

TEST_F(JobCli, PrintConfigShowsResolvedSettings) {
  const auto r = run_cli(job((dir / "store").string(), "--print-config --seed 9"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("[inversion]"), std::string::npos);
  EXPECT_NE(r.out.find("seed = 9"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("top_users_per_item = 60"), std::string::npos) << r.out;
}

TEST_F(JobCli, EveryRepeatsUntilSigterm) {
  const std::string store = (dir / "store").string();
  // Runs every second; SIGTERM after 4 s stops it cleanly between runs.
  const auto r = test::run_shell("timeout --preserve-status -s TERM 4 " + std::string(INVR_CLI_PATH) + " -q " +
                                 job(store, "--every 1s"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto generations = open_store(store)->generations();
  EXPECT_GE(generations.size(), 1u);
  std::size_t lines = 0;
  for (char c : r.out) lines += c == '\n';
  EXPECT_EQ(lines, generations.size()) << "one summary line per committed run";
  EXPECT_EQ(run_cli(job(store, "--every 5x")).exit_code, 2);
}

}  // namespace
}  // namespace invr
