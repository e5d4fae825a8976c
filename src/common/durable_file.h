// The steps of an atomic, durable file replacement, shared by every writer:
// save_atomically and write_text_atomically (invr/atomic_file.h), the data
// stage's streaming AtomicOutput and the candidate store's CURRENT file.
//
//   temporary_path_next_to(path) -> write it -> fsync it -> publish_file(tmp, path)
//
// publish_file renames and then fsyncs the folder, so the new name survives a
// power loss and not only a crash.
#pragma once

#include <filesystem>

namespace invr {

// PATH.tmp.PID.N: in path's folder, so the rename cannot cross file systems;
// unique per process and call.
std::filesystem::path temporary_path_next_to(const std::filesystem::path& path);

// fsync of a file that a saver wrote by name (torch::save, FAISS). IoError
// naming the file.
void sync_file(const std::filesystem::path& path);
// fsync of a folder, so that renames and new files in it are on disk. IoError
// naming the folder.
void sync_directory(const std::filesystem::path& dir);

// Renames the complete, synced `temporary` onto `path`, then fsyncs path's
// folder. IoError naming `path` (and `temporary` removed) only if the rename
// fails, so an IoError means the old file is still in place; past the rename
// a failed folder fsync only weakens power-loss durability and is logged as
// a warning.
void publish_file(const std::filesystem::path& temporary, const std::filesystem::path& path);

}  // namespace invr
