// The .npy reader: the header alone, then the whole array as each element type
// (only the file's own dtype may succeed) and as a matrix.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "invr/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace invr;
  auto& dir = fuzz::scratch();
  const auto path = dir.write("a.npy", fuzz::as_text(data, size));
  fuzz::expected([&] {
    const NpyHeader header = read_npy_header(path);
    (void)header.element_count();
  });
  fuzz::expected([&] { (void)read_npy<float>(path).cols(); });
  fuzz::expected([&] { (void)read_npy<std::int32_t>(path).cols(); });
  fuzz::expected([&] { (void)read_npy<std::int64_t>(path).cols(); });
  fuzz::expected([&] { (void)read_npy_matrix<float>(path); });
  return 0;
}
