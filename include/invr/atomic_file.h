// Atomic, durable file replacement: write a temporary file in the destination
// folder, fsync it, rename it over the destination and fsync the folder, so a
// reader sees the old file or the whole new one, never half of it, and the new
// one survives a power loss. Every writer of user-facing files uses this.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

namespace invr {

// Runs save(temporary path), fsyncs the result and renames it onto `path`, so
// savers that only take a file name (torch::save, FAISS) are atomic too. The
// temporary file is removed if save throws; IoError naming the file if the
// fsync or the rename fails. An IoError means the old file is still in place:
// a failed fsync of the folder after the rename is logged, not thrown.
void save_atomically(const std::filesystem::path& path,
                     const std::function<void(const std::filesystem::path&)>& save);

// Writes `content` to `path` atomically and durably, as save_atomically does.
// IoError naming `path` on failure.
void write_text_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace invr
