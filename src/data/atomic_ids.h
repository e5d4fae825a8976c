// A load-time id index: string id -> dense index, faster than IdMap for the
// hot loop of a loader. Ids hash eight bytes at a time; slots hold the hash
// tag, the length and the first eight bytes of the id, so a lookup of an id of
// up to eight bytes (u123456, i12345) touches one cache line and no other
// memory. Large tables ask for transparent huge pages, since a random lookup
// per row otherwise costs a TLB miss. Build it while parsing, then copy into
// an IdMap once with to_id_map(); both number ids in order of first
// appearance, so indices agree. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "invr/data.h"

namespace invr::data {

// The n <= 8 bytes at p as one word: equal words mean equal bytes for equal n.
// Overlapping loads instead of a variable-length copy keep it branch-light.
inline std::uint64_t short_word(const char* p, std::size_t n) {
  if (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    return word;
  }
  if (n >= 4) {
    std::uint32_t low, high;
    std::memcpy(&low, p, 4);
    std::memcpy(&high, p + n - 4, 4);
    return low | (std::uint64_t{high} << 32);
  }
  if (n == 0) return 0;
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return b[0] | (std::uint64_t{b[n / 2]} << 8) | (std::uint64_t{b[n - 1]} << 16);
}

// 64-bit hash of a short byte string, eight bytes at a time.
inline std::uint64_t hash_id(std::string_view id) {
  constexpr std::uint64_t kMultiplier = 0x9E3779B97F4A7C15ULL;
  const char* p = id.data();
  std::size_t n = id.size();
  std::uint64_t h = kMultiplier * (n + 1);
  for (; n > 8; p += 8, n -= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ word) * kMultiplier;
    h ^= h >> 29;
  }
  h = (h ^ short_word(p, n)) * kMultiplier;
  // Final avalanche (from MurmurHash3's fmix64) so the low bits that pick a slot depend on every
  // byte.
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB9FE1A85EC53ULL;
  h ^= h >> 33;
  return h;
}

// Asks the kernel to back [data, data + bytes) with huge pages where it can
// (the aligned 2 MiB runs inside it). A hint: does nothing where unsupported.
void advise_huge_pages(const void* data, std::size_t bytes);
// Memory about to be written front to back: huge pages where they fit, and all
// of it faulted in by one system call (MADV_POPULATE_WRITE, Linux 5.14) rather
// than one page fault per page as it is first written, each of which costs
// microseconds on our VMs. A hint: does nothing where unsupported.
void prepare_for_writing(const void* data, std::size_t bytes);

class FastIdIndex {
 public:
  FastIdIndex();
  // Index of id, adding it if new; `added` tells which. hash is hash_id(id).
  Index add(std::string_view id, std::uint64_t hash, bool& added) {
    const Probe probe = locate(id, hash);
    added = probe.slot->index == kNoIndex;
    return added ? insert(id, probe) : probe.slot->index;
  }
  Index add(std::string_view id, bool& added) { return add(id, hash_id(id), added); }
  Index add(std::string_view id, std::uint64_t hash) {
    bool added;
    return add(id, hash, added);
  }
  Index add(std::string_view id) { return add(id, hash_id(id)); }
  // Index of id, or kNoIndex.
  Index find(std::string_view id, std::uint64_t hash) const { return locate(id, hash).slot->index; }
  Index find(std::string_view id) const { return find(id, hash_id(id)); }
  // Starts loading the slot an id with this hash lands in: a loader hashes a
  // few rows ahead so lookups into a table larger than the cache overlap.
  void prefetch(std::uint64_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }

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
    std::uint64_t head;  // first eight bytes of the id, zero-padded
    std::uint32_t tag;   // 24 high bits of the hash, min(length, 255) in the low byte
    Index index;         // kNoIndex when empty
  };
  struct Probe {
    Slot* slot;  // the slot holding id, or the empty slot where it belongs
    std::uint64_t head;
    std::uint32_t tag;
  };
  struct FreeSlots {
    void operator()(Slot* p) const { std::free(p); }
  };

  static std::uint64_t head_of(std::string_view id) {
    return short_word(id.data(), id.size() < 8 ? id.size() : 8);
  }

  Probe locate(std::string_view id, std::uint64_t hash) const {
    const std::uint64_t head = head_of(id);
    const auto tag = static_cast<std::uint32_t>((hash >> 32) & ~0xFFull) |
                     static_cast<std::uint32_t>(id.size() < 255 ? id.size() : 255);
    for (std::size_t s = hash & mask_;; s = (s + 1) & mask_) {
      Slot* slot = &slots_[s];
      if (slot->index == kNoIndex) return {slot, head, tag};
      // Equal tags mean equal lengths up to 254 bytes; ids of up to 8 bytes are then equal
      // exactly when their heads are.
      if (slot->tag == tag && slot->head == head && (id.size() <= 8 || this->id(slot->index) == id))
        return {slot, head, tag};
    }
  }
  Index insert(std::string_view id, const Probe& probe);
  void rebuild(std::size_t slot_count);

  std::unique_ptr<Slot[], FreeSlots> slots_;
  std::size_t slot_count_ = 0;
  std::size_t mask_ = 0;
  std::string arena_;
  std::vector<std::size_t> offsets_{0};
};

}  // namespace invr::data
