// Helpers shared by every test binary.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace invr::test {

// ../shared/datasets (or $INVR_DATASETS), or nullopt when absent.
// Tests that need it call INVR_REQUIRE_DATASETS() to skip with a visible reason.
std::optional<std::filesystem::path> datasets_dir();

// tests/testdata: small files checked into the repo.
std::filesystem::path testdata_dir();

// A fresh empty directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);
// Occurrences of `what` in `text`, overlapping ones included.
int count(const std::string& text, const std::string& what);

struct CommandResult {
  int exit_code;
  std::string out;  // stdout
  std::string err;  // stderr
};
// Runs the built invr CLI with the given argument string (shell-quoted by the caller).
CommandResult run_cli(const std::string& args);
// Runs a shell command line (for tools around invr: mpirun, timeout).
CommandResult run_shell(const std::string& command);

// A precomputed model in `dir` (invr's precomputed format): item i at angle
// 2π·(i mod 20)/20 on the unit circle, user u 3 steps ahead of item u mod 20,
// ids "i<n>" and "u<n>", so each user's nearest items are known by hand.
void write_circle_model(const std::filesystem::path& dir, std::size_t items, std::size_t users);

}  // namespace invr::test

#define INVR_REQUIRE_DATASETS(var)                                                        \
  auto var##_opt = ::invr::test::datasets_dir();                                          \
  if (!var##_opt) GTEST_SKIP() << "shared datasets folder not found (set INVR_DATASETS)"; \
  const std::filesystem::path var = *var##_opt
