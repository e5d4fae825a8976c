// The RocksDB backend lives in a plugin, libinvr_rocksdb.so
// (src/store/rocksdb_plugin_api.h): what crosses the boundary must behave as
// if it did not exist. The read hook is covered by Backends/ReaderPin.*.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <fstream>
#include <sstream>

#include "invr/log.h"
#include "store_test_util.h"

namespace invr::test {
namespace {
namespace fs = std::filesystem;

TEST(RocksDbPlugin, ErrorsThrownInThePluginAreCaughtByTypeInTheHost) {
  TempDir dir;
  fs::create_directories(dir / "s");
  write_file(dir / "s" / "CURRENT", "something else\n");
  try {
    open_store((dir / "s").string());
    FAIL() << "no DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find((dir / "s" / "CURRENT").string()), std::string::npos) << e.what();
  }
  StoreOptions options;
  options.create_if_missing = false;
  EXPECT_THROW(open_store((dir / "missing").string(), options), IoError);
  auto store = open_store((dir / "t").string());
  EXPECT_THROW(store->manifest("never-committed"), UsageError);
  EXPECT_THROW(store->begin_generation("bad id"), UsageError);
}

TEST(RocksDbPlugin, LogsThroughTheHostsInvrLogger) {
  TempDir dir;
  std::ostringstream out;
  logger().sinks().push_back(std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  auto store = open_store((dir / "s").string());
  auto writer = store->begin_generation("g");
  EXPECT_TRUE(store->remove_expired().empty());  // logged in the plugin: a writer holds the lock
  logger().sinks().pop_back();
  EXPECT_NE(out.str().find("a writer is active"), std::string::npos) << out.str();
}

TEST(RocksDbPlugin, OpeningAStoreMapsThePluginFromTheBuildTree) {
  TempDir dir;
  open_store((dir / "s").string());
  std::ifstream file("/proc/self/maps");  // size 0 to stat: read to the end
  std::ostringstream maps;
  maps << file.rdbuf();
  EXPECT_NE(maps.str().find("/lib/libinvr_rocksdb.so"), std::string::npos);
}

}  // namespace
}  // namespace invr::test
