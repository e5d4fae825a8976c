// Reading a whole file into memory, with the error every reader raises: an
// IoError naming the file. The one implementation of it (atomic_file.h is
// its writing counterpart).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace invr {

// The file's bytes. IoError "PATH: cannot open[ WHAT]: REASON" when it cannot
// be opened, "PATH: cannot read[ WHAT]" when reading fails; `what` says what
// the file should hold ("config file"), or is empty.
std::string read_whole_file(const std::filesystem::path& path, std::string_view what = {});

}  // namespace invr
