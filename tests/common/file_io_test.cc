// The one whole-file reader (invr/read_file.h) and the one atomic, durable
// writer (invr/atomic_file.h over common/durable_file.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/durable_file.h"
#include "invr/atomic_file.h"
#include "invr/error.h"
#include "invr/read_file.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using test::TempDir;

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const IoError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an IoError";
  return {};
}

// Bytes a text-mode reader or writer would change: NUL, CR LF, a lone CR, no final newline.
const std::string kAwkwardBytes = std::string("a\0b\r\nc\rd", 8) + "\xFF";

TEST(WriteTextAtomically, WritesTheExactBytesAndLeavesNoTemporaryFile) {
  TempDir dir;
  write_text_atomically(dir / "x.txt", kAwkwardBytes);
  EXPECT_EQ(read_whole_file(dir / "x.txt"), kAwkwardBytes);
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"x.txt"});
}

TEST(WriteTextAtomically, ReplacesAnOldFile) {
  TempDir dir;
  test::write_file(dir / "x.txt", "a much longer old content");
  write_text_atomically(dir / "x.txt", "new");
  EXPECT_EQ(read_whole_file(dir / "x.txt"), "new");
  write_text_atomically(dir / "x.txt", "");
  EXPECT_EQ(read_whole_file(dir / "x.txt"), "");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"x.txt"});
}

TEST(WriteTextAtomically, ARelativePathSyncsTheWorkingFolder) {
  TempDir dir;
  const fs::path before = fs::current_path();
  fs::current_path(dir.path());
  write_text_atomically("relative.txt", "here");
  fs::current_path(before);
  EXPECT_EQ(read_whole_file(dir / "relative.txt"), "here");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"relative.txt"});
}

TEST(WriteTextAtomically, IntoAMissingFolderIsAnIoErrorNamingTheFile) {
  TempDir dir;
  const fs::path path = dir / "missing" / "x.txt";
  EXPECT_NE(error_of([&] { write_text_atomically(path, "x"); }).find(path.string()), std::string::npos);
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{});
}

TEST(SaveAtomically, AFailingSaverLeavesTheOldFileAndNoTemporaryFile) {
  TempDir dir;
  test::write_file(dir / "x.bin", "old");
  EXPECT_THROW(save_atomically(dir / "x.bin",
                               [](const fs::path& tmp) {
                                 test::write_file(tmp, "half");
                                 throw std::runtime_error("saver failed");
                               }),
               std::runtime_error);
  EXPECT_EQ(read_whole_file(dir / "x.bin"), "old");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"x.bin"});
}

TEST(SaveAtomically, ASaverThatWritesNothingIsAnIoError) {
  TempDir dir;
  const std::string message = error_of([&] { save_atomically(dir / "x.bin", [](const fs::path&) {}); });
  EXPECT_NE(message.find((dir / "x.bin").string()), std::string::npos) << message;
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{});
}

TEST(SaveAtomically, AFailedRenameKeepsTheOldContentAndRemovesTheTemporaryFile) {
  TempDir dir;
  fs::create_directories(dir / "x.bin" / "occupied");  // a non-empty folder cannot be renamed over
  const std::string message =
      error_of([&] { save_atomically(dir / "x.bin", [](const fs::path& tmp) { test::write_file(tmp, "new"); }); });
  EXPECT_NE(message.find((dir / "x.bin").string() + ": cannot write"), std::string::npos) << message;
  EXPECT_TRUE(fs::is_directory(dir / "x.bin" / "occupied"));
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"x.bin"});
}

TEST(DurableFile, TemporaryPathsSitNextToTheTargetAndDiffer) {
  const fs::path a = temporary_path_next_to("/data/out/x.npy");
  const fs::path b = temporary_path_next_to("/data/out/x.npy");
  EXPECT_EQ(a.parent_path(), fs::path("/data/out"));
  EXPECT_TRUE(a.filename().string().starts_with("x.npy.tmp.")) << a;
  EXPECT_NE(a, b);
}

TEST(DurableFile, SyncingSomethingMissingIsAnIoErrorNamingIt) {
  TempDir dir;
  EXPECT_NE(error_of([&] { sync_file(dir / "gone"); }).find((dir / "gone").string()), std::string::npos);
  EXPECT_NE(error_of([&] { sync_directory(dir / "gone"); }).find((dir / "gone").string()), std::string::npos);
  EXPECT_NO_THROW(sync_directory(dir.path()));
}

TEST(ReadWholeFile, MissingFileIsAnIoErrorNamingItAndWhatItHolds) {
  TempDir dir;
  const fs::path path = dir / "nope.toml";
  EXPECT_EQ(error_of([&] { read_whole_file(path, "config file"); }),
            path.string() + ": cannot open config file: No such file or directory");
  EXPECT_EQ(error_of([&] { read_whole_file(path); }), path.string() + ": cannot open: No such file or directory");
}

TEST(ReadWholeFile, ReadsEmptyAndProcFiles) {
  TempDir dir;
  test::write_file(dir / "empty", "");
  EXPECT_EQ(read_whole_file(dir / "empty"), "");
  // /proc files report size 0; the reader does not trust the size.
  EXPECT_FALSE(read_whole_file("/proc/self/cmdline").empty());
}

}  // namespace
}  // namespace invr
