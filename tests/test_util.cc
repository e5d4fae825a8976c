#include "test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "invr/npy.h"
#include "invr/read_file.h"

namespace invr::test {
namespace fs = std::filesystem;

std::optional<fs::path> datasets_dir() {
  const char* env = std::getenv("INVR_DATASETS");
  fs::path dir = env ? fs::path(env) : fs::path(INVR_DATASETS_DIR);
  if (fs::is_directory(dir)) return fs::canonical(dir);
  return std::nullopt;
}

fs::path testdata_dir() { return fs::path(INVR_TESTDATA_DIR); }

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  path_ = fs::temp_directory_path() /
          ("invr_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
           std::to_string(rd()));
  fs::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << content;
}

std::string read_file(const fs::path& path) { return read_whole_file(path); }

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

CommandResult run_cli(const std::string& args) {
  return run_shell(std::string(INVR_CLI_PATH) + " " + args);
}

CommandResult run_shell(const std::string& shell_command) {
  TempDir tmp;
  const auto out_path = tmp / "stdout";
  const auto err_path = tmp / "stderr";
  const std::string command = shell_command + " >" + out_path.string() + " 2>" + err_path.string();
  int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

void write_circle_model(const std::filesystem::path& dir, std::size_t items, std::size_t users) {
  std::filesystem::create_directories(dir);
  std::vector<float> item_rows, user_rows;
  std::string item_ids, user_ids;
  for (std::size_t i = 0; i < items; ++i) {
    const double a = 2 * M_PI * static_cast<double>(i % 20) / 20;
    item_rows.insert(item_rows.end(), {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))});
    item_ids += fmt::format("i{}\n", i);
  }
  for (std::size_t u = 0; u < users; ++u) {
    const double a = 2 * M_PI * (static_cast<double>(u % 20) + 3) / 20;
    user_rows.insert(user_rows.end(), {static_cast<float>(std::cos(a)), static_cast<float>(std::sin(a))});
    user_ids += fmt::format("u{}\n", u);
  }
  const std::vector<std::size_t> item_shape = {items, 2}, user_shape = {users, 2};
  write_npy(dir / "item_embeddings.npy", std::span<const float>(item_rows), item_shape);
  write_npy(dir / "user_embeddings.npy", std::span<const float>(user_rows), user_shape);
  write_file(dir / "item_embeddings.ids", item_ids);
  write_file(dir / "user_embeddings.ids", user_ids);
  write_file(dir / "manifest.json",
             R"({"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": 2})");
}

}  // namespace invr::test
