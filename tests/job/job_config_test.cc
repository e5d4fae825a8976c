#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/job.h"
#include "test_util.h"

namespace invr {
namespace {

JobConfig read(const std::string& text) {
  test::TempDir dir;
  test::write_file(dir / "invr.toml", text);
  JobConfig config;
  read_job_config(dir / "invr.toml", config);
  return config;
}

// line:column of a DataError, and its message.
std::string error_of(const std::string& text) {
  try {
    read(text);
  } catch (const DataError& e) {
    return std::to_string(e.line()) + ":" + std::to_string(e.column()) + " " + e.message();
  }
  return "no error";
}

TEST(JobConfig, ReadsEverySectionAndKeepsUnsetDefaults) {
  const JobConfig config = read(
      "[selection]\nlong_tail_share = 0.3\nall_items = true\n"
      "[retrieval]\ntop_users_per_item = 500\nindex = \"hnsw32\"\n"
      "[inversion]\nmax_candidates_per_user = 7\n"
      "[job]\nstore = \"rocksdb:/tmp/x\"\ncold_start = \"content\"\n"
      "[serve]\nport = 8080\n");
  EXPECT_DOUBLE_EQ(config.selection.long_tail_share, 0.3);
  EXPECT_TRUE(config.selection.all_items);
  EXPECT_EQ(config.retrieval.top_users_per_item, 500);
  EXPECT_EQ(config.retrieval.index, "hnsw32");
  EXPECT_EQ(config.inversion.max_candidates_per_user, 7);
  EXPECT_EQ(config.job.store, "rocksdb:/tmp/x");
  EXPECT_EQ(config.job.cold_start, "content");
  EXPECT_DOUBLE_EQ(config.selection.window_days, SelectionParams{}.window_days);
}

TEST(JobConfig, BadInputNamesLineAndColumn) {
  EXPECT_EQ(error_of("[selection]\nlong_tail_shar = 0.3\n"),
            "2:1 unknown setting 'long_tail_shar' in [selection]");
  EXPECT_EQ(error_of("[retrieval]\ntop_users_per_item = \"many\"\n"),
            "2:22 retrieval.top_users_per_item: expected an integer");
  EXPECT_EQ(error_of("[selection]\nlong_tail_share = 2.0\n"),
            "2:19 selection.long_tail_share must be in [0, 1], got 2");
  EXPECT_EQ(error_of("[job]\ncold_start = \"warm\"\n"),
            "2:14 job.cold_start must be one of |random|content, got \"warm\"");
  EXPECT_EQ(error_of("[selecton]\n").substr(0, 29), "1:2 unknown section [selecton");
  EXPECT_EQ(error_of("[selection\n").substr(0, 2), "1:");
}

// Regression: a 100 kB bad value (or key) was echoed whole in the message.
TEST(JobConfig, LongBadValuesAndKeysAreCutInTheMessage) {
  const std::string huge(100000, 'w');
  const std::string value_error = error_of("[job]\ncold_start = \"" + huge + "\"\n");
  EXPECT_EQ(value_error.rfind("2:14 job.cold_start must be one of |random|content, got \"www", 0), 0u)
      << value_error.substr(0, 300);
  EXPECT_NE(value_error.find("…(100000 bytes)"), std::string::npos) << value_error.substr(0, 300);
  EXPECT_LT(value_error.size(), 300u);
  const std::string key_error = error_of("[job]\n" + huge + " = 1\n");
  EXPECT_NE(key_error.find("unknown setting 'www"), std::string::npos) << key_error.substr(0, 300);
  EXPECT_LT(key_error.size(), 300u);
}

TEST(JobConfig, TomlOfAConfigReadsBackToTheSameConfig) {
  JobConfig config;
  config.selection.long_tail_share = 0.25;
  config.retrieval.index = "ivf1024";
  config.inversion.seed = 7;
  config.job.store = "redis://127.0.0.1:6379";
  config.job.grace_seconds = 10;
  test::TempDir dir;
  test::write_file(dir / "invr.toml", job_config_toml(config));
  JobConfig back;
  read_job_config(dir / "invr.toml", back);
  EXPECT_EQ(job_config_toml(back), job_config_toml(config));
  EXPECT_EQ(back.retrieval.index, "ivf1024");
  EXPECT_EQ(back.inversion.seed, 7u);
}

TEST(JobConfig, ValidateNamesTheFlag) {
  JobConfig config;
  config.retrieval.top_users_per_item = 0;
  try {
    validate(config);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--top-users-per-item"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace invr
