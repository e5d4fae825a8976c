// Anonymous memory for large buffers that are touched at random or all at
// once: on the development VMs every fresh 4 KiB page costs about 1.3-1.7 us
// at its first touch (the hypervisor's page tables fill one page at a time,
// and MAP_POPULATE only moves the cost), 27 ms for 16 MB; 2 MiB transparent
// huge pages cost 5-10 ms for the same 16 MB. Used by the int8 filter's
// quantised base (src/retrieval/int8_kernel.cc) and large .npy inputs
// (MappedNpyMatrix).
#pragma once

#include <cstddef>
#include <cstdint>

namespace invr {

// A zero-filled read-write anonymous mapping of at least `bytes`: from
// 2 MiB, 2 MiB-aligned and rounded up to whole huge pages, with
// MADV_HUGEPAGE (advice: 4 KiB pages still work where the kernel has no huge
// page); below, populated at once. Sets `mapped` to the length to munmap.
// Throws std::bad_alloc when the kernel refuses the mapping.
void* map_anonymous(std::size_t bytes, std::size_t& mapped);

// map_anonymous's memory, unmapped at destruction. Move-only.
class HugePageBuffer {
 public:
  HugePageBuffer() = default;
  explicit HugePageBuffer(std::size_t bytes);
  ~HugePageBuffer();
  HugePageBuffer(HugePageBuffer&& other) noexcept;
  HugePageBuffer& operator=(HugePageBuffer&& other) noexcept;
  std::uint8_t* get() const { return data_; }

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t mapped_ = 0;
};

}  // namespace invr
