// invr's index file: a fixed header (magic, version, kind, dim, rows, spec,
// construction params) followed by the backend's payload. Layout in
// docs/retrieval.md; any change bumps kIndexFileVersion.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "invr/retrieval.h"

namespace invr::retrieval {

constexpr std::uint32_t kIndexFileVersion = 1;

enum class IndexKind : std::uint32_t { exact = 1, faiss = 2, ivf_int8 = 3 };

struct IndexFileHeader {
  IndexKind kind = IndexKind::exact;
  int dim = 0;
  std::int64_t rows = 0;
  std::string spec;
  IndexParams params;
};

// Writes header and payload to a temporary file next to path, then renames
// it into place. write_payload returns false on a write error.
void write_index_file(const std::filesystem::path& path, const IndexFileHeader& header,
                      const std::function<bool(std::FILE*)>& write_payload);

// An open index file positioned at its payload.
struct IndexFileReader {
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, Closer> file;
  IndexFileHeader header;
  std::uint64_t payload_bytes = 0;  // bytes from the payload start to the end of the file
};

// Opens path and checks its header; DataError (naming the file) if it is not
// an invr index or is damaged, IoError if it cannot be opened.
IndexFileReader open_index_file(const std::filesystem::path& path);

// Backends (exact_index.cc, faiss_index.cc), used by make_index/load_index.
std::unique_ptr<VectorIndex> make_exact_index(int dim);
std::unique_ptr<VectorIndex> load_exact_index(IndexFileReader& reader,
                                              const std::filesystem::path& path);
// factory empty: IVF,Flat whose list count is chosen at the first add().
std::unique_ptr<VectorIndex> make_faiss_index(std::string spec, std::string factory, int dim,
                                              const IndexParams& params);
std::unique_ptr<VectorIndex> load_faiss_index(IndexFileReader& reader,
                                              const std::filesystem::path& path);
// "ivf,int8" (ivf_int8_index.cc); nlist 0: sized from the rows at the first add().
std::unique_ptr<VectorIndex> make_ivf_int8_index(std::string spec, int nlist, int dim,
                                                 const IndexParams& params);
std::unique_ptr<VectorIndex> load_ivf_int8_index(IndexFileReader& reader,
                                                 const std::filesystem::path& path);

}  // namespace invr::retrieval
