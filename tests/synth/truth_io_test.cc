#include <cmath>
#include <cstring>
#include <filesystem>

#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/progress.h"
#include "invr/synth.h"
#include "test_util.h"

namespace invr {
namespace {
using test::read_file;
using test::TempDir;
using test::write_file;

const std::filesystem::path kTinyV1 = test::testdata_dir() / "synth" / "tiny_v1.truth";

WorldTruth small_truth() {
  Progress::set_enabled(false);
  WorldParams p;
  p.users = 50;
  p.items = 30;
  p.publishers = 5;
  p.days = 2;
  p.dim = 4;
  p.impressions_per_user = 20;
  return generate_world(p).truth;
}

// The DataError message load_truth() throws for a file with `content`.
std::string load_error(const std::string& content) {
  TempDir dir;
  const auto path = dir / "bad.truth";
  write_file(path, content);
  try {
    load_truth(path);
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), path.string());
    return e.what();
  }
  ADD_FAILURE() << "no DataError";
  return "";
}

TEST(TruthIo, RoundTripsEveryField) {
  const WorldTruth truth = small_truth();
  TempDir dir;
  save_truth(truth, dir / "world.truth");
  const WorldTruth loaded = load_truth(dir / "world.truth");
  EXPECT_EQ(loaded.dim, truth.dim);
  EXPECT_EQ(loaded.user_interest, truth.user_interest);
  EXPECT_EQ(loaded.item_topic, truth.item_topic);
  EXPECT_EQ(loaded.item_quality, truth.item_quality);
  EXPECT_EQ(loaded.item_publisher, truth.item_publisher);
  EXPECT_EQ(loaded.publisher_quality, truth.publisher_quality);
  EXPECT_EQ(loaded.relevance_weight, truth.relevance_weight);
  EXPECT_EQ(loaded.quality_weight, truth.quality_weight);
  EXPECT_EQ(loaded.relevance_bias, truth.relevance_bias);
  EXPECT_EQ(loaded.examination.eta, truth.examination.eta);
  EXPECT_EQ(loaded.start_time, truth.start_time);
  EXPECT_EQ(loaded.end_time, truth.end_time);
  EXPECT_EQ(loaded.seed, truth.seed);
  EXPECT_EQ(click_probability(loaded, 3, 7, 2), click_probability(truth, 3, 7, 2));
}

TEST(TruthIo, SavesAtomicallyLeavingNoTemporaryFile) {
  TempDir dir;
  save_truth(small_truth(), dir / "world.truth");
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename(), "world.truth");
    ++files;
  }
  EXPECT_EQ(files, 1u);
}

TEST(TruthIo, SaveIntoMissingFolderIsAnIoError) {
  TempDir dir;
  EXPECT_THROW(save_truth(small_truth(), dir / "no" / "such" / "world.truth"), IoError);
}

TEST(TruthIo, LoadsTheCheckedInVersion1File) {
  // Written by tests/testdata/synth/make_tiny_v1_truth.py from the documented format.
  const WorldTruth t = load_truth(kTinyV1);
  EXPECT_EQ(t.dim, 2u);
  EXPECT_EQ(t.n_users(), 3u);
  EXPECT_EQ(t.n_items(), 4u);
  EXPECT_EQ(t.n_publishers(), 2u);
  EXPECT_EQ(t.seed, 7u);
  EXPECT_EQ(t.relevance_weight, 4.0);
  EXPECT_EQ(t.quality_weight, 0.5);
  EXPECT_EQ(t.relevance_bias, -3.25);
  EXPECT_EQ(t.examination.eta, 0.7);
  EXPECT_EQ(t.start_time, 1704067200.0);
  EXPECT_EQ(t.end_time, 1704067200.0 + 2 * 86400);
  EXPECT_EQ(t.user_interest, (std::vector<float>{1, 0, 0, 1, 0.6f, 0.8f}));
  EXPECT_EQ(t.item_topic, (std::vector<float>{0, 1, 1, 0, 0.8f, 0.6f, -1, 0}));
  EXPECT_EQ(t.item_quality, (std::vector<float>{0.25f, -0.5f, 1.5f, 0}));
  EXPECT_EQ(t.item_publisher, (std::vector<Index>{0, 1, 1, 0}));
  EXPECT_EQ(t.publisher_quality, (std::vector<float>{0.125f, -0.75f}));
  // User 0 = (1,0) and item 1 = (1,0): logit 4·1 + 0.5·(−0.5) − 3.25 = 0.5.
  EXPECT_NEAR(relevance(t, 0, 1), 1 / (1 + std::exp(-0.5)), 1e-9);
}

TEST(TruthIo, BadMagicIsNamed) {
  std::string bytes = read_file(kTinyV1);
  bytes[0] = 'X';
  EXPECT_NE(load_error(bytes).find("bad magic"), std::string::npos);
  EXPECT_NE(load_error("INVR").find("too short"), std::string::npos);
  EXPECT_NE(load_error("").find("too short"), std::string::npos);
}

TEST(TruthIo, NewerVersionSaysSo) {
  std::string bytes = read_file(kTinyV1);
  const std::uint32_t version = kTruthFormatVersion + 1;
  std::memcpy(bytes.data() + 8, &version, sizeof version);
  const std::string message = load_error(bytes);
  EXPECT_NE(message.find("written by a newer invr"), std::string::npos) << message;
  EXPECT_NE(message.find("version 2"), std::string::npos) << message;
}

TEST(TruthIo, TruncationAndTrailingBytesAreCaught) {
  const std::string bytes = read_file(kTinyV1);
  EXPECT_NE(load_error(bytes.substr(0, bytes.size() - 1)).find("truncated"), std::string::npos);
  EXPECT_NE(load_error(bytes.substr(0, 40)).find("truncated"), std::string::npos);
  EXPECT_NE(load_error(bytes + "x").find("trailing"), std::string::npos);
}

TEST(TruthIo, CorruptDataFailsTheChecksum) {
  std::string bytes = read_file(kTinyV1);
  bytes[120] ^= 0x10;  // inside item_topic
  EXPECT_NE(load_error(bytes).find("checksum"), std::string::npos);
}

TEST(TruthIo, ImpossibleSizesAreRejectedBeforeAllocating) {
  std::string bytes = read_file(kTinyV1);
  const std::uint64_t huge_users = std::uint64_t{1} << 40;
  std::memcpy(bytes.data() + 16, &huge_users, sizeof huge_users);
  EXPECT_NE(load_error(bytes).find("out of range"), std::string::npos);
}

TEST(TruthIo, MissingFileIsAnIoError) {
  TempDir dir;
  EXPECT_THROW(load_truth(dir / "absent.truth"), IoError);
}

}  // namespace
}  // namespace invr
