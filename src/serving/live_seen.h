// Items users have sent positive events for (POST /v1/events) since the
// server loaded its world, replayed from the event log at start: the part of
// "seen" that the dataset does not hold yet (docs/serving_http.md, "Live
// state"). Every source that excludes seen items (retrieval, popular, InvR
// insertion, /v1/insert) reads the merged list, so a click takes effect at the
// user's next request.
//
// Contract:
//  - Items are catalog indices; the catalog only ever grows at its end
//    (POST /v1/items, a model swap rebuilds it in the same order), so an index
//    keeps naming the same item.
//  - Memory: one entry per distinct (user, item) pair (4 bytes) plus one id
//    per user with additions (and, for users the dataset lacks, one cached
//    embedding of dim floats); a repeated click adds nothing. It is bounded by
//    the event log it mirrors, and emptied when the world is rebuilt from a
//    dataset that includes the log.
//  - Thread-safe: add() takes a writer lock, merge() a reader lock; requests
//    for users without additions take no lock at all while nobody has any.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <shared_mutex>
#include <span>
#include <string_view>
#include <vector>

#include "invr/data.h"

namespace invr::serving {

class LiveSeen {
 public:
  // Records that `user` has seen catalog item `item`.
  void add(std::string_view user, Index item);
  // Writes `base` (sorted) merged with the user's additions, sorted and
  // unique, to `out` and returns true; false (out untouched) when the user
  // has no additions.
  bool merge(std::string_view user, std::span<const Index> base, std::vector<Index>& out) const;
  // The user's additions, sorted (a copy).
  std::vector<Index> items(std::string_view user) const;
  // Re-indexes every list from catalog `from` to catalog `to` by item id;
  // items `to` lacks are dropped. For a world whose catalog order changed.
  void remap(const IdMap& from, const IdMap& to);
  std::size_t users() const;
  std::size_t pairs() const;

  // A new user's embedding from their additions, cached per user until their
  // additions or the model (`model_serial`) change: true and `out` set if cached.
  bool cached_embedding(std::string_view user, std::uint64_t model_serial, std::vector<float>& out) const;
  // Caches `embedding`, computed by `model_serial` from the user's first
  // `items_used` additions.
  void cache_embedding(std::string_view user, std::uint64_t model_serial, std::size_t items_used,
                       std::vector<float> embedding) const;  // a cache: const

 private:
  struct Embedded {
    std::uint64_t model_serial = 0;
    std::size_t items_used = 0;
    std::vector<float> embedding;
  };
  mutable std::shared_mutex mutex_;
  IdMap users_;
  std::vector<std::vector<Index>> items_;  // per users_ index, sorted, unique
  mutable std::vector<Embedded> embedded_;  // per users_ index
  std::size_t pairs_ = 0;
  std::atomic<bool> empty_{true};
};

// Adds the positive events of an event log (EventLog's format; the EventLog
// constructor has checked its header and dropped a torn tail) whose items are
// in `items`; returns how many were read. What a restart rebuilds LiveSeen
// from. IoError if the file cannot be read.
std::size_t replay_event_log(const std::filesystem::path& path, const IdMap& items, LiveSeen& live);

}  // namespace invr::serving
