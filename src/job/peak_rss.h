// Peak resident memory of this process, for manifests and benchmarks.
#pragma once

#include <cstdint>

namespace invr::job {
// VmHWM from /proc/self/status in bytes; 0 when unavailable.
std::uint64_t peak_rss_bytes();
}  // namespace invr::job
