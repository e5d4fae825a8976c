// Small file helpers for model directories: atomic writes, whole-file reads,
// the FNV-1a hash (file checksums and token hashing) and id-map text files.
// Torch-free.
#pragma once

#include "invr/atomic_file.h"  // save_atomically, write_text_atomically
#include "invr/read_file.h"    // read_whole_file

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "invr/data.h"

namespace invr::model {

// FNV-1a, 64 bit. Stable across platforms and runs, so token hashes and
// checksums written today still match tomorrow.
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed = 14695981039346656037ull);

// One id per line, in index order.
void write_id_file(const std::filesystem::path& path, const IdMap& ids);
// Reads such a file; an empty line or a repeated id throws DataError with
// the file and 1-based line.
IdMap read_id_file(const std::filesystem::path& path);
// Calls visit(line, id) for each line of such a file (1-based line; a
// trailing '\r' dropped), without building a map; an empty line throws
// DataError with the file and line. Returns the number of ids.
std::size_t for_each_id_line(const std::filesystem::path& path,
                             const std::function<void(std::size_t, std::string_view)>& visit);

// item_counts.txt: one non-negative integer per line; reading checks there
// are exactly `expected` lines (DataError with file and line otherwise).
void write_counts(const std::filesystem::path& path, std::span<const std::uint64_t> counts);
std::vector<std::uint64_t> read_counts(const std::filesystem::path& path, std::size_t expected);

}  // namespace invr::model
