// What `invr` maps at start: neither RocksDB nor LibTorch, each a plugin
// loaded on first use (docs/store.md, "Where RocksDB lives"; docs/model.md,
// "Where LibTorch lives"), so commands that never open a RocksDB store or run
// a network do not pay for their start-up.
#include <gtest/gtest.h>

#include "test_util.h"

namespace invr {
namespace {

TEST(StartUp, InvrLinksNeitherRocksDbNorLibTorch) {
  // LD_TRACE_LOADED_OBJECTS: the dynamic loader lists what it would map and
  // exits before main (what ldd prints).
  const test::CommandResult listed = test::run_shell(std::string("LD_TRACE_LOADED_OBJECTS=1 ") + INVR_CLI_PATH);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  ASSERT_NE(listed.out.find("libfmt"), std::string::npos) << listed.out;  // the list is there
  EXPECT_EQ(listed.out.find("librocksdb"), std::string::npos) << listed.out;
  EXPECT_EQ(listed.out.find("libtorch"), std::string::npos) << listed.out;
}

TEST(StartUp, AStoreCommandLoadsTheRocksDbPluginAndItsErrorsKeepTheirExitCode) {
  test::TempDir dir;
  // The IoError comes from inside the plugin (create_if_missing is off for
  // `invr candidates`): exit 1, as for any IoError, with its message.
  const test::CommandResult missing = test::run_cli("candidates --store rocksdb:" + (dir / "s").string());
  EXPECT_EQ(missing.exit_code, 1) << missing.err;
  EXPECT_NE(missing.err.find("no store at " + (dir / "s").string()), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace invr
