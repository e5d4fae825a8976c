#include "common/huge_pages.h"

#include <cstdint>
#include <new>
#include <utility>

#include <sys/mman.h>

namespace invr {

void* map_anonymous(std::size_t bytes, std::size_t& mapped) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  if (bytes < kHuge) {
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
                     -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    mapped = bytes;
    return p;
  }
  const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* raw = ::mmap(nullptr, rounded + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  // Keep a 2 MiB-aligned range of `rounded` bytes.
  const auto start = reinterpret_cast<std::uintptr_t>(raw);
  const auto aligned = (start + kHuge - 1) / kHuge * kHuge;
  if (aligned > start) ::munmap(raw, aligned - start);
  if (const auto tail = start + rounded + kHuge - (aligned + rounded); tail > 0)
    ::munmap(reinterpret_cast<void*>(aligned + rounded), tail);
  void* p = reinterpret_cast<void*>(aligned);
  ::madvise(p, rounded, MADV_HUGEPAGE);
  mapped = rounded;
  return p;
}

HugePageBuffer::HugePageBuffer(std::size_t bytes) {
  data_ = static_cast<std::uint8_t*>(map_anonymous(bytes, mapped_));
}
HugePageBuffer::~HugePageBuffer() {
  if (data_) ::munmap(data_, mapped_);
}
HugePageBuffer::HugePageBuffer(HugePageBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), mapped_(std::exchange(other.mapped_, 0)) {}
HugePageBuffer& HugePageBuffer::operator=(HugePageBuffer&& other) noexcept {
  if (this != &other) {
    if (data_) ::munmap(data_, mapped_);
    data_ = std::exchange(other.data_, nullptr);
    mapped_ = std::exchange(other.mapped_, 0);
  }
  return *this;
}

}  // namespace invr
