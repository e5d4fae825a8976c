#include "data/atomic_ids.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <new>

#include "invr/error.h"

namespace invr::data {
namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
}  // namespace

void advise_huge_pages(const void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHugePage - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
}

void prepare_for_writing(const void* data, std::size_t bytes) {
  advise_huge_pages(data, bytes);
#ifndef MADV_POPULATE_WRITE
  constexpr int MADV_POPULATE_WRITE = 23;  // linux/mman.h; older C libraries lack the name
#endif
  const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<std::uintptr_t>(data) & ~(page - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(data) + bytes + page - 1) & ~(page - 1);
  if (bytes > 0) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);
}

FastIdIndex::FastIdIndex() { rebuild(64); }

void FastIdIndex::reserve(std::size_t ids) {
  offsets_.reserve(ids + 1);
  std::size_t slots = slot_count_;
  while (slots < 2 * ids) slots *= 2;
  if (slots != slot_count_) rebuild(slots);
}

void FastIdIndex::rebuild(std::size_t slot_count) {
  // Tables of 2 MiB and more start on a huge-page boundary and ask for huge pages.
  const std::size_t bytes = slot_count * sizeof(Slot);
  const std::size_t alignment = bytes >= kHugePage ? kHugePage : 64;
  void* memory = std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
  if (!memory) throw std::bad_alloc();
  if (alignment == kHugePage) advise_huge_pages(memory, bytes);
  slots_.reset(static_cast<Slot*>(memory));
  slot_count_ = slot_count;
  mask_ = slot_count - 1;
  for (std::size_t s = 0; s < slot_count; ++s) slots_[s] = Slot{0, 0, kNoIndex};
  for (std::size_t i = 0; i < size(); ++i) {
    const auto index = static_cast<Index>(i);
    Probe probe = locate(id(index), hash_id(id(index)));
    *probe.slot = Slot{probe.head, probe.tag, index};
  }
}

Index FastIdIndex::insert(std::string_view key, const Probe& probe) {
  INVR_CHECK(size() < static_cast<std::size_t>(std::numeric_limits<Index>::max()));
  const auto index = static_cast<Index>(size());
  arena_.append(key);
  offsets_.push_back(arena_.size());
  *probe.slot = Slot{probe.head, probe.tag, index};
  if (2 * size() > slot_count_) rebuild(2 * slot_count_);  // load factor at most 1/2
  return index;
}

IdMap FastIdIndex::to_id_map() const {
  std::vector<std::string_view> ids(size());
  for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = id(static_cast<Index>(i));
  IdMap map;
  INVR_CHECK(map.add_new(ids));  // ids here are distinct
  return map;
}

}  // namespace invr::data
