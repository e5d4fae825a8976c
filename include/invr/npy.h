// NumPy .npy files: how embeddings and top-k results move between invr and
// Python. Spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//
// Contract:
//  - Supported element types: float32 ('<f4'), int32 ('<i4'), int64 ('<i8'),
//    little-endian, C (row-major) order, any number of dimensions (0-d is one
//    element). Format versions 1.0, 2.0 and 3.0 are read; 1.0 is written
//    (2.0 only when the header would not fit 1.0's 16-bit length).
//  - Reading is all-or-nothing: a wrong dtype, Fortran order, a bad header or
//    a truncated or over-long file throws DataError naming the file. Whole-file
//    problems (size, dtype, order) have line and column 0; a header numpy
//    itself would refuse (docs/formats.md, ".npy": a version other than 1.0,
//    2.0, 3.0; anything but a dict literal with exactly the keys descr,
//    fortran_order and shape, each once) is reported on line 1 at the byte's
//    1-based offset in the file.
//  - Writing is atomic: a temporary file in the same folder, then a rename,
//    so a reader never sees half an array. Failures throw IoError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace invr {

enum class NpyDtype { float32, int32, int64 };

// "float32", "int32", "int64".
const char* npy_dtype_name(NpyDtype dtype);

// What a .npy header says, without reading the data.
struct NpyHeader {
  NpyDtype dtype = NpyDtype::float32;
  std::vector<std::size_t> shape;  // empty for a 0-d array
  std::size_t data_offset = 0;     // bytes from the start of the file to the data

  std::size_t element_count() const;
};

// An owned array read from a .npy file; data is row-major.
template <typename T>
struct NpyArray {
  std::vector<std::size_t> shape;
  std::vector<T> data;

  std::size_t rows() const { return shape.empty() ? 1 : shape[0]; }
  // Product of all dimensions after the first (1 for 0-d and 1-d arrays).
  std::size_t cols() const;
};

// Reads and checks the header (magic, version, dict, dtype, order, shape) and
// that the file size matches it exactly.
NpyHeader read_npy_header(const std::filesystem::path& path);

// Reads a whole array; T must be float, std::int32_t or std::int64_t and the
// file's dtype must match it exactly (no silent conversions).
template <typename T>
NpyArray<T> read_npy(const std::filesystem::path& path);

// Reads a 2-D array, throwing DataError if the file holds another rank.
template <typename T>
NpyArray<T> read_npy_matrix(const std::filesystem::path& path);

// How MappedNpyMatrix holds a file's values.
enum class NpyLoad {
  // From 4 MiB, read by up to 4 threads into memory backed by 2 MiB
  // transparent huge pages: on the development VMs a 51 MB file then loads
  // in about 8 ms, where mapping it cost 30 ms of first-touch page faults
  // (one per 4 KiB) and reading it into a vector of 4 KiB pages 0.15 s.
  // Smaller files, and files larger than half the free memory, are mapped.
  // For an input one process reads (`invr topk`).
  fastest,
  // Mapped with MAP_POPULATE: the page cache's copy, shared by every process
  // on the machine that maps the file (the ranks of a sharded job, a server
  // and its job), at the first-touch cost above.
  shared,
};

// A float32 2-D .npy file loaded read-only. Same checks as
// read_npy_matrix<float> (DataError naming the file), then held as `how`
// says. A mapped file must not be truncated while mapped. Move-only.
class MappedNpyMatrix {
 public:
  explicit MappedNpyMatrix(const std::filesystem::path& path, NpyLoad how = NpyLoad::fastest);
  MappedNpyMatrix(MappedNpyMatrix&& other) noexcept;
  MappedNpyMatrix& operator=(MappedNpyMatrix&&) = delete;
  MappedNpyMatrix(const MappedNpyMatrix&) = delete;
  ~MappedNpyMatrix();

  const float* data() const { return data_; }
  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }

 private:
  void copy_into_huge_pages(int fd, std::size_t bytes, const std::filesystem::path& path);

  void* map_ = nullptr;  // the file's mapping, or the huge-page copy
  std::size_t map_bytes_ = 0;
  const float* data_ = nullptr;
  std::size_t rows_ = 0, cols_ = 0;
};

// Writes data (row-major, product(shape) elements) atomically.
void write_npy(const std::filesystem::path& path, std::span<const float> data,
               std::span<const std::size_t> shape);
void write_npy(const std::filesystem::path& path, std::span<const std::int32_t> data,
               std::span<const std::size_t> shape);
void write_npy(const std::filesystem::path& path, std::span<const std::int64_t> data,
               std::span<const std::size_t> shape);

template <typename T>
std::size_t NpyArray<T>::cols() const {
  std::size_t c = 1;
  for (std::size_t i = 1; i < shape.size(); ++i) c *= shape[i];
  return c;
}

}  // namespace invr
