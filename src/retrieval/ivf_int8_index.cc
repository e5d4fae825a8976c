// "ivf,int8" / "ivfN,int8": inverted lists from FAISS's k-means (rows
// assigned to the centroid of largest inner product, as IndexIVFFlat does),
// scanned with the int8 filter and scored exactly (filtered_search.h).
// Approximate only in which lists a query visits: within them the top k is
// exact. The filter visits about 25x more rows per second than FAISS's IVF
// scan at d16, so it can afford the many lists a high recall needs
// (docs/retrieval.md, "IVF with the int8 filter").
//
// Rows are kept grouped by list, each list starting at a multiple of 16 rows
// (a kernel panel), with 256 zero rows at the end (the single-query kernel
// reads whole 256-row tiles); ids_ maps them back. Payload on disk: nlist
// (uint32), the centroids (nlist x dim float32), the rows in the order they
// were added (rows x dim float32).
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <faiss/impl/FaissException.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <shared_mutex>

#include <fmt/format.h>

#include "common/parallel.h"
#include "filtered_search.h"
#include "index_file.h"
#include "invr/error.h"
#include "invr/retrieval.h"
#include "threads.h"

namespace invr::retrieval {
namespace {

constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
constexpr std::int64_t kAlign = kPanelRows;
constexpr std::int64_t kTail = kSingleRows;

// About sqrt(rows) lists of about sqrt(rows) rows: the filter scans long
// lists fast, and fewer centroids cost less per query.
int auto_lists(std::int64_t rows) {
  const auto lists = std::llround(std::sqrt(static_cast<double>(rows)));
  return static_cast<int>(std::clamp<std::int64_t>(lists, 1, std::max<std::int64_t>(rows, 1)));
}

// The exact top k of `query` over the rows of the visited lists, in double
// with ties by smaller id: the path without the filter (a CPU without
// AVX-512 VNNI, or a query whose candidates the filter cannot narrow).
void scan_exactly(const float* query, const std::vector<float>& rows, int dim,
                  const std::vector<RowId>& ids,
                  std::span<const std::pair<std::int64_t, std::int64_t>> runs, int k,
                  float* scores, RowId* out) {
  std::vector<std::pair<float, RowId>> all;
  for (const auto& [first, count] : runs)
    for (std::int64_t r = first; r < first + count; ++r) {
      double dot = 0;
      const float* row = rows.data() + r * dim;
      for (int j = 0; j < dim; ++j) dot += static_cast<double>(query[j]) * row[j];
      all.emplace_back(static_cast<float>(dot), ids[static_cast<std::size_t>(r)]);
    }
  const auto better = [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  const auto keep = std::min(all.size(), static_cast<std::size_t>(k));
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(), better);
  for (std::size_t i = 0; i < static_cast<std::size_t>(k); ++i) {
    scores[i] = i < keep ? all[i].first : kMinusInf;
    out[i] = i < keep ? all[i].second : kNoRow;
  }
}

class IvfInt8Index final : public VectorIndex {
 public:
  IvfInt8Index(std::string spec, int nlist, int dim, const IndexParams& params)
      : spec_(std::move(spec)), dim_(dim), nlist_(nlist), params_(params) {}

  int dim() const override { return dim_; }
  std::int64_t size() const override { return size_; }
  std::string spec() const override { return spec_; }

  void add(std::int64_t n, const float* rows) override {
    check_rows_to_add(n, rows, dim_, spec_, size());
    if (n == 0) return;
    const std::unique_lock lock(mutex_);
    std::vector<float> all = added_rows();
    all.insert(all.end(), rows, rows + n * dim_);
    if (centroids_.empty()) train(all.data(), size_ + n);
    size_ += n;
    group(all);
  }

  void search(std::int64_t n, const float* queries, int k, float* scores, RowId* ids,
              const SearchParams& params) const override {
    check_search_arguments(n, queries, k, scores, ids, spec_);
    if (n == 0) return;
    check_embeddings(MatrixView{queries, n, dim_}, fmt::format("queries to index '{}'", spec_));
    const std::shared_lock lock(mutex_);  // searches share what add() built
    if (size_ == 0) {
      std::fill(scores, scores + n * k, kMinusInf);
      std::fill(ids, ids + n * k, kNoRow);
      return;
    }
    const int lists = static_cast<int>(centroids_.size() / static_cast<std::size_t>(dim_));
    const int nprobe = std::min(params.nprobe > 0 ? params.nprobe : std::max(1, params_.nprobe), lists);
    // The lists to visit, best first: an exact top-nprobe over the centroids.
    std::vector<float> list_scores(static_cast<std::size_t>(n * nprobe));
    std::vector<RowId> visit(list_scores.size());
    SearchParams centroid_params;
    centroid_params.threads = params.threads;
    exact_search(MatrixView{queries, n, dim_}, MatrixView{centroids_.data(), lists, dim_}, nprobe,
                 list_scores.data(), visit.data(), centroid_params);
    const MatrixView base{rows_.data(), static_cast<std::int64_t>(ids_.size()), dim_};
    const int threads = n == 1 ? 1 : resolve_threads(params.threads);
    parallel_tasks(static_cast<std::size_t>(n), threads, [&](std::size_t q) {
      const auto probe = std::span<const RowId>(visit).subspan(q * static_cast<std::size_t>(nprobe),
                                                               static_cast<std::size_t>(nprobe));
      const float* query = queries + static_cast<std::int64_t>(q) * dim_;
      float* out_scores = scores + static_cast<std::int64_t>(q) * k;
      RowId* out_ids = ids + static_cast<std::int64_t>(q) * k;
      if (prepared_ && params.int8_filter) {
        std::vector<std::int64_t> order;
        for (const RowId list : probe) {
          if (list == kNoRow) continue;
          const auto at = static_cast<std::size_t>(list);
          for (std::int64_t s = segment_begin_[at]; s < segment_begin_[at + 1]; ++s) order.push_back(s);
        }
        if (filtered_search_segments(query, base, *prepared_, order, ids_.data(), k, out_scores,
                                     out_ids))
          return;
      }
      // Without the filter, or a query it could not narrow: the lists' runs.
      std::vector<std::pair<std::int64_t, std::int64_t>> runs;
      for (const RowId list : probe)
        if (list != kNoRow) runs.push_back(runs_[static_cast<std::size_t>(list)]);
      scan_exactly(query, rows_, dim_, ids_, runs, k, out_scores, out_ids);
    });
  }

  void save(const std::filesystem::path& path) const override {
    const std::shared_lock lock(mutex_);
    IndexFileHeader header;
    header.kind = IndexKind::ivf_int8;
    header.dim = dim_;
    header.rows = size_;
    header.spec = spec_;
    header.params = params_;
    header.params.nlist = nlist_;
    const std::vector<float> rows = added_rows();
    write_index_file(path, header, [&](std::FILE* file) {
      const auto lists = static_cast<std::uint32_t>(centroids_.size() / static_cast<std::size_t>(dim_));
      return std::fwrite(&lists, sizeof lists, 1, file) == 1 &&
             std::fwrite(centroids_.data(), sizeof(float), centroids_.size(), file) == centroids_.size() &&
             std::fwrite(rows.data(), sizeof(float), rows.size(), file) == rows.size();
    });
  }

  // load: the centroids and rows as saved; the lists are rebuilt from them.
  void restore(std::vector<float> centroids, std::vector<float> rows) {
    centroids_ = std::move(centroids);
    size_ = static_cast<std::int64_t>(rows.size()) / dim_;
    if (size_ > 0) group(rows);
  }

 private:
  // The rows in the order they were added (ids_ inverted).
  std::vector<float> added_rows() const {
    std::vector<float> out(static_cast<std::size_t>(size_ * dim_));
    for (std::size_t r = 0; r < ids_.size(); ++r)
      if (ids_[r] != kNoRow)
        std::copy_n(rows_.data() + static_cast<std::int64_t>(r) * dim_, dim_,
                    out.data() + ids_[r] * dim_);
    return out;
  }

  void train(const float* rows, std::int64_t n) {
    const int lists = static_cast<int>(std::min<std::int64_t>(nlist_ > 0 ? nlist_ : auto_lists(n), n));
    nlist_ = lists;
    const ScopedOmpThreads omp_threads(resolve_threads(params_.threads));
    try {
      faiss::ClusteringParameters cp;
      cp.max_points_per_centroid = std::max(1, params_.train_rows_per_list);
      faiss::Clustering clustering(dim_, static_cast<std::size_t>(lists), cp);
      faiss::IndexFlatIP assign(dim_);  // inner-product assignment, as IndexIVFFlat's
      clustering.train(n, rows, assign);
      centroids_ = std::move(clustering.centroids);
    } catch (const faiss::FaissException& e) {
      throw Error(fmt::format("index '{}': FAISS k-means failed on {} rows: {}", spec_, n, e.what()));
    }
  }

  // Assigns every row to its list and lays the lists out for the filter.
  void group(const std::vector<float>& all) {
    const int lists = static_cast<int>(centroids_.size() / static_cast<std::size_t>(dim_));
    std::vector<float> unused(static_cast<std::size_t>(size_));
    std::vector<RowId> list_of(unused.size());
    SearchParams params;
    params.threads = params_.threads;
    exact_search(MatrixView{all.data(), size_, dim_}, MatrixView{centroids_.data(), lists, dim_}, 1,
                 unused.data(), list_of.data(), params);
    std::vector<std::int64_t> count(static_cast<std::size_t>(lists), 0);
    for (const RowId l : list_of) ++count[static_cast<std::size_t>(l)];
    runs_.assign(static_cast<std::size_t>(lists), {0, 0});
    std::int64_t next = 0;
    for (int l = 0; l < lists; ++l) {
      runs_[static_cast<std::size_t>(l)] = {next, count[static_cast<std::size_t>(l)]};
      next += (count[static_cast<std::size_t>(l)] + kAlign - 1) / kAlign * kAlign;
    }
    const std::int64_t total = next + kTail;
    rows_.assign(static_cast<std::size_t>(total * dim_), 0.0f);
    ids_.assign(static_cast<std::size_t>(total), kNoRow);
    std::vector<std::int64_t> fill(static_cast<std::size_t>(lists), 0);
    for (std::int64_t r = 0; r < size_; ++r) {
      const auto l = static_cast<std::size_t>(list_of[static_cast<std::size_t>(r)]);
      const std::int64_t at = runs_[l].first + fill[l]++;
      std::copy_n(all.data() + r * dim_, dim_, rows_.data() + at * dim_);
      ids_[static_cast<std::size_t>(at)] = r;
    }
    prepared_ = prepare_runs(MatrixView{rows_.data(), total, dim_}, runs_, params_.threads,
                             segment_begin_);
  }

  std::string spec_;
  int dim_;
  int nlist_;  // 0 until the first add() when sized from the rows
  IndexParams params_;
  std::int64_t size_ = 0;
  std::vector<float> centroids_;  // lists x dim
  std::vector<float> rows_;       // grouped by list, padded (see the top)
  std::vector<RowId> ids_;        // per grouped row: its id, kNoRow for padding
  std::vector<std::pair<std::int64_t, std::int64_t>> runs_;  // per list: first row, rows
  std::vector<std::int64_t> segment_begin_;                   // per list, into prepared_'s segments
  std::unique_ptr<PreparedBase> prepared_;                    // null: no filter on this CPU
  mutable std::shared_mutex mutex_;
};

}  // namespace

std::unique_ptr<VectorIndex> make_ivf_int8_index(std::string spec, int nlist, int dim,
                                                 const IndexParams& params) {
  return std::make_unique<IvfInt8Index>(std::move(spec), nlist, dim, params);
}

std::unique_ptr<VectorIndex> load_ivf_int8_index(IndexFileReader& reader,
                                                 const std::filesystem::path& path) {
  const IndexFileHeader& header = reader.header;
  std::uint32_t lists = 0;
  if (reader.payload_bytes < sizeof lists ||
      std::fread(&lists, sizeof lists, 1, reader.file.get()) != 1)
    throw DataError(path.string(), 0, 0, "damaged index file: no list count after the header");
  const auto dim = static_cast<std::uint64_t>(header.dim);
  const auto centroid_floats = static_cast<std::uint64_t>(lists) * dim;
  const auto row_floats = static_cast<std::uint64_t>(header.rows) * dim;
  if (header.rows < 0 || (header.rows > 0) != (lists > 0) || lists > static_cast<std::uint64_t>(header.rows) ||
      reader.payload_bytes != sizeof lists + (centroid_floats + row_floats) * sizeof(float))
    throw DataError(path.string(), 0, 0,
                    fmt::format("damaged index file: {} lists and {} rows of dimension {} need {} "
                                "bytes of data but {} follow the header",
                                lists, header.rows, header.dim,
                                sizeof lists + (centroid_floats + row_floats) * sizeof(float),
                                reader.payload_bytes));
  std::vector<float> centroids(centroid_floats), rows(row_floats);
  if (std::fread(centroids.data(), sizeof(float), centroids.size(), reader.file.get()) != centroids.size() ||
      std::fread(rows.data(), sizeof(float), rows.size(), reader.file.get()) != rows.size())
    throw IoError(fmt::format("{}: read failed", path.string()));
  check_embeddings(MatrixView{centroids.data(), static_cast<std::int64_t>(lists), header.dim},
                   path.string() + " (centroids)");
  check_embeddings(MatrixView{rows.data(), header.rows, header.dim}, path.string());
  auto index = std::make_unique<IvfInt8Index>(header.spec, header.params.nlist, header.dim, header.params);
  index->restore(std::move(centroids), std::move(rows));
  return index;
}

}  // namespace invr::retrieval
