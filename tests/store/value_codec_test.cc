#include "store/value_codec.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "invr/error.h"
#include "test_util.h"

namespace invr::store {
namespace {

StoredCandidates fixture_value() {
  StoredCandidates c;
  c.by_ordering[0] = {{"item-β", 0.75f, 3}, {"a", 1.5f, 1}};
  c.by_ordering[1] = {{"a", 1.5f, 1}, {"item-β", 0.75f, 3}};
  c.by_ordering[2] = {{"a", 1.5f, 1}, {"c", -2.0f, -4}};
  return c;
}

TEST(ValueCodec, CheckedInVersion1FileKeepsDecoding) {
  // Written by an independent Python encoder from the spec in docs/store.md.
  const std::string bytes = test::read_file(test::testdata_dir() / "store" / "value_v1.bin");
  EXPECT_EQ(decode_candidates(bytes, "value_v1.bin"), fixture_value());
  EXPECT_EQ(encode_candidates(fixture_value()), bytes);
}

StoredCandidates fixture_value_with_target() {
  StoredCandidates c = fixture_value();
  c.by_ordering[3] = {{"d", 0.25f, 2}, {"c", -2.0f, -4}};
  return c;
}

TEST(ValueCodec, CheckedInVersion2FileWithATargetListKeepsDecoding) {
  // Written by an independent Python encoder from the spec in docs/store.md.
  const std::string bytes = test::read_file(test::testdata_dir() / "store" / "value_v2.bin");
  ASSERT_EQ(static_cast<unsigned char>(bytes[2]), 2);
  EXPECT_EQ(decode_candidates(bytes, "value_v2.bin"), fixture_value_with_target());
  EXPECT_EQ(encode_candidates(fixture_value_with_target()), bytes);
}

TEST(ValueCodec, VersionOneValueDecodesWithAnEmptyTargetList) {
  // An old generation (three orderings) read by a server that knows four.
  const std::string bytes = test::read_file(test::testdata_dir() / "store" / "value_v1.bin");
  const StoredCandidates back = decode_candidates(bytes, "value_v1.bin");
  EXPECT_TRUE(back.of(Ordering::target).empty());
  EXPECT_EQ(back.of(Ordering::user_rank).size(), 2u);
  // Without a target list the encoder still writes version 1 (old servers read it).
  EXPECT_EQ(static_cast<unsigned char>(encode_candidates(back)[2]), 1);
}

TEST(ValueCodec, FourOrderingsRoundTripAndEveryTruncationIsADataError) {
  StoredCandidates c = fixture_value_with_target();
  c.by_ordering[3].push_back({"only-in-target", 9.5f, 7});
  const std::string bytes = encode_candidates(c);
  EXPECT_EQ(decode_candidates(bytes, "x"), c);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(decode_candidates(bytes.substr(0, n), "g user u"), DataError) << "length " << n;
  // A version-1 header on four lists leaves the fourth as trailing bytes.
  std::string relabelled = bytes;
  relabelled[2] = 1;
  EXPECT_THROW(decode_candidates(relabelled, "x"), DataError);
}

TEST(ValueCodec, RoundTripsEmptyListsAndExtremeNumbers) {
  StoredCandidates c;
  EXPECT_EQ(decode_candidates(encode_candidates(c), "x"), c);
  EXPECT_EQ(encode_candidates(c), std::string("IC\x01\x00\x00\x00\x00", 7));  // magic, version, 0 entries, 3 empty lists
  c.by_ordering[2] = {{"", -0.0f, std::numeric_limits<std::int32_t>::min()},
                      {"日本語", std::numeric_limits<float>::infinity(), std::numeric_limits<std::int32_t>::max()},
                      {"nan", std::numeric_limits<float>::quiet_NaN(), 0}};
  const StoredCandidates back = decode_candidates(encode_candidates(c), "x");
  ASSERT_EQ(back.of(Ordering::user_rank).size(), 3u);
  EXPECT_TRUE(back.of(Ordering::random).empty());
  EXPECT_EQ(back.of(Ordering::user_rank)[0].user_rank, std::numeric_limits<std::int32_t>::min());
  EXPECT_TRUE(std::signbit(back.of(Ordering::user_rank)[0].score));
  EXPECT_EQ(back.of(Ordering::user_rank)[1].item, "日本語");
  EXPECT_EQ(back.of(Ordering::user_rank)[1].user_rank, std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(std::bit_cast<std::uint32_t>(back.of(Ordering::user_rank)[2].score),
            std::bit_cast<std::uint32_t>(std::numeric_limits<float>::quiet_NaN()));
}

TEST(ValueCodec, SharedEntriesAreStoredOnce) {
  StoredCandidates c;
  for (int i = 0; i < 50; ++i) c.by_ordering[0].push_back({"an-item-id-of-some-length-" + std::to_string(i), 0.5f * i, i + 1});
  c.by_ordering[1].assign(c.by_ordering[0].rbegin(), c.by_ordering[0].rend());
  c.by_ordering[2] = c.by_ordering[0];
  StoredCandidates one = c;
  one.by_ordering[1].clear();
  one.by_ordering[2].clear();
  // Two more orderings of the same entries add one index byte per candidate.
  EXPECT_EQ(encode_candidates(c).size(), encode_candidates(one).size() + 2 * 50);
  EXPECT_EQ(decode_candidates(encode_candidates(c), "x"), c);
}

TEST(ValueCodec, EveryTruncationIsADataError) {
  const std::string bytes = encode_candidates(fixture_value());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_THROW(decode_candidates(bytes.substr(0, n), "g user u"), DataError) << "length " << n;
  }
}

TEST(ValueCodec, CorruptionsNameWhereAndWhat) {
  const std::string good = encode_candidates(fixture_value());
  auto message = [](const std::string& bytes) {
    try {
      decode_candidates(bytes, "redis://h:1 generation G user U");
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_NE(message(bad_magic).find("redis://h:1 generation G user U: corrupt candidate value"), std::string::npos);
  EXPECT_NE(message(bad_magic).find("wrong magic"), std::string::npos);
  std::string bad_version = good;
  bad_version[2] = 9;
  EXPECT_NE(message(bad_version).find("unknown version 9"), std::string::npos);
  std::string bad_index = good;
  bad_index[bad_index.size() - 1] = 7;  // last reference: entry 7 of 3
  EXPECT_NE(message(bad_index).find("entry index 7 out of 3"), std::string::npos);
  EXPECT_NE(message(good + "x").find("trailing bytes"), std::string::npos);
  // A huge count must fail cleanly, not allocate.
  EXPECT_NE(message(std::string("IC\x01\xff\xff\xff\xff\x0f", 8)).find("exceeds the remaining bytes"), std::string::npos);
}

}  // namespace
}  // namespace invr::store
