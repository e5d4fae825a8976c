// FAISS-backed indexes (HNSW, IVF, any factory string), inner product.
// FAISS headers stay in this file. Payload on disk: faiss::write_index bytes,
// empty for an IVF index whose lists were not yet trained.
#include <faiss/IVFlib.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/FaissException.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <type_traits>

#include <fmt/format.h>

#include "index_file.h"
#include "invr/error.h"
#include "invr/retrieval.h"
#include "threads.h"

namespace invr::retrieval {
namespace {

static_assert(std::is_same_v<faiss::Index::idx_t, RowId>, "ids go to FAISS unconverted");

// About 4*sqrt(rows) lists, the usual rule of thumb, and never more lists than rows.
int auto_nlist(std::int64_t rows) {
  const auto lists = static_cast<std::int64_t>(std::lround(4.0 * std::sqrt(static_cast<double>(rows))));
  return static_cast<int>(std::clamp<std::int64_t>(lists, 1, std::max<std::int64_t>(rows, 1)));
}

class FaissIndex final : public VectorIndex {
 public:
  FaissIndex(std::string spec, std::string factory, int dim, const IndexParams& params)
      : spec_(std::move(spec)), dim_(dim), params_(params) {
    if (!factory.empty()) create(factory);
  }

  int dim() const override { return dim_; }
  std::int64_t size() const override { return index_ ? index_->ntotal : 0; }
  std::string spec() const override { return spec_; }

  void add(std::int64_t n, const float* rows) override {
    check_rows_to_add(n, rows, dim_, spec_, size());
    if (n == 0) return;
    if (!index_) create(fmt::format("IVF{},Flat", auto_nlist(n)));
    const ScopedOmpThreads omp_threads(resolve_threads(params_.threads));
    try {
      if (!index_->is_trained) index_->train(n, rows);
      index_->add(n, rows);
    } catch (const faiss::FaissException& e) {
      throw Error(fmt::format("index '{}': FAISS could not add {} rows: {}", spec_, n, e.what()));
    }
  }

  void search(std::int64_t n, const float* queries, int k, float* scores, RowId* ids,
              const SearchParams& params) const override {
    check_search_arguments(n, queries, k, scores, ids, spec_);
    if (n == 0) return;
    check_embeddings(MatrixView{queries, n, dim_}, fmt::format("queries to index '{}'", spec_));
    if (size() == 0) {
      std::fill(scores, scores + n * k, -std::numeric_limits<float>::infinity());
      std::fill(ids, ids + n * k, kNoRow);
      return;
    }
    // OpenBLAS's pool (IVF's coarse quantizer) is the caller's: set_blas_threads.
    const ScopedOmpThreads omp_threads(resolve_threads(params.threads));
    try {
      if (const auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(index_.get())) {
        search_hnsw(*hnsw, n, queries, k, scores, ids, params);
      } else if (const auto* ivf = dynamic_cast<const faiss::IndexIVF*>(index_.get())) {
        // Knobs travel in FAISS's per-call parameters, never in the shared index.
        faiss::SearchParametersIVF ivf_params;
        const int nprobe = params.nprobe > 0 ? params.nprobe : static_cast<int>(ivf->nprobe);
        ivf_params.nprobe = std::min<std::size_t>(static_cast<std::size_t>(nprobe), ivf->nlist);
        index_->search(n, queries, k, scores, ids, &ivf_params);
      } else {
        index_->search(n, queries, k, scores, ids);
      }
    } catch (const faiss::FaissException& e) {
      throw Error(fmt::format("index '{}': FAISS search failed: {}", spec_, e.what()));
    }
    // FAISS pads with -FLT_MAX; the contract says -inf.
    for (std::int64_t i = 0; i < n * k; ++i)
      if (ids[i] == kNoRow) scores[i] = -std::numeric_limits<float>::infinity();
  }

  void save(const std::filesystem::path& path) const override {
    IndexFileHeader header;
    header.kind = IndexKind::faiss;
    header.dim = dim_;
    header.rows = size();
    header.spec = spec_;
    header.params = params_;
    write_index_file(path, header, [&](std::FILE* file) {
      if (!index_) return true;
      try {
        faiss::write_index(index_.get(), file);
      } catch (const faiss::FaissException& e) {
        throw IoError(fmt::format("{}: FAISS could not write the index: {}", path.string(), e.what()));
      }
      return true;
    });
  }

  void adopt(faiss::Index* index) {
    index_.reset(index);
    if (const auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(index_.get()))
      default_ef_ = hnsw->hnsw.efSearch;
  }

 private:
  // FAISS 1.7.3 sizes HNSW's candidate queue from the index's hnsw.efSearch
  // and ignores SearchParametersHNSW::efSearch there (fixed in 1.7.4), so a
  // call with another ef must set the shared field: it does so under an
  // exclusive lock and restores it; calls at the default ef share the lock.
  void search_hnsw(const faiss::IndexHNSW& hnsw, std::int64_t n, const float* queries, int k,
                   float* scores, RowId* ids, const SearchParams& params) const {
    faiss::SearchParametersHNSW hnsw_params;
    hnsw_params.efSearch = std::max(params.ef_search > 0 ? params.ef_search : default_ef_, k);
    if (hnsw_params.efSearch == default_ef_) {
      std::shared_lock lock(ef_mutex_);
      hnsw.search(n, queries, k, scores, ids, &hnsw_params);
      return;
    }
    std::unique_lock lock(ef_mutex_);
    auto& shared = const_cast<faiss::IndexHNSW&>(hnsw).hnsw;
    struct Restore {
      faiss::HNSW& h;
      int ef;
      ~Restore() { h.efSearch = ef; }
    } restore{shared, shared.efSearch};
    shared.efSearch = hnsw_params.efSearch;
    hnsw.search(n, queries, k, scores, ids, &hnsw_params);
  }

  void create(const std::string& factory) {
    try {
      index_.reset(faiss::index_factory(dim_, factory.c_str(), faiss::METRIC_INNER_PRODUCT));
    } catch (const faiss::FaissException& e) {
      throw UsageError(fmt::format("unknown index spec '{}': it is not exact, hnsw[M] or ivf[N] and "
                                   "FAISS cannot build '{}' either: {}",
                                   spec_, factory, e.what()));
    }
    if (auto* hnsw = dynamic_cast<faiss::IndexHNSW*>(index_.get())) {
      hnsw->hnsw.efConstruction = params_.ef_construction;
      hnsw->hnsw.efSearch = std::max(1, params_.ef_search);
      default_ef_ = hnsw->hnsw.efSearch;
    }
    if (auto* ivf = faiss::ivflib::try_extract_index_ivf(index_.get())) {
      ivf->nprobe = static_cast<std::size_t>(std::max(1, params_.nprobe));
      ivf->cp.max_points_per_centroid = std::max(1, params_.train_rows_per_list);
    }
  }

  std::string spec_;
  int dim_;
  IndexParams params_;
  std::unique_ptr<faiss::Index> index_;  // null until the first add() for auto-sized IVF
  int default_ef_ = 0;                   // HNSW: hnsw.efSearch between calls
  mutable std::shared_mutex ef_mutex_;
};

}  // namespace

std::unique_ptr<VectorIndex> make_faiss_index(std::string spec, std::string factory, int dim,
                                              const IndexParams& params) {
  return std::make_unique<FaissIndex>(std::move(spec), std::move(factory), dim, params);
}

std::unique_ptr<VectorIndex> load_faiss_index(IndexFileReader& reader,
                                              const std::filesystem::path& path) {
  const IndexFileHeader& header = reader.header;
  auto index = std::make_unique<FaissIndex>(header.spec, "", header.dim, header.params);
  if (reader.payload_bytes == 0) {
    if (header.rows != 0)
      throw DataError(path.string(), 0, 0,
                      fmt::format("damaged index file: header says {} rows but there is no FAISS data",
                                  header.rows));
    return index;
  }
  faiss::Index* loaded = nullptr;
  try {
    loaded = faiss::read_index(reader.file.get());
  } catch (const faiss::FaissException& e) {
    throw DataError(path.string(), 0, 0, fmt::format("damaged FAISS data: {}", e.what()));
  }
  index->adopt(loaded);
  if (loaded->d != header.dim || loaded->ntotal != header.rows)
    throw DataError(path.string(), 0, 0,
                    fmt::format("damaged index file: header says {} rows of dimension {} but the "
                                "FAISS data holds {} of dimension {}",
                                header.rows, header.dim, loaded->ntotal, loaded->d));
  return index;
}

}  // namespace invr::retrieval
