// invr simulate --arms with the competing methods (docs/methods.md): bad
// knobs are usage errors (exit 2) naming the arm and the field, before any
// world is read.
#include <gtest/gtest.h>

#include <string>

#include "test_util.h"

namespace invr {
namespace {

TEST(SimulateMethodsCli, BadKnobsExitTwoNamingTheArmAndField) {
  test::TempDir dir;
  const std::string world = " --world " + dir.path().string();
  auto r = test::run_cli("-q simulate" + world + " --arms control,xquad:lambda=2");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--arms: arm \"xquad:lambda=2\": lambda must be in [0, 1]"), std::string::npos)
      << r.err;
  r = test::run_cli("-q simulate" + world + " --arms control,popularity-penalty:lambda=-1");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("lambda must be in [0, 1000000]"), std::string::npos) << r.err;
  r = test::run_cli("-q simulate" + world + " --arms control,forward-longtail:slots=0");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("slots must be slate positions >= 1"), std::string::npos) << r.err;
  r = test::run_cli("-q simulate" + world + " --arms xquad,popularity-penalty");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("exactly one control arm"), std::string::npos) << r.err;
}

TEST(SimulateMethodsCli, SweepMistakesExitTwoBeforeAnyWorldIsRead) {
  test::TempDir dir;
  const std::string world = " --world " + dir.path().string();
  auto r = test::run_cli("-q simulate" + world + " --arms control,xquad --sweep default");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("give --arms or --sweep, not both"), std::string::npos) << r.err;
  r = test::run_cli("-q simulate" + world + " --sweep 'xquad:lambda=0.2,7'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--sweep: arm \"xquad:lambda=7\": lambda must be in [0, 1]"), std::string::npos)
      << r.err;
  r = test::run_cli("-q simulate" + world + " --sweep 'invr-score:n=10;control'");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("control is every sweep's baseline"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace invr
