// RocksDB-only behaviour: on-disk layout, the writer lock, I/O failures.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <signal.h>
#include <sys/resource.h>

#include <fstream>

#include "store/rocksdb/rocksdb_layout.h"
#include "store_test_util.h"

namespace invr::test {
namespace {
namespace fs = std::filesystem;

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(RocksDbStore, LayoutIsOneDatabasePerGenerationAndAVersionedCurrentFile) {
  TempDir dir;
  auto store = open_store("rocksdb:" + (dir / "s").string());
  write_generation(*store, "g1", 10, 1);
  write_generation(*store, "g2", 10, 2);
  const auto generations = store->generations();
  ASSERT_EQ(generations.size(), 2u);
  EXPECT_EQ(read_file(dir / "s" / "CURRENT"),
            "invr-candidate-store 1\ncurrent g2\ngeneration g1 " + std::to_string(generations[0].commit_time_ms) +
                "\ngeneration g2 " + std::to_string(generations[1].commit_time_ms) + "\n");
  EXPECT_TRUE(fs::is_directory(dir / "s" / "generations" / "g2" / "db"));
  EXPECT_TRUE(fs::is_regular_file(dir / "s" / "generations" / "g2" / "manifest.json"));
  EXPECT_FALSE(fs::exists(dir / "s" / "generations" / "g2" / "runs"));
  EXPECT_EQ(read_file(dir / "s" / "generations" / "g2" / "manifest.json"), store->manifest("g2"));
}

TEST(RocksDbStore, ManySortedRunsMergeIntoOneLevelAndTheLastPutWins) {
  TempDir dir;
  StoreOptions options;
  options.sort_buffer_bytes = 4096;  // a run every few users
  auto store = open_store((dir / "s").string(), options);
  auto writer = store->begin_generation("g");
  for (int u = 0; u < 2000; ++u) writer->put(user_name(u), sample_candidates(u, 1));
  for (int u = 0; u < 2000; u += 3) writer->put(user_name(u), sample_candidates(u, 2));  // replaces, later run
  writer->put(user_name(5), sample_candidates(5, 3));
  writer->put(user_name(5), sample_candidates(5, 4));  // replaces within one run
  writer->commit("{}");
  for (int u = 0; u < 2000; ++u) {
    const int tag = u == 5 ? 4 : u % 3 == 0 ? 2 : 1;
    ASSERT_EQ(store->get("g", user_name(u)), sample_candidates(u, tag)) << u;
  }
  // Merged files do not overlap, so they sit in one level, none in level 0.
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::OpenForReadOnly(store::generation_options(), (dir / "s/generations/g/db").string(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string level0;
  ASSERT_TRUE(db->GetProperty("rocksdb.num-files-at-level0", &level0));
  EXPECT_EQ(level0, "0");
}

TEST(RocksDbStore, OneWriterAtATime) {
  TempDir dir;
  auto store = open_store((dir / "s").string());
  auto other_handle = open_store((dir / "s").string());
  auto first = store->begin_generation("a");
  EXPECT_NE(message_of([&] { other_handle->begin_generation("b"); }).find("another writer is active"),
            std::string::npos);
  EXPECT_TRUE(other_handle->remove_expired().empty());  // skips while a writer holds the lock
  first->commit("{}");
  auto second = other_handle->begin_generation("b");
  second->commit("{}");
  EXPECT_EQ(store->current(), "b");
}

TEST(RocksDbStore, LeftoversOfDeadWritersAreRemovedByTheNextWriter) {
  TempDir dir;
  auto store = open_store((dir / "s").string());
  write_generation(*store, "a", 5, 1);
  fs::create_directories(dir / "s" / "generations" / "dead" / "runs");
  write_file(dir / "s" / "generations" / "dead" / "runs" / "run-000000.sst", "partial");
  EXPECT_EQ(store->generations().size(), 1u);  // never listed
  store->begin_generation("b")->abort();
  EXPECT_FALSE(fs::exists(dir / "s" / "generations" / "dead"));
  EXPECT_TRUE(fs::exists(dir / "s" / "generations" / "a"));
}

TEST(RocksDbStore, APinnedReaderKeepsReadingAfterItsGenerationIsDeleted) {
  TempDir dir;
  StoreOptions no_grace;
  no_grace.grace_seconds = 0;
  auto store = open_store((dir / "s").string(), no_grace);
  write_generation(*store, "a", 30, 1);
  auto reader = store->reader();
  write_generation(*store, "b", 30, 2);  // removes a's folder at once
  EXPECT_FALSE(fs::exists(dir / "s" / "generations" / "a"));
  EXPECT_EQ(reader->generation(), "a");
  for (int u = 0; u < 30; ++u) EXPECT_EQ(reader->get(user_name(u)), sample_candidates(u, 1));
  EXPECT_TRUE(reader->refresh());
  EXPECT_EQ(reader->get(user_name(3)), sample_candidates(3, 2));
}

TEST(RocksDbStore, UnwritableOrMissingPathsAreIoErrorsNamingTheUri) {
  TempDir dir;
  write_file(dir / "file", "not a directory");
  const std::string below_file = "rocksdb:" + (dir / "file" / "store").string();
  const std::string message = message_of([&] { open_store(below_file); });
  EXPECT_NE(message.find(below_file + ": cannot create the store directory"), std::string::npos) << message;
  EXPECT_NE(message.find("Not a directory"), std::string::npos) << message;
  EXPECT_THROW(open_store((dir / "file").string()), IoError);
  StoreOptions server;
  server.create_if_missing = false;
  EXPECT_NE(message_of([&] { open_store((dir / "missing").string(), server); }).find("no store at"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "missing"));
}

TEST(RocksDbStore, AMalformedCurrentFileIsADataErrorNamingTheLine) {
  TempDir dir;
  fs::create_directories(dir / "s");
  write_file(dir / "s" / "CURRENT", "invr-candidate-store 1\ncurrent a\ngeneration a 12x\n");
  const std::string message = message_of([&] { open_store((dir / "s").string()); });
  EXPECT_NE(message.find("CURRENT:3:"), std::string::npos) << message;
  EXPECT_NE(message.find("expected a commit time in milliseconds, got \"12x\""), std::string::npos) << message;
  write_file(dir / "s" / "CURRENT", "something else\n");
  EXPECT_THROW(open_store((dir / "s").string()), DataError);
}

TEST(RocksDbStore, ACorruptValueIsADataErrorNamingGenerationAndUser) {
  TempDir dir;
  auto store = open_store((dir / "s").string());
  write_generation(*store, "g", 5, 1);
  {
    rocksdb::Options options = store::generation_options();
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(options, (dir / "s/generations/g/db").string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), user_name(2), "XX\x01garbage").ok());
    ASSERT_TRUE(db->Close().ok());
  }
  const std::string message = message_of([&] { store->get("g", user_name(2)); });
  EXPECT_NE(message.find("generation g user " + user_name(2)), std::string::npos) << message;
  EXPECT_NE(message.find("wrong magic"), std::string::npos) << message;
  EXPECT_EQ(store->get("g", user_name(3)), sample_candidates(3, 1));
}

// A full disk, without root: a child whose file-size limit (RLIMIT_FSIZE) is
// tiny gets EFBIG ("File too large") on its first large write, as a full disk
// gives ENOSPC; SIGXFSZ is ignored so the write fails instead of killing it.
TEST(RocksDbStore, AFullDiskIsAnIoErrorAndThePreviousGenerationStaysServed) {
  TempDir dir;
  const std::string uri = "rocksdb:" + (dir / "s").string();
  auto store = open_store(uri);
  write_generation(*store, "before", 200, 1);
  Child job = fork_child([&](int to_parent) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{64 << 10, 64 << 10};
    if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(20);
    auto child_store = open_store(uri);
    auto writer = child_store->begin_generation("too-big");
    try {
      for (int u = 0; u < 20000; ++u) writer->put(user_name(u), sample_candidates(u, 2));
      writer->commit("{}");
      report(to_parent, 'd');
    } catch (const IoError&) {
      try {
        writer->put("late", {});
      } catch (const UsageError&) {
        report(to_parent, 'u');  // a failed writer only aborts
      }
      throw;
    }
  });
  const std::string said = read_all(job.from_child);
  EXPECT_EQ(wait_child(job.pid), 3) << said;  // an invr::Error, not a crash
  EXPECT_EQ(said.substr(0, 7), "uERROR ") << said;
  EXPECT_NE(said.find("ERROR " + uri + " generation too-big: cannot write"), std::string::npos) << said;
  EXPECT_NE(said.find("File too large"), std::string::npos) << said;
  EXPECT_EQ(store->current(), "before");
  EXPECT_EQ(store->generations().size(), 1u);
  EXPECT_TRUE(holds_generation(*store, "before", 200, 1));
  write_generation(*store, "after", 50, 3);  // the disk has room again
  EXPECT_TRUE(holds_generation(*store, "after", 50, 3));
  EXPECT_FALSE(fs::exists(dir / "s" / "generations" / "too-big"));
}

}  // namespace
}  // namespace invr::test
