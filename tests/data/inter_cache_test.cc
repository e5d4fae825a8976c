// The load cache: a second load reads it, any change to a source file or to
// the cache itself falls back to parsing, and it is only written where it is
// safe to. Every test compares against a parse with the cache off.
#include "data/inter_cache.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "data/expect_dataset.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "test_util.h"

namespace invr {
namespace {

namespace fs = std::filesystem;
using test::expect_same_dataset;
using test::TempDir;
using test::write_file;

constexpr char kItems[] =
    "item_id:token\tproducer_id:token\n"
    "i1\tp1\ni2\tp2\ni3\tp1\n";
constexpr char kUsers[] = "user_id:token\nu9\nu1\n";
constexpr char kInter[] =
    "user_id:token\titem_id:token\ttimestamp:float\tevent_type:token\trating:float\n"
    "u1\ti2\t100\tclick\t4.5\n"
    "u1\ti3\t101\timpression\t1\n"
    "u2\ti1\t102\tclick\t2\n"
    "u3\ti2\t103.5\tview\t3\n";

// The cache is written only for files older than the racy window.
void wait_out_racy_window() {
  std::this_thread::sleep_for(std::chrono::duration<double>(data::kRacySeconds + 0.1));
}

AtomicLoadOptions cached() {
  AtomicLoadOptions options;
  options.cache = true;
  options.cache_min_bytes = 0;
  options.progress = false;
  return options;
}

AtomicLoadOptions parsed() {
  AtomicLoadOptions options = cached();
  options.cache = false;
  return options;
}

// A dataset folder with .user, .item and .inter, old enough to be cached.
struct World {
  TempDir dir;
  fs::path cache = dir / "w.inter.cache";
  explicit World(bool with_item_and_user = true) {
    if (with_item_and_user) {
      write_file(dir / "w.item", kItems);
      write_file(dir / "w.user", kUsers);
    }
    write_file(dir / "w.inter", kInter);
    wait_out_racy_window();
  }
  Dataset load(const AtomicLoadOptions& options) const { return load_atomic(dir.path(), "w", options); }
};

// Overwrites the last four bytes of a file, in place.
void patch_tail(const fs::path& path, float value) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(-static_cast<std::streamoff>(sizeof value), std::ios::end);
  file.write(reinterpret_cast<const char*>(&value), sizeof value);
}

TEST(LoadCache, SecondLoadReadsTheCacheAndMatchesTheParse) {
  const World w;
  const Dataset first = w.load(cached());
  ASSERT_TRUE(fs::exists(w.cache));
  // Users of the .user file first, then those the .inter met.
  EXPECT_EQ(first.users.ids(), (std::vector<std::string>{"u9", "u1", "u2", "u3"}));
  expect_same_dataset(w.load(cached()), first);
  expect_same_dataset(w.load(cached()), w.load(parsed()));

  // The value column ends the file: a value changed there shows the load really read it.
  patch_tail(w.cache, 42.0f);
  EXPECT_EQ(w.load(cached()).interactions.value.back(), 42.0f);
  EXPECT_EQ(w.load(parsed()).interactions.value.back(), 3.0f);
}

TEST(LoadCache, DatasetWithoutItemFileRoundTrips) {
  const World w(false);
  const Dataset first = w.load(cached());
  ASSERT_TRUE(fs::exists(w.cache));
  const Dataset second = w.load(cached());
  expect_same_dataset(second, first);
  EXPECT_EQ(second.items.ids(), (std::vector<std::string>{"i2", "i3", "i1"}));
  // Each item its own producer, as without a cache.
  EXPECT_EQ(second.producers.ids(), second.items.ids());
  EXPECT_EQ(second.item_table.size(), 3u);
}

TEST(LoadCache, AChangedInterFileIsParsedAgainEvenWithTheSameSizeAndTime) {
  const World w;
  w.load(cached());
  ASSERT_TRUE(fs::exists(w.cache));
  const auto modified = fs::last_write_time(w.dir / "w.inter");
  // Same length, other content, modification time put back: only the change time tells.
  std::string text = kInter;
  text.replace(text.find("103.5"), 5, "109.5");
  {
    std::fstream file(w.dir / "w.inter", std::ios::in | std::ios::out | std::ios::binary);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
  }
  fs::last_write_time(w.dir / "w.inter", modified);
  EXPECT_EQ(w.load(cached()).interactions.timestamp.back(), 109.5);
}

TEST(LoadCache, AChangedItemOrderIsParsedAgain) {
  const World w;
  const Dataset before = w.load(cached());
  write_file(w.dir / "w.item",
             "item_id:token\tproducer_id:token\n"
             "i3\tp1\ni2\tp2\ni1\tp1\n");
  const Dataset after = w.load(cached());
  EXPECT_EQ(after.items.ids(), (std::vector<std::string>{"i3", "i2", "i1"}));
  // Every row still names its own item, whatever that item's index is now.
  const std::vector<std::string> row_items{"i2", "i3", "i1", "i2"};
  for (std::size_t r = 0; r < row_items.size(); ++r) {
    EXPECT_EQ(before.items.id(before.interactions.item[r]), row_items[r]) << r;
    EXPECT_EQ(after.items.id(after.interactions.item[r]), row_items[r]) << r;
  }
}

TEST(LoadCache, AChangedUserFileIsParsedAgain) {
  const World w;
  w.load(cached());
  ASSERT_TRUE(fs::exists(w.cache));
  write_file(w.dir / "w.user", "user_id:token\nu9\nu1\nu7\n");
  EXPECT_EQ(w.load(cached()).users.ids(), (std::vector<std::string>{"u9", "u1", "u7", "u2", "u3"}));
}

TEST(LoadCache, ADamagedCacheIsIgnored) {
  const World w;
  const Dataset truth = w.load(parsed());
  w.load(cached());
  const std::string good = test::read_file(w.cache);

  // Truncated.
  write_file(w.cache, good.substr(0, good.size() - 3));
  expect_same_dataset(w.load(cached()), truth);
  // The first user index (the columns are the file's last 21 bytes per row) set to -1.
  const std::size_t columns = good.size() - truth.interactions.size() * 21;
  std::string bad = good;
  std::memset(bad.data() + columns, 0xFF, sizeof(Index));
  write_file(w.cache, bad);
  expect_same_dataset(w.load(cached()), truth);
  // An item index past the items there are.
  bad = good;
  const Index past = 3;
  std::memcpy(bad.data() + columns + truth.interactions.size() * sizeof(Index), &past, sizeof past);
  write_file(w.cache, bad);
  expect_same_dataset(w.load(cached()), truth);
  // A user id repeated: u2 renamed u1 would shift every later index.
  bad = good;
  const std::size_t u2 = bad.find("u2");
  ASSERT_NE(u2, std::string::npos);
  bad[u2 + 1] = '1';
  write_file(w.cache, bad);
  expect_same_dataset(w.load(cached()), truth);
  // Not a cache at all.
  write_file(w.cache, std::string(good.size(), 'x'));
  expect_same_dataset(w.load(cached()), truth);
  // Each of these loads parsed and wrote a fresh cache, which works again.
  EXPECT_EQ(test::read_file(w.cache), good);
}

TEST(LoadCache, WrittenOnlyWhenOnLargeEnoughAndOldEnough) {
  {
    const World w;
    w.load(parsed());
    EXPECT_FALSE(fs::exists(w.cache)) << "cache off";
    AtomicLoadOptions small = cached();
    small.cache_min_bytes = sizeof kInter + 1;
    w.load(small);
    EXPECT_FALSE(fs::exists(w.cache)) << "file below cache_min_bytes";
  }
  TempDir fresh;
  write_file(fresh / "w.inter", kInter);
  load_atomic(fresh.path(), "w", cached());
  EXPECT_FALSE(fs::exists(fresh / "w.inter.cache")) << "a file changed within the racy window";
}

TEST(LoadCache, AnUnwritableCacheStillLoads) {
  const World w;
  fs::create_directory(w.cache);  // renaming a file onto a folder fails
  expect_same_dataset(w.load(cached()), w.load(parsed()));
  EXPECT_TRUE(fs::is_directory(w.cache));
}

TEST(LoadCache, BadInputWritesNoCache) {
  TempDir dir;
  write_file(dir / "w.inter",
             "user_id:token\titem_id:token\ttimestamp:float\n"
             "u1\ti1\t5\n"
             "u2\ti2\tsoon\n");
  wait_out_racy_window();
  EXPECT_THROW(load_atomic(dir.path(), "w", cached()), DataError);
  EXPECT_FALSE(fs::exists(dir / "w.inter.cache"));
}

}  // namespace
}  // namespace invr
