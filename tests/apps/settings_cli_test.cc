// `invr settings` through the real binary: the list, each table as the docs'
// Markdown, TOML that the job and the model read back to their defaults, and
// a usage error (exit 2) for an unknown table.
#include <gtest/gtest.h>

#include <string>

#include "invr/inverse.h"
#include "invr/job.h"
#include "invr/model_config.h"
#include "invr/settings.h"
#include "test_util.h"

namespace invr {
namespace {

constexpr const char* kTables[] = {"world", "model",     "selection", "retrieval", "inversion",
                                   "job",   "slate",     "serve",     "simulation"};

TEST(SettingsCli, ListsEveryTableWithWhatReadsIt) {
  const auto r = test::run_cli("settings");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : kTables)
    EXPECT_NE(r.out.find(std::string(name) + " "), std::string::npos) << name << "\n" << r.out;
  EXPECT_NE(r.out.find("invr.toml [selection]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("invr generate"), std::string::npos) << r.out;
}

TEST(SettingsCli, MarkdownIsTheTableWithItsOwnDefaults) {
  const auto r = test::run_cli("settings selection");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, settings_markdown(selection_param_specs(), SelectionParams{}));
  EXPECT_NE(r.out.find("| `window_days` | `--window-days` | `14` | 0–36500 |"), std::string::npos)
      << r.out;
  EXPECT_EQ(test::run_cli("settings selection --format markdown").out, r.out);
  for (const char* name : kTables) EXPECT_EQ(test::run_cli(std::string("settings ") + name).exit_code, 0) << name;
}

// Every job table as TOML, concatenated, is an invr.toml the job reads back to its defaults.
TEST(SettingsCli, JobTomlReadsBackToTheDefaults) {
  test::TempDir dir;
  std::string toml;
  for (const char* name : {"selection", "retrieval", "inversion", "job"}) {
    const auto r = test::run_cli(std::string("settings ") + name + " --format toml");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(std::string("\n[") + name + "]\n"), std::string::npos) << r.out;
    toml += r.out;
  }
  test::write_file(dir / "invr.toml", toml);
  const auto printed = test::run_cli("job --model m --data d --print-config --config " +
                                     (dir / "invr.toml").string());
  ASSERT_EQ(printed.exit_code, 0) << printed.err << toml;
  EXPECT_EQ(printed.out, job_config_toml(JobConfig{}));
}

// The model's TOML is a file of its own (no [section]); it reads back to the defaults.
TEST(SettingsCli, ModelTomlReadsBackToTheDefaults) {
  test::TempDir dir;
  const auto r = test::run_cli("settings model --format toml");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("\n["), std::string::npos) << r.out;
  test::write_file(dir / "model.toml", r.out);
  ModelConfig config;
  config.dim = 1;
  config.pooling = "decay";
  config.threads = 3;
  read_model_config(dir / "model.toml", config);
  EXPECT_EQ(config.dim, ModelConfig{}.dim);
  EXPECT_EQ(config.pooling, ModelConfig{}.pooling);
  EXPECT_EQ(config.threads, ModelConfig{}.threads);
}

TEST(SettingsCli, UnknownTableIsAUsageErrorListingTheNames) {
  const auto r = test::run_cli("settings selections");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown table 'selections'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("world, model, selection"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(SettingsCli, TomlOfAFlagsOnlyTableAndABadFormatAreUsageErrors) {
  const auto world = test::run_cli("settings world --format toml");
  EXPECT_EQ(world.exit_code, 2);
  EXPECT_NE(world.err.find("not from a TOML file"), std::string::npos) << world.err;
  EXPECT_EQ(test::run_cli("settings job --format yaml").exit_code, 2);
}

}  // namespace
}  // namespace invr
