// The server's view of the candidate store: a reader pinned to one generation,
// refreshed by the server's background thread (or after an embedded job run),
// plus what /metrics and /healthz report about it (generation, commit time,
// the last refresh error, a generation found unreadable, failing reads).
// Thread-safe: requests call read() while the refresher calls refresh(); a
// read returns its lists and their generation from one pin.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "invr/store.h"

namespace invr::serving {

struct FeedStatus {
  std::optional<std::string> generation;
  std::int64_t commit_time_ms = 0;  // 0 = unknown
  std::string last_error;           // of the last refresh; empty = it succeeded (log only: names the store)
  // The generation the last refresh found unreadable (its data is gone); the
  // pin is then the newest readable one, or none.
  std::optional<std::string> unreadable;
  bool reads_failing = false;  // the last read threw (until a read succeeds)
};

class CandidateFeed {
 public:
  // Opens the store (RocksDB: never creating it) and pins its current
  // generation. IoError/UsageError as open_store throws them.
  CandidateFeed(const std::string& uri, const StoreOptions& options);

  // The user's lists (nullopt if none) and the generation they come from, from
  // one pin. Throws the store's IoError/DataError.
  PinnedCandidates read(std::string_view user) const;
  // The pinned generation (nullopt: the store has none yet).
  std::optional<std::string> generation() const { return reader_->generation(); }
  // Re-reads the current generation; true if the pin moved (to a newer
  // generation, or back to an older readable one when the current one cannot
  // be read: status().unreadable). On failure records the error in status()
  // and rethrows (the old pin stays).
  bool refresh();
  FeedStatus status() const;
  // The store's current generation (what the next refresh() pins) and a
  // committed generation's manifest, for the model swap. Throw what the store
  // throws.
  std::optional<std::string> store_current() const { return store_->current(); }
  std::string manifest(std::string_view generation) const { return store_->manifest(generation); }
  const std::string& uri() const { return store_->uri(); }

 private:
  void update_commit_time();

  std::unique_ptr<CandidateStore> store_;
  std::unique_ptr<CandidateReader> reader_;
  mutable std::mutex mutex_;
  FeedStatus status_;
  mutable std::atomic<bool> reads_failing_{false};
};

}  // namespace invr::serving
