// On-disk layout of a RocksDB candidate store (docs/store.md):
//   ROOT/CURRENT                       the commit point: served + kept generations
//   ROOT/LOCK                          flock held by the one active writer
//   ROOT/generations/ID/db/            one RocksDB per generation, immutable once committed
//   ROOT/generations/ID/manifest.json  the stamped manifest
//   ROOT/generations/ID/runs/          a writer's sorted runs (gone after commit)
//   ROOT/generations/ID/parts/N/       part N's sorted files and done record (idem)
// A generations/ID directory that CURRENT does not list is a leftover (a dead
// or aborted writer, or a half-finished removal) and is deleted by the next
// lock holder.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/options.h>

#include "invr/store.h"

namespace invr::store {

struct StoreState {
  std::optional<std::string> current;
  std::vector<GenerationInfo> committed;  // oldest commit first

  bool contains(std::string_view id) const;
};

struct RocksDbPaths {
  std::filesystem::path root;

  std::filesystem::path current_file() const { return root / "CURRENT"; }
  std::filesystem::path lock_file() const { return root / "LOCK"; }
  std::filesystem::path generations() const { return root / "generations"; }
  std::filesystem::path generation(std::string_view id) const { return generations() / std::string(id); }
  std::filesystem::path db(std::string_view id) const { return generation(id) / "db"; }
  std::filesystem::path manifest(std::string_view id) const { return generation(id) / "manifest.json"; }
  std::filesystem::path runs(std::string_view id) const { return generation(id) / "runs"; }
  // Part N's sorted files and its "done" record (files and users), written
  // by another process (GenerationPart); gone after commit like runs/.
  std::filesystem::path part(std::string_view id, int part) const {
    return generation(id) / "parts" / std::to_string(part);
  }
  std::filesystem::path part_done(std::string_view id, int part) const {
    return this->part(id, part) / "done";
  }
};

// Empty state when CURRENT does not exist yet; DataError naming the line for a
// malformed file; IoError if it cannot be read.
StoreState read_state(const RocksDbPaths& paths);
// Replaces CURRENT atomically and durably (fsync file, rename, fsync folder).
// Throws only if the old state is still in place (the rename is the commit).
void write_state(const RocksDbPaths& paths, const StoreState& state);

// The store-wide writer lock (flock on ROOT/LOCK). The kernel drops it when the
// holder dies, so a SIGKILLed writer never blocks the next one.
class WriterLock {
 public:
  // nullopt when another writer (any process, or another writer object in this
  // one) holds it; IoError when the lock file cannot be opened.
  static std::optional<WriterLock> try_acquire(const RocksDbPaths& paths, std::string_view uri);
  WriterLock(WriterLock&& other) noexcept;
  WriterLock& operator=(WriterLock&&) = delete;
  ~WriterLock();

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Options shared by writers and readers (table format, bloom filters, compression).
rocksdb::Options generation_options();

// Deletes generation folders that `state` does not list. Only a lock holder calls it.
void remove_unlisted_generations(const RocksDbPaths& paths, const StoreState& state);

}  // namespace invr::store
