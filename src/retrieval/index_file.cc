#include "index_file.h"

#include <unistd.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "invr/atomic_file.h"

#include "invr/error.h"

namespace invr::retrieval {
namespace fs = std::filesystem;
namespace {

static_assert(std::endian::native == std::endian::little, "index files are little-endian");

constexpr char kMagic[8] = {'I', 'N', 'V', 'R', 'I', 'D', 'X', '\0'};
constexpr std::size_t kHeaderBytes = 64;
constexpr std::uint32_t kMaxSpecBytes = 4096;

// The fixed 64-byte header, exactly as on disk (docs/retrieval.md).
struct RawHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t kind;
  std::uint32_t dim;
  std::uint32_t spec_bytes;
  std::uint64_t rows;
  std::int32_t params[8];  // IndexParams fields in declaration order, then 0
};
static_assert(sizeof(RawHeader) == kHeaderBytes);

[[noreturn]] void fail(const fs::path& path, const std::string& message) {
  throw DataError(path.string(), 0, 0, message);
}

}  // namespace

void write_index_file(const fs::path& path, const IndexFileHeader& header,
                      const std::function<bool(std::FILE*)>& write_payload) {
  RawHeader raw{};
  std::memcpy(raw.magic, kMagic, sizeof kMagic);
  raw.version = kIndexFileVersion;
  raw.kind = static_cast<std::uint32_t>(header.kind);
  raw.dim = static_cast<std::uint32_t>(header.dim);
  raw.spec_bytes = static_cast<std::uint32_t>(header.spec.size());
  raw.rows = static_cast<std::uint64_t>(header.rows);
  const IndexParams& p = header.params;
  const std::int32_t params[8] = {p.hnsw_m, p.ef_construction, p.ef_search, p.nlist,
                                  p.nprobe, p.train_rows_per_list, p.threads, 0};
  std::memcpy(raw.params, params, sizeof params);

  save_atomically(path, [&](const fs::path& tmp) {
    std::FILE* file = std::fopen(tmp.c_str(), "wb");
    if (!file) throw IoError(fmt::format("{}: cannot create: {}", tmp.string(), std::strerror(errno)));
    bool ok = false;
    try {
      ok = std::fwrite(&raw, sizeof raw, 1, file) == 1 &&
           std::fwrite(header.spec.data(), 1, header.spec.size(), file) == header.spec.size() &&
           write_payload(file);
    } catch (...) {
      std::fclose(file);
      throw;
    }
    ok = (std::fclose(file) == 0) && ok;
    if (!ok) throw IoError(fmt::format("{}: cannot write the index file", path.string()));
  });
}

IndexFileReader open_index_file(const fs::path& path) {
  std::error_code ec;
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw IoError(fmt::format("{}: cannot open: {}", path.string(), ec.message()));
  IndexFileReader reader;
  reader.file.reset(std::fopen(path.c_str(), "rb"));
  if (!reader.file) throw IoError(fmt::format("{}: cannot open for reading", path.string()));
  RawHeader raw{};
  if (size < kHeaderBytes || std::fread(&raw, sizeof raw, 1, reader.file.get()) != 1)
    fail(path, "not an invr index file: shorter than the 64-byte header");
  if (std::memcmp(raw.magic, kMagic, sizeof kMagic) != 0)
    fail(path, "not an invr index file: missing the INVRIDX magic");
  if (raw.version != kIndexFileVersion)
    fail(path, fmt::format("unsupported index file version {} (this build reads version {})",
                           raw.version, kIndexFileVersion));
  if (raw.kind != static_cast<std::uint32_t>(IndexKind::exact) &&
      raw.kind != static_cast<std::uint32_t>(IndexKind::faiss) &&
      raw.kind != static_cast<std::uint32_t>(IndexKind::ivf_int8))
    fail(path, fmt::format("damaged index file: unknown index kind {}", raw.kind));
  if (raw.dim == 0 || raw.dim > (1u << 20))
    fail(path, fmt::format("damaged index file: dimension {} is out of range", raw.dim));
  if (raw.spec_bytes > kMaxSpecBytes || kHeaderBytes + raw.spec_bytes > size)
    fail(path, "damaged index file: the spec runs past the end of the file");
  IndexFileHeader& header = reader.header;
  header.kind = static_cast<IndexKind>(raw.kind);
  header.dim = static_cast<int>(raw.dim);
  header.rows = static_cast<std::int64_t>(raw.rows);
  header.spec.resize(raw.spec_bytes);
  if (raw.spec_bytes > 0 &&
      std::fread(header.spec.data(), 1, raw.spec_bytes, reader.file.get()) != raw.spec_bytes)
    fail(path, "file is truncated inside the spec");
  IndexParams& p = header.params;
  p.hnsw_m = raw.params[0];
  p.ef_construction = raw.params[1];
  p.ef_search = raw.params[2];
  p.nlist = raw.params[3];
  p.nprobe = raw.params[4];
  p.train_rows_per_list = raw.params[5];
  p.threads = raw.params[6];
  reader.payload_bytes = size - kHeaderBytes - raw.spec_bytes;
  return reader;
}

}  // namespace invr::retrieval
