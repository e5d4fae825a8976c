// The server's view of the candidate store: a reader pinned to one generation,
// refreshed by the server's background thread (or after an embedded job run),
// plus what /metrics and /healthz report about it (generation, commit time,
// the last refresh error). Thread-safe: requests call get() while the
// refresher calls refresh(); a get finishes on the generation it started on.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "invr/store.h"

namespace invr::serving {

struct FeedStatus {
  std::optional<std::string> generation;
  std::int64_t commit_time_ms = 0;  // 0 = unknown
  std::string last_error;           // of the last refresh; empty = it succeeded
};

class CandidateFeed {
 public:
  // Opens the store (RocksDB: never creating it) and pins its current
  // generation. IoError/UsageError as open_store throws them.
  CandidateFeed(const std::string& uri, const StoreOptions& options);

  // The user's lists in the pinned generation; nullopt if none. Throws the
  // store's IoError/DataError.
  std::optional<StoredCandidates> get(std::string_view user) const { return reader_->get(user); }
  // The pinned generation (nullopt: the store has none yet).
  std::optional<std::string> generation() const { return reader_->generation(); }
  // Re-reads the current generation; true if the pin moved. On failure
  // records the error in status() and rethrows (the old pin stays).
  bool refresh();
  FeedStatus status() const;
  const std::string& uri() const { return store_->uri(); }

 private:
  void update_commit_time();

  std::unique_ptr<CandidateStore> store_;
  std::unique_ptr<CandidateReader> reader_;
  mutable std::mutex mutex_;
  FeedStatus status_;
};

}  // namespace invr::serving
