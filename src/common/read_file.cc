#include "invr/read_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr {

std::string read_whole_file(const std::filesystem::path& path, std::string_view what) {
  const std::string_view space = what.empty() ? "" : " ";
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw IoError(fmt::format("{}: cannot open{}{}: {}", path.string(), space, what, std::strerror(errno)));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw IoError(fmt::format("{}: cannot read{}{}", path.string(), space, what));
  return std::move(buffer).str();
}

}  // namespace invr
