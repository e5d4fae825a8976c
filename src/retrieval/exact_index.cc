// "exact": an owned copy of the rows searched with exact_search.
// Payload on disk: rows x dim float32, row-major.
#include <fmt/format.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "index_file.h"
#include "invr/error.h"
#include "invr/retrieval.h"
#include "threads.h"

namespace invr::retrieval {
namespace {

class ExactIndex final : public VectorIndex {
 public:
  explicit ExactIndex(int dim) : dim_(dim) {}

  int dim() const override { return dim_; }
  std::int64_t size() const override { return static_cast<std::int64_t>(rows_.size()) / dim_; }
  std::string spec() const override { return "exact"; }

  void add(std::int64_t n, const float* rows) override {
    check_rows_to_add(n, rows, dim_, "exact", size());
    const std::lock_guard lock(mutex_);
    rows_.insert(rows_.end(), rows, rows + n * dim_);
    searcher_.reset();  // the rows may have moved
  }

  void search(std::int64_t n, const float* queries, int k, float* scores, RowId* ids,
              const SearchParams& params) const override {
    searcher(params.threads).search(MatrixView{queries, n, dim_}, k, scores, ids, params);
  }

  void save(const std::filesystem::path& path) const override {
    IndexFileHeader header;
    header.kind = IndexKind::exact;
    header.dim = dim_;
    header.rows = size();
    header.spec = spec();
    write_index_file(path, header, [&](std::FILE* file) {
      return rows_.empty() || std::fwrite(rows_.data(), sizeof(float), rows_.size(), file) == rows_.size();
    });
  }

  std::vector<float>& rows() { return rows_; }

 private:
  // Prepared at the first search after an add (quantising per add would
  // cost O(rows) each time an index is filled in chunks).
  const ExactSearcher& searcher(int threads) const {
    const std::lock_guard lock(mutex_);
    if (!searcher_)
      searcher_ = std::make_unique<ExactSearcher>(MatrixView{rows_.data(), size(), dim_}, threads);
    return *searcher_;
  }

  int dim_;
  std::vector<float> rows_;  // size() x dim_, row-major
  mutable std::mutex mutex_;
  mutable std::unique_ptr<ExactSearcher> searcher_;
};

}  // namespace

std::unique_ptr<VectorIndex> make_exact_index(int dim) { return std::make_unique<ExactIndex>(dim); }

std::unique_ptr<VectorIndex> load_exact_index(IndexFileReader& reader,
                                              const std::filesystem::path& path) {
  const IndexFileHeader& header = reader.header;
  const auto floats = static_cast<std::uint64_t>(header.rows) * static_cast<std::uint64_t>(header.dim);
  if (header.rows < 0 || reader.payload_bytes != floats * sizeof(float))
    throw DataError(path.string(), 0, 0,
                    fmt::format("damaged index file: {} rows of dimension {} need {} bytes of data "
                                "but {} follow the header",
                                header.rows, header.dim, floats * sizeof(float), reader.payload_bytes));
  auto index = std::make_unique<ExactIndex>(header.dim);
  index->rows().resize(floats);
  if (floats > 0 && std::fread(index->rows().data(), sizeof(float), floats, reader.file.get()) != floats)
    throw IoError(fmt::format("{}: read failed", path.string()));
  check_embeddings(MatrixView{index->rows().data(), header.rows, header.dim}, path.string());
  return index;
}

}  // namespace invr::retrieval
