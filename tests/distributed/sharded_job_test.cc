// The sharded job (invr/distributed.h, docs/distributed.md) run as a user
// would: mpirun with real ranks, real RocksDB and Redis stores, compared
// user by user with the single-process job on the same files.
#include <algorithm>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "invr/atomic_io.h"
#include "invr/model.h"
#include "invr/store.h"
#include "build_features.h"
#include "precomputed_model.h"
#include "redis_server.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using test::run_cli;
using test::TempDir;

// A generated world and a precomputed model whose users share 12 vectors:
// many exact score ties, which must break by whole-dataset user order.
struct ShardedJob : ::testing::Test {
  TempDir dir;
  std::string world, model;
  Dataset dataset;

  void SetUp() override {
    INVR_REQUIRE_MPI();
    world = (dir / "world").string();
    model = (dir / "model").string();
    ASSERT_EQ(run_cli("-q generate --users 600 --items 300 --publishers 30 --days 7 --seed 11 --out " + world)
                  .exit_code,
              0);
    dataset = load_atomic(world);
    std::mt19937 rng(3);
    std::normal_distribution<float> normal;
    Matrix shared(12, 8), users(dataset.users.size(), 8), items(dataset.items.size(), 8);
    for (float& x : shared.data) x = normal(rng);
    for (float& x : items.data) x = normal(rng);
    for (std::size_t u = 0; u < users.rows; ++u) {
      const auto from = shared.row(u % 12);
      std::copy(from.begin(), from.end(), users.row(u).begin());
    }
    test::write_precomputed_model(model, dataset, users, items);
  }
  std::string job(const std::string& store, const std::string& extra = "", bool assign = false) const {
    return "job --model " + model + " --data " + world + " --store " + store +
           " --max-item-age-days 0 --top-users-per-item 80 --max-candidates-per-user 15 --assign-targets " +
           (assign ? "true " : "false ") + extra;
  }
  test::CommandResult mpirun(int ranks, const std::string& args) const {
    // --oversubscribe: CI machines may have fewer cores than ranks.
    return test::run_shell("mpirun --allow-run-as-root --oversubscribe -np " + std::to_string(ranks) + " " +
                           std::string(INVR_CLI_PATH) + " -q " + args);
  }
  // Every user's lists equal in both stores' generation g; returns how many have lists.
  std::size_t expect_same_lists(CandidateStore& a, CandidateStore& b) const {
    std::size_t with_lists = 0;
    for (std::size_t u = 0; u < dataset.users.size(); ++u) {
      const std::string& user = dataset.users.id(static_cast<Index>(u));
      const auto la = a.get("g", user);
      EXPECT_EQ(la, b.get("g", user)) << user;
      with_lists += la.has_value();
    }
    return with_lists;
  }
};

TEST_F(ShardedJob, RanksWriteExactlyTheSingleProcessLists) {
  const std::string single = "rocksdb:" + (dir / "single").string();
  const auto one = run_cli("-q " + job(single, "--generation g"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto a = open_store(single);
  const auto ma = nlohmann::json::parse(a->manifest("g"));
  for (int ranks : {1, 2, 3}) {
    SCOPED_TRACE(ranks);
    const std::string sharded = "rocksdb:" + (dir / ("sharded" + std::to_string(ranks))).string();
    // One rank: --distributed without mpirun (MPI starts as a singleton).
    const auto r = ranks == 1 ? run_cli("-q " + job(sharded, "--distributed --generation g"))
                              : mpirun(ranks, job(sharded, "--distributed --generation g"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto summary = nlohmann::json::parse(r.out);  // rank 0 alone prints it
    EXPECT_EQ(summary["generation"], "g");
    EXPECT_EQ(summary["rank_peak_rss_bytes"].size(), static_cast<std::size_t>(ranks));
    EXPECT_EQ(summary["users_selected"], nlohmann::json::parse(one.out)["users_selected"]);
    const auto b = open_store(sharded);
    EXPECT_GT(expect_same_lists(*a, *b), 100u);
    const auto mb = nlohmann::json::parse(b->manifest("g"));
    EXPECT_EQ(ma["counts"], mb["counts"]);
    EXPECT_EQ(ma["treated_items"], mb["treated_items"]);
    EXPECT_EQ(ma["dataset"], mb["dataset"]);
    EXPECT_EQ(ma["stored_users"], mb["stored_users"]);
    EXPECT_EQ(mb["ranks"], ranks);
  }
}

// The target ordering: rank 0 solves the assignment over the pairs every
// rank sends; lists, per-item reports and the summary equal one process's.
TEST_F(ShardedJob, TheTargetOrderingEqualsOneProcesss) {
  const std::string single = "rocksdb:" + (dir / "single").string();
  ASSERT_EQ(run_cli("-q " + job(single, "--generation g", true)).exit_code, 0);
  const auto a = open_store(single);
  const auto ma = nlohmann::json::parse(a->manifest("g"));
  ASSERT_GT(ma["counts"]["candidates_target"].get<int>(), 100);
  for (int ranks : {2, 3}) {
    SCOPED_TRACE(ranks);
    const std::string sharded = "rocksdb:" + (dir / ("sharded" + std::to_string(ranks))).string();
    const auto r = mpirun(ranks, job(sharded, "--distributed --generation g", true));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(nlohmann::json::parse(r.out).contains("assignment"));
    const auto b = open_store(sharded);
    EXPECT_GT(expect_same_lists(*a, *b), 100u);
    const auto mb = nlohmann::json::parse(b->manifest("g"));
    EXPECT_EQ(ma["counts"], mb["counts"]);
    EXPECT_EQ(ma["assignment"]["items"], mb["assignment"]["items"]);
    // A sum of per-user doubles added in another order: equal to rounding.
    EXPECT_NEAR(ma["assignment"]["capacity"].get<double>(), mb["assignment"]["capacity"].get<double>(),
                1e-9 * ma["assignment"]["capacity"].get<double>());
    EXPECT_EQ(ma["assignment"]["item_target"], mb["assignment"]["item_target"]);
    for (const char* key : {"items_short", "objective", "gap", "iterations", "passes", "top_ups"})
      EXPECT_EQ(ma["assignment"]["summary"][key], mb["assignment"]["summary"][key]) << key;
  }
}

// spare_capacity = "displace": each rank computes its users' displaced
// scores over the items with the most events in the whole dataset (summed
// across ranks), and rank 0 solves with them; lists equal one process's.
TEST_F(ShardedJob, TheDisplaceOrderingEqualsOneProcesss) {
  const std::string extra = "--generation g --spare-capacity displace --displaced-items 40 --displaced-rank 2";
  const std::string single = "rocksdb:" + (dir / "single").string();
  const auto one = run_cli("-q " + job(single, extra, true));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto a = open_store(single);
  const auto ma = nlohmann::json::parse(a->manifest("g"));
  ASSERT_GT(ma["counts"]["candidates_target"].get<int>(), 0);
  // Fewer lists than fill's: only pairs toward targets or beating the slate.
  const std::string filled = "rocksdb:" + (dir / "filled").string();
  ASSERT_EQ(run_cli("-q " + job(filled, "--generation g", true)).exit_code, 0);
  EXPECT_LT(ma["counts"]["candidates_target"].get<int>(),
            nlohmann::json::parse(open_store(filled)->manifest("g"))["counts"]["candidates_target"].get<int>());
  const std::string sharded = "rocksdb:" + (dir / "sharded").string();
  const auto r = mpirun(3, job(sharded, "--distributed " + extra, true));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto b = open_store(sharded);
  expect_same_lists(*a, *b);
  const auto mb = nlohmann::json::parse(b->manifest("g"));
  EXPECT_EQ(ma["counts"], mb["counts"]);
  EXPECT_EQ(ma["assignment"]["items"], mb["assignment"]["items"]);
  const double objective = ma["assignment"]["summary"]["objective"].get<double>();
  EXPECT_NEAR(objective, mb["assignment"]["summary"]["objective"].get<double>(), 1e-9 * std::abs(objective));
}

// carry_treated: rank 0 reads the served generation's treated items and
// every rank keeps the same ones (whole-dataset impressions and ages), so
// the next generation equals one process's: the same carried items, lists
// and assignment.
TEST_F(ShardedJob, CarryTreatedKeepsTheSameItemsAsOneProcess) {
  double first = std::numeric_limits<double>::infinity();
  for (double t : dataset.interactions.timestamp) first = std::min(first, t);
  // g1 four days in, then g a second after the logs end, whose rules drop
  // 7 of g1's items; a threshold of 100 keeps the 4 with fewer impressions
  // in the whole logs (21-57; the others have 121-192, about a third of
  // that on each rank).
  const std::string early = fmt::format("--generation g1 --as-of {:.0f}", first + 4 * 86400.0);
  const std::string later = "--generation g --carry-treated true --sufficient-impressions 100";
  const std::string single = "rocksdb:" + (dir / "single").string();
  ASSERT_EQ(run_cli("-q " + job(single, early, true)).exit_code, 0);
  const auto one = run_cli("-q " + job(single, later, true));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto a = open_store(single);
  const auto ma = nlohmann::json::parse(a->manifest("g"));
  ASSERT_EQ(ma["counts"]["items_carried"].get<int>(), 4) << ma["counts"];
  const std::string sharded = "rocksdb:" + (dir / "sharded").string();
  ASSERT_EQ(mpirun(3, job(sharded, "--distributed " + early, true)).exit_code, 0);
  const auto r = mpirun(3, job(sharded, "--distributed " + later, true));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto b = open_store(sharded);
  EXPECT_GT(expect_same_lists(*a, *b), 100u);
  const auto mb = nlohmann::json::parse(b->manifest("g"));
  EXPECT_EQ(ma["counts"], mb["counts"]);
  EXPECT_EQ(ma["treated_items"], mb["treated_items"]);
  EXPECT_EQ(ma["assignment"]["items"], mb["assignment"]["items"]);
}

TEST_F(ShardedJob, RanksWriteOneRedisGeneration) {
  INVR_REQUIRE_REDIS();
  test::RedisServer redis;
  const std::string single = "rocksdb:" + (dir / "single").string();
  ASSERT_EQ(run_cli("-q " + job(single, "--generation g")).exit_code, 0);
  const std::string uri = redis.uri("?prefix=sharded");
  const auto r = mpirun(3, job(uri, "--distributed --generation g"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto b = open_store(uri);
  EXPECT_EQ(b->current(), "g");
  EXPECT_GT(expect_same_lists(*open_store(single), *b), 100u);
  EXPECT_EQ(nlohmann::json::parse(b->manifest("g"))["stored_users"],
            nlohmann::json::parse(open_store(single)->manifest("g"))["stored_users"]);
}

TEST_F(ShardedJob, AFailingRankCommitsNothing) {
  const std::string store = "rocksdb:" + (dir / "store").string();
  ASSERT_EQ(mpirun(2, job(store, "--distributed --generation good")).exit_code, 0);
  // Every rank finds the selection empty; none may commit.
  const auto r = mpirun(2, job(store, "--distributed --generation empty --long-tail-share 0"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("selection is empty"), std::string::npos) << r.err;
  EXPECT_EQ(open_store(store)->current(), "good");
  EXPECT_EQ(mpirun(2, job(store, "--distributed --generation next")).exit_code, 0);
  EXPECT_EQ(open_store(store)->current(), "next");
}

// Issue 21's failure bar at test size: SIGKILL of one of 3 ranks at a random
// moment, twice; the store keeps serving the last committed generation,
// identical to a single-process run, and the next run commits (the script
// checks each and exits 1 otherwise; scripts/kill_sharded_job.sh runs 10).
TEST(ShardedJobKill, AKilledRankLeavesThePreviousGenerationServedAndComplete) {
  INVR_REQUIRE_MPI();
  TempDir dir;
  const std::string script = std::string(INVR_TESTDATA_DIR) + "/../../scripts/kill_sharded_job.sh";
  const auto r = test::run_shell("TRIES=2 RANKS=3 USERS=3000 ITEMS=300 N=40 SEED=7 OUT=" + dir.path().string() +
                                 " INVR_CLI=" + std::string(INVR_CLI_PATH) + " " + script);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 failure(s)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("next run: committed 'final', identical to the reference"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace invr
