// Helpers shared by the fuzz targets (docs/fuzzing.md).
//
//  - Sections: a target that reads several files (a dataset's .inter, .item
//    and .user; a converter's CSVs) takes one input holding them all, each
//    after a line "=== NAME"; text before the first such line belongs to the
//    target's default file. A plain data file is therefore a valid input as
//    it is, and a seed stays readable.
//  - ScratchDir: the loaders under test read real files, so each input is
//    written to a folder of this process (on /dev/shm when it exists, so the
//    round trip stays in memory), emptied before every input.
//  - expected(): what a target may throw. DataError and UsageError (and
//    their subclasses) are the loaders' documented answer to bad input; any
//    other exception escapes, which libFuzzer and the replay main report as a
//    finding.
#pragma once

#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>

#include "invr/error.h"

namespace invr::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits `input` at lines "=== NAME" (NAME runs to the end of the line, a
// trailing '\r' dropped). A section's text runs from the line after its marker
// to the start of the next marker line, so its last newline stays with it.
// Text before the first marker goes to `default_name`, which is always in the
// result (empty when no text is before the first marker). A name given twice
// keeps its last text.
inline std::map<std::string, std::string_view> split_sections(std::string_view input,
                                                             const std::string& default_name) {
  std::map<std::string, std::string_view> sections;
  std::string name = default_name;
  std::size_t start = 0;
  for (std::size_t line = 0; line < input.size();) {
    const std::size_t end = std::min(input.find('\n', line), input.size());
    const std::string_view text = input.substr(line, end - line);
    const std::size_t next = std::min(end + 1, input.size());
    if (text.starts_with("=== ")) {
      sections[name] = input.substr(start, line - start);
      name = std::string(text.substr(4));
      if (!name.empty() && name.back() == '\r') name.pop_back();
      start = next;
    }
    line = next;
  }
  sections[name] = input.substr(start);
  sections.try_emplace(default_name);
  return sections;
}

class ScratchDir {
 public:
  ScratchDir() {
    std::error_code ec;
    const std::filesystem::path shm = "/dev/shm";
    const std::filesystem::path base =
        std::filesystem::is_directory(shm, ec) && access("/dev/shm", W_OK) == 0
            ? shm
            : std::filesystem::temp_directory_path();
    path_ = base / ("invr-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Removes everything written for the previous input.
  void clear() {
    for (const auto& entry : std::filesystem::directory_iterator(path_))
      std::filesystem::remove_all(entry.path());
  }

  std::filesystem::path write(const std::string& name, std::string_view bytes) {
    const std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("fuzz harness: cannot write " + file.string());
    return file;
  }

 private:
  std::filesystem::path path_;
};

// One per process; destroyed (and removed) at exit.
inline ScratchDir& scratch() {
  static ScratchDir dir;
  return dir;
}

// Runs `body`, swallowing the exceptions a loader may throw for bad input.
template <class F>
void expected(F&& body) {
  try {
    body();
  } catch (const DataError&) {
  } catch (const UsageError&) {
  }
}

}  // namespace invr::fuzz
