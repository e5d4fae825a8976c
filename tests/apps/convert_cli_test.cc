// `invr convert` through the real binary: exit codes, outputs, JSON summary.
#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "invr/atomic_io.h"
#include "test_util.h"

namespace invr {
namespace fs = std::filesystem;

TEST(ConvertCli, UnknownSourceIsAUsageError) {
  test::TempDir out;
  auto r = test::run_cli("convert --from netflix --in /nonexistent --out " + out.path().string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("movielens"), std::string::npos) << r.err;
}

TEST(ConvertCli, MissingInputIsARuntimeErrorNamingThePath) {
  test::TempDir out;
  auto r = test::run_cli("-q convert --from lastfm --in /nonexistent/lastfm --out " + out.path().string());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/lastfm"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out / "lastfm.inter"));
}

TEST(ConvertCli, GowallaWritesAtomicFilesSplitAndSummary) {
  test::TempDir out;
  auto in = test::testdata_dir() / "convert" / "gowalla";
  auto r = test::run_cli("-q convert --from gowalla --in " + in.string() + " --out " + out.path().string() +
                         " --name g");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto summary = nlohmann::json::parse(r.out);
  EXPECT_EQ(summary["name"], "g");
  ASSERT_TRUE(fs::exists(out / "g.split"));
  Dataset loaded = load_atomic(out.path(), "g");
  EXPECT_EQ(loaded.interactions.size(), summary["interactions"].get<std::size_t>());
  EXPECT_EQ(loaded.users.size(), summary["users"].get<std::size_t>());
  const auto& split = summary["split"];
  EXPECT_EQ(split["train"].get<std::size_t>() + split["valid"].get<std::size_t>() +
                split["test"].get<std::size_t>(),
            loaded.interactions.size());
}

TEST(ConvertCli, HelpListsTheFlags) {
  auto r = test::run_cli("convert --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--producers"), std::string::npos);
}

}  // namespace invr
