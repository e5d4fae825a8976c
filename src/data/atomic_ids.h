// A load-time id index: string id -> dense index, faster than IdMap for the
// hot loop of a loader (a cheap word-at-a-time hash, open addressing, keys
// packed in one arena so probing stays in cache). Build it while parsing, then
// copy into an IdMap once with to_id_map(); both number ids in order of first
// appearance, so indices agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "invr/data.h"

namespace invr::data {

class FastIdIndex {
 public:
  FastIdIndex();
  // Index of id, adding it if new; `added` tells which.
  Index add(std::string_view id, bool& added);
  Index add(std::string_view id) {
    bool added;
    return add(id, added);
  }
  // Index of id, or kNoIndex.
  Index find(std::string_view id) const;
  std::size_t size() const { return offsets_.size() - 1; }
  std::string_view id(Index index) const {
    auto i = static_cast<std::size_t>(index);
    return {arena_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]};
  }
  void reserve(std::size_t ids);
  // An IdMap holding the same ids with the same indices.
  IdMap to_id_map() const;

 private:
  struct Slot {
    std::uint32_t tag;  // high bits of the hash, to skip most key comparisons
    Index index;        // kNoIndex when empty
  };
  void grow(std::size_t slots);

  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::string arena_;
  std::vector<std::size_t> offsets_{0};
};

// 64-bit hash of a short byte string, reading eight bytes at a time.
std::uint64_t hash_id(std::string_view id);

}  // namespace invr::data
