#include "data/atomic_ids.h"

#include <cstring>
#include <limits>

#include "invr/error.h"

namespace invr::data {
namespace {
constexpr std::uint64_t kMultiplier = 0x9E3779B97F4A7C15ULL;

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  return x;
}
}  // namespace

std::uint64_t hash_id(std::string_view id) {
  const char* p = id.data();
  std::size_t n = id.size();
  std::uint64_t h = kMultiplier * (n + 1);
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    h = (h ^ word) * kMultiplier;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    std::uint64_t word = 0;
    std::memcpy(&word, p, n);
    h = (h ^ word) * kMultiplier;
  }
  return mix(h);
}

FastIdIndex::FastIdIndex() { grow(64); }

void FastIdIndex::reserve(std::size_t ids) {
  offsets_.reserve(ids + 1);
  std::size_t slots = slots_.size();
  while (slots < 2 * ids) slots *= 2;
  if (slots != slots_.size()) grow(slots);
}

void FastIdIndex::grow(std::size_t slots) {
  slots_.assign(slots, Slot{0, kNoIndex});
  mask_ = slots - 1;
  for (std::size_t i = 0; i < size(); ++i) {
    const std::uint64_t h = hash_id(id(static_cast<Index>(i)));
    std::size_t s = h & mask_;
    while (slots_[s].index != kNoIndex) s = (s + 1) & mask_;
    slots_[s] = Slot{static_cast<std::uint32_t>(h >> 32), static_cast<Index>(i)};
  }
}

Index FastIdIndex::find(std::string_view key) const {
  const std::uint64_t h = hash_id(key);
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  for (std::size_t s = h & mask_;; s = (s + 1) & mask_) {
    const Slot& slot = slots_[s];
    if (slot.index == kNoIndex) return kNoIndex;
    if (slot.tag == tag && id(slot.index) == key) return slot.index;
  }
}

Index FastIdIndex::add(std::string_view key, bool& added) {
  const std::uint64_t h = hash_id(key);
  const auto tag = static_cast<std::uint32_t>(h >> 32);
  std::size_t s = h & mask_;
  for (;; s = (s + 1) & mask_) {
    const Slot& slot = slots_[s];
    if (slot.index == kNoIndex) break;
    if (slot.tag == tag && id(slot.index) == key) {
      added = false;
      return slot.index;
    }
  }
  INVR_CHECK(size() < static_cast<std::size_t>(std::numeric_limits<Index>::max()));
  const auto index = static_cast<Index>(size());
  arena_.append(key);
  offsets_.push_back(arena_.size());
  slots_[s] = Slot{tag, index};
  added = true;
  if (2 * size() > slots_.size()) grow(2 * slots_.size());  // load factor at most 1/2
  return index;
}

IdMap FastIdIndex::to_id_map() const {
  IdMap map;
  map.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) map.add(id(static_cast<Index>(i)));
  return map;
}

}  // namespace invr::data
