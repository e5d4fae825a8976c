// The stage order (docs/architecture.md): scripts/check_layers.py run on the
// tree, and every stage's umbrella header compiling on its own in one unit;
// and the size limits of scripts/check_sizes.py (CONTRIBUTING.md).
#include <gtest/gtest.h>

#include "invr/stage/baselines.h"
#include "invr/stage/common.h"
#include "invr/stage/data.h"
#include "invr/stage/distributed.h"
#include "invr/stage/inverse.h"
#include "invr/stage/job.h"
#include "invr/stage/metrics.h"
#include "invr/stage/model.h"
#include "invr/stage/report.h"
#include "invr/stage/retrieval.h"
#include "invr/stage/serving.h"
#include "invr/stage/simulation.h"
#include "invr/stage/store.h"
#include "invr/stage/synth.h"
#include "test_util.h"

namespace invr {
namespace {

std::string source_root() { return (test::testdata_dir() / ".." / "..").lexically_normal().string(); }

TEST(Layering, NoStageIncludesAHeaderOfALaterStage) {
  const auto r = test::run_shell("python3 " + source_root() + "/scripts/check_layers.py " + source_root());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 violation(s)"), std::string::npos) << r.out;
}

// The check can fail: planted violations in a scratch tree are reported.
TEST(Layering, TheCheckReportsPlantedViolations) {
  const auto r = test::run_shell("python3 " + source_root() + "/scripts/check_layers.py --self-test");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("self-test passed"), std::string::npos) << r.out;
}

TEST(Sizes, NoFileOver600LinesNoFunctionOver100) {
  const auto r = test::run_shell("python3 " + source_root() + "/scripts/check_sizes.py " + source_root());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("0 violation(s)"), std::string::npos) << r.out;
}

TEST(Sizes, TheCheckReportsPlantedViolations) {
  const auto r = test::run_shell("python3 " + source_root() + "/scripts/check_sizes.py --self-test");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("self-test passed"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace invr
