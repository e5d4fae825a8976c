#include <gtest/gtest.h>

#include <cmath>

#include <nlohmann/json.hpp>

#include "build_features.h"
#include "invr/error.h"
#include "invr/job.h"
#include "invr/store.h"
#include "job_world.h"
#include "test_util.h"

namespace invr {
namespace {

std::vector<std::string> items_of(const StoredCandidates& c, Ordering o) {
  std::vector<std::string> out;
  for (const auto& s : c.of(o)) out.push_back(s.item);
  return out;
}

struct JobFixture : ::testing::Test {
  test::TempDir dir;
  Dataset dataset = test::job_world();
  std::unique_ptr<TwoTowerModel> model;
  std::unique_ptr<CandidateStore> store;
  JobConfig config;

  void SetUp() override {
    test::write_job_model(dataset, dir / "model");
    model = TwoTowerModel::load(dir / "model");
    config = test::job_world_config("rocksdb:" + (dir / "store").string());
    store = open_store(config.job.store);
  }
  JobResult run(const std::string& generation) {
    JobInputs inputs;
    inputs.dataset = &dataset;
    inputs.model = model.get();
    inputs.model_version = "test-model";
    return run_job(inputs, config, store.get(), generation);
  }
};

TEST_F(JobFixture, WritesTheHandComputedListsInEveryOrdering) {
  const JobResult result = run("g1");
  EXPECT_EQ(result.generation, "g1");
  EXPECT_EQ(store->current(), "g1");
  EXPECT_EQ(result.selection.items, (std::vector<Index>{2, 3}));
  EXPECT_EQ(result.users_with_candidates, 3u);
  using V = std::vector<std::string>;
  const auto u0 = store->get("g1", "u0").value();
  const auto u1 = store->get("g1", "u1").value();
  const auto u2 = store->get("g1", "u2").value();
  EXPECT_EQ(items_of(u0, Ordering::score), (V{"i2", "i3"}));
  EXPECT_EQ(items_of(u1, Ordering::score), (V{"i2", "i3"}));
  EXPECT_EQ(items_of(u2, Ordering::score), (V{"i3", "i2"}));
  EXPECT_EQ(items_of(u0, Ordering::user_rank), (V{"i2", "i3"}));
  EXPECT_EQ(items_of(u1, Ordering::user_rank), (V{"i3", "i2"}));
  EXPECT_EQ(items_of(u2, Ordering::user_rank), (V{"i3", "i2"}));
  EXPECT_EQ(u1.of(Ordering::user_rank)[0].user_rank, 1);
  EXPECT_FLOAT_EQ(u1.of(Ordering::user_rank)[0].score, 0.5f);
  EXPECT_EQ(u1.of(Ordering::random).size(), 2u);
}

TEST_F(JobFixture, CapAndSeenItemsApply) {
  config.inversion.max_candidates_per_user = 1;
  dataset.interactions.push_back(0, 3, test::kWorldStart + 300, EventType::click, 1);
  run("g1");
  const auto u0 = store->get("g1", "u0").value();
  const auto u1 = store->get("g1", "u1").value();
  EXPECT_EQ(items_of(u0, Ordering::score), std::vector<std::string>{"i2"});
  EXPECT_EQ(items_of(u0, Ordering::user_rank), std::vector<std::string>{"i2"});
  EXPECT_EQ(items_of(u1, Ordering::score), std::vector<std::string>{"i2"});
  EXPECT_EQ(items_of(u1, Ordering::user_rank), std::vector<std::string>{"i3"});
}

TEST_F(JobFixture, ManifestRecordsConfigCountsTimingsAndModel) {
  run("g1");
  const auto manifest = nlohmann::json::parse(store->manifest("g1"));
  EXPECT_EQ(manifest["model"]["dim"], 2);
  EXPECT_EQ(manifest["model"]["version"], "test-model");
  EXPECT_EQ(manifest["config"]["retrieval"]["top_users_per_item"], 3);
  EXPECT_EQ(manifest["counts"]["items_selected"], 2);
  EXPECT_EQ(manifest["counts"]["users_with_candidates"], 3);
  EXPECT_EQ(manifest["counts"]["candidates_score"], 6);
  std::vector<std::string> stages;
  for (const auto& t : manifest["timings"]) stages.push_back(t["stage"]);
  EXPECT_EQ(stages, (std::vector<std::string>{"select", "embed_items", "embed_users", "retrieve",
                                              "invert", "assign", "write"}));
  EXPECT_GT(manifest["peak_rss_bytes"].get<std::uint64_t>(), 0u);
}

TEST_F(JobFixture, EmptySelectionIsAnErrorAndThePreviousGenerationStaysServed) {
  run("g1");
  config.selection.long_tail_share = 0;
  try {
    run("g2");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("selection is empty"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store->current(), "g1");
  EXPECT_TRUE(store->get("g1", "u0").has_value());
}

TEST_F(JobFixture, ModelDimensionChangeIsRefusedUnlessAllowed) {
  run("g1");
  test::write_job_model(dataset, dir / "model3", 3);
  model = TwoTowerModel::load(dir / "model3");
  try {
    run("g2");
    FAIL() << "expected a UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("2-dimensional"), std::string::npos) << e.what();
  }
  EXPECT_EQ(store->current(), "g1");
  config.job.allow_dim_change = true;
  run("g2");
  EXPECT_EQ(store->current(), "g2");
}

TEST_F(JobFixture, SameInputsGiveSameLists) {
  run("g1");
  run("g2");
  for (const char* user : {"u0", "u1", "u2"})
    EXPECT_EQ(store->get("g1", user), store->get("g2", user)) << user;
}

TEST(JobFiles, UnreachableRedisAndUnwritableStoreAreIoErrors) {
  INVR_REQUIRE_REDIS_CLIENT();
  test::TempDir dir;
  const Dataset dataset = test::job_world();
  save_atomic(dataset, dir / "data", "jobworld");
  test::write_job_model(dataset, dir / "model");
  JobFiles files;
  files.data = (dir / "data").string();
  files.model = (dir / "model").string();
  JobConfig config = test::job_world_config("redis://127.0.0.1:1");
  EXPECT_THROW(run_job_from_files(files, config), IoError);
  test::write_file(dir / "file", "not a directory");
  config.job.store = "rocksdb:" + (dir / "file" / "store").string();
  EXPECT_THROW(run_job_from_files(files, config), IoError);
}

// Regression: store = "none" in [job] made a RocksDB store in ./none.
TEST(JobFiles, StoreNoneIsAUsageErrorAndCreatesNoDirectory) {
  test::TempDir dir;
  const Dataset dataset = test::job_world();
  save_atomic(dataset, dir / "data", "jobworld");
  test::write_job_model(dataset, dir / "model");
  JobFiles files;
  files.data = (dir / "data").string();
  files.model = (dir / "model").string();
  const JobConfig config = test::job_world_config("none");
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());  // where ./none would appear
  EXPECT_THROW(run_job_from_files(files, config), UsageError);
  const bool created = std::filesystem::exists("none");
  std::filesystem::current_path(cwd);
  EXPECT_FALSE(created);
}

TEST(ShardRows, CoversEveryRowOnce) {
  std::int64_t next = 0;
  for (int r = 0; r < 3; ++r) {
    const RowRange range = shard_rows(10, r, 3);
    EXPECT_EQ(range.begin, next);
    next = range.end;
  }
  EXPECT_EQ(next, 10);
  EXPECT_EQ(shard_rows(10, 2, 3).end - shard_rows(10, 2, 3).begin, 4);
}

}  // namespace
}  // namespace invr

namespace invr {
namespace {

TEST(ProducerQuality, FileGivesScoresAndNamesBadLines) {
  test::TempDir dir;
  const Dataset dataset = test::job_world();
  test::write_file(dir / "q.tsv", "# producer\tscore\np2\t0.25\r\np0\t3\n");
  const auto quality = read_producer_quality(dir / "q.tsv", dataset);
  ASSERT_EQ(quality.size(), 3u);
  EXPECT_DOUBLE_EQ(quality[0], 3);
  EXPECT_TRUE(std::isnan(quality[1]));
  EXPECT_DOUBLE_EQ(quality[2], 0.25);

  auto error_of = [&](const std::string& text) -> std::string {
    test::write_file(dir / "bad.tsv", text);
    try {
      read_producer_quality(dir / "bad.tsv", dataset);
    } catch (const DataError& e) {
      return std::to_string(e.line()) + ":" + std::to_string(e.column()) + " " + e.message();
    }
    return "no error";
  };
  EXPECT_EQ(error_of("p1\t0.5\np2 0.5\n"), "2:1 expected PRODUCER_ID<TAB>SCORE");
  EXPECT_EQ(error_of("p1\thigh\n"), "1:4 expected a finite number, got \"high\"");
  EXPECT_EQ(error_of("p9\t1\n"), "1:1 unknown producer \"p9\" (not in the dataset)");
}

TEST(ProducerQuality, SuppliedScoresDriveTheQualityFloor) {
  test::TempDir dir;
  const Dataset dataset = test::job_world();
  save_atomic(dataset, dir / "data", "jobworld");
  test::write_job_model(dataset, dir / "model");
  test::write_file(dir / "q.tsv", "p1\t0.1\np2\t0.9\n");
  JobFiles files;
  files.data = (dir / "data").string();
  files.model = (dir / "model").string();
  files.producer_quality = (dir / "q.tsv").string();
  JobConfig config = test::job_world_config("rocksdb:" + (dir / "store").string());
  config.selection.min_quality = 0.5;
  const JobResult result = run_job_from_files(files, config);
  EXPECT_EQ(result.selection.items, std::vector<Index>{3}) << "p1 (item i2) is below the floor";
}

// forward-longtail arms insert from the served generation's treated set,
// which its manifest records (docs/job.md, "Manifest"; docs/methods.md).
TEST_F(JobFixture, ManifestRecordsTheTreatedItems) {
  const JobResult result = run("g1");
  const std::vector<std::string> treated = manifest_treated_items(store->manifest("g1"));
  ASSERT_EQ(treated.size(), result.selection.items.size());
  for (std::size_t i = 0; i < treated.size(); ++i)
    EXPECT_EQ(treated[i], dataset.items.id(result.selection.items[i]));
  EXPECT_EQ(treated, (std::vector<std::string>{"i2", "i3"}));
  // A generation from before the list was recorded has none; a malformed one is a DataError.
  EXPECT_TRUE(manifest_treated_items(R"({"format": "invr-generation"})").empty());
  EXPECT_THROW(manifest_treated_items("[1]"), DataError);
  EXPECT_THROW(manifest_treated_items(R"({"treated_items": [1]})"), DataError);
  EXPECT_THROW(manifest_treated_items(R"({"treated_items": "i2"})"), DataError);
}

}  // namespace
}  // namespace invr
