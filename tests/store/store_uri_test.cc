#include "store/store_uri.h"

#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/store.h"

namespace invr::store {
namespace {

RedisLocation redis(std::string_view uri) { return std::get<RedisLocation>(parse_store_uri(uri)); }
std::string rocks(std::string_view uri) { return std::get<RocksDbLocation>(parse_store_uri(uri)).path.string(); }

TEST(StoreUri, RocksDbForms) {
  EXPECT_EQ(rocks("rocksdb:/var/invr/store"), "/var/invr/store");
  EXPECT_EQ(rocks("rocksdb:///var/invr/store"), "/var/invr/store");
  EXPECT_EQ(rocks("rocksdb:relative/dir"), "relative/dir");
  EXPECT_EQ(rocks("/plain/path"), "/plain/path");
  EXPECT_EQ(rocks("plain"), "plain");
}

TEST(StoreUri, RedisForms) {
  const RedisLocation full = redis("redis://cache.local:6380/3?prefix=invr.prod");
  EXPECT_EQ(full.host, "cache.local");
  EXPECT_EQ(full.port, 6380);
  EXPECT_EQ(full.db, 3);
  EXPECT_EQ(full.prefix, "invr.prod");
  const RedisLocation bare = redis("redis://10.0.0.1");
  EXPECT_EQ(bare.host, "10.0.0.1");
  EXPECT_EQ(bare.port, 6379);
  EXPECT_EQ(bare.db, 0);
  EXPECT_EQ(bare.prefix, "invr");
  const RedisLocation v6 = redis("redis://[::1]:7000/?prefix=a:b");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 7000);
  EXPECT_EQ(v6.db, 0);
  EXPECT_EQ(v6.prefix, "a:b");
}

TEST(StoreUri, BadUrisAreUsageErrorsSayingWhatWasExpected) {
  auto message = [](std::string_view uri) {
    try {
      parse_store_uri(uri);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("").find("empty"), std::string::npos);
  EXPECT_NE(message("rocksdb:").find("expected a directory path"), std::string::npos);
  EXPECT_NE(message("s3://bucket/x").find("unknown scheme \"s3\""), std::string::npos);
  EXPECT_NE(message("redis://").find("expected redis://HOST:PORT"), std::string::npos);
  EXPECT_NE(message("redis://h:").find("expected a port"), std::string::npos);
  EXPECT_NE(message("redis://h:99999").find("port to be an integer in [1, 65535], got \"99999\""), std::string::npos);
  EXPECT_NE(message("redis://h:1/x").find("database number"), std::string::npos);
  EXPECT_NE(message("redis://h:1?prefix=a*b").find("invalid prefix \"a*b\""), std::string::npos);
  EXPECT_NE(message("redis://h:1?db=2").find("unknown query parameter \"db=2\""), std::string::npos);
  EXPECT_NE(message("redis://user:pw@h:1").find("credentials"), std::string::npos);
  EXPECT_NE(message("redis://[::1:5").find("']'"), std::string::npos);
  EXPECT_THROW(open_store("redis://h:0"), UsageError);
}

// Regression: [job] store = "none" created a RocksDB store in ./none while an
// empty [serve] store means no store; "none" is refused everywhere.
TEST(StoreUri, NoneIsRefusedNotADirectoryCalledNone) {
  try {
    parse_store_uri("none");
    FAIL() << "\"none\" parsed as a store";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("store URI \"none\": not a store"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(rocks("rocksdb:none"), "none");
  EXPECT_EQ(rocks("./none"), "./none");
  EXPECT_EQ(rocks("nonexistent"), "nonexistent");
}

TEST(StoreUri, LongBadUrisAreCutInTheMessage) {
  try {
    parse_store_uri("s3://" + std::string(100000, 'b'));
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_LT(std::string(e.what()).size(), 300u);
    EXPECT_NE(std::string(e.what()).find("…(100005 bytes)"), std::string::npos) << e.what();
  }
}

TEST(StoreUri, BadOptionsAreUsageErrors) {
  StoreOptions options;
  options.grace_seconds = -1;
  EXPECT_THROW(open_store("rocksdb:/nonexistent/never/created", options), UsageError);
  options = {};
  options.redis_connections = 0;
  EXPECT_THROW(open_store("redis://127.0.0.1:1", options), UsageError);
}

TEST(GenerationIds, ValidAndMadeIdsSortByTime) {
  EXPECT_TRUE(valid_generation_id("20241127T144512.123Z"));
  EXPECT_TRUE(valid_generation_id("run_7-b"));
  EXPECT_FALSE(valid_generation_id(""));
  EXPECT_FALSE(valid_generation_id(".."));
  EXPECT_FALSE(valid_generation_id("a/b"));
  EXPECT_FALSE(valid_generation_id("a:b"));
  EXPECT_FALSE(valid_generation_id(std::string(65, 'a')));
  const std::string id = make_generation_id();
  EXPECT_TRUE(valid_generation_id(id));
  ASSERT_EQ(id.size(), 20u);  // YYYYMMDDTHHMMSS.mmmZ
  EXPECT_EQ(id[8], 'T');
  EXPECT_EQ(id.back(), 'Z');
}

}  // namespace
}  // namespace invr::store
