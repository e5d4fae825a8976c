// The docs' settings tables are the declarations (CONTRIBUTING.md, "Adding a
// setting"): scripts/settings_docs.py --check against the built invr, and its
// self-test (a planted stale block is reported).
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace invr {
namespace {

std::string source_root() { return (test::testdata_dir() / ".." / "..").lexically_normal().string(); }

TEST(SettingsDocs, EveryGeneratedBlockMatchesInvrSettings) {
  const auto r = test::run_shell("python3 " + source_root() + "/scripts/settings_docs.py --check --invr " +
                                 INVR_CLI_PATH + " " + source_root());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err
                            << "\nregenerate: python3 scripts/settings_docs.py --invr build/bin/invr";
  EXPECT_NE(r.out.find(" block(s) up to date, 0 problem(s)"), std::string::npos) << r.out;
}

TEST(SettingsDocs, TheCheckReportsAPlantedStaleBlock) {
  const auto r = test::run_shell("python3 " + source_root() + "/scripts/settings_docs.py --self-test");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("self-test passed"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace invr
