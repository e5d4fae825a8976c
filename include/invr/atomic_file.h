// Atomic file replacement: write a temporary file in the destination folder,
// then rename it over the destination, so a reader sees the old file or the
// whole new one, never half of it. Every writer of user-facing files uses this.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

namespace invr {

// Runs save(temporary path) and renames the result onto `path`, so savers that
// only take a file name (torch::save, FAISS) are atomic too. The temporary file
// is removed if save throws; IoError naming `path` if the rename fails.
void save_atomically(const std::filesystem::path& path,
                     const std::function<void(const std::filesystem::path&)>& save);

// Writes `content` to `path` atomically. IoError naming `path` on failure.
void write_text_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace invr
