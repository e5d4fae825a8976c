// Top-k retrieval by inner product: exact (blocked sgemm + fused selection)
// and approximate (FAISS HNSW and IVF) behind one batch contract.
//
// The same contract serves both directions of InvR: put user embeddings in an
// index and query it with item embeddings (item -> top users), or the usual
// way round (user -> top items). Nothing here knows which rows are which.
//
// Data contract (FAISS-style):
//  - Vectors are float32, row-major, `dim` columns; a batch of n queries is
//    n*dim floats. Scores are inner products, higher is better.
//  - Row ids are int64 (RowId, FAISS's idx_t): the 0-based position of the
//    row in the order it was added to the index.
//  - Outputs are caller-owned, row-major n*k arrays. Row i holds query i's
//    results, best first. Ties: equal scores are ordered by smaller id first
//    (exact search guarantees this; approximate search returns FAISS's order).
//    When fewer than k rows exist (k > size()) or an approximate search finds
//    fewer, the remaining slots hold id kNoRow and score -infinity.
//  - search() is const and thread-safe: per-call settings come in
//    SearchParams, scratch memory belongs to the calling thread. add() and
//    save() must not run concurrently with anything else on the same index.
//  - Embeddings meet the magnitude rule of check_embeddings (below): finite,
//    every row's norm at most kMaxEmbeddingNorm. The places embeddings enter
//    (.npy loaders, models) check it with the file's name; add() and search()
//    check their rows and queries again, and exact_search its queries (its
//    base is the caller's to check: it is searched again and again), so no
//    FAISS index ever sees a value that would make it abort.
//  - Expected failures (bad spec, bad file, embeddings that break the rule)
//    throw invr::Error subclasses; bad arguments (k < 1, n < 0, a null
//    pointer, columns that differ) throw UsageError naming the argument.
//  - Threads: no call changes process-wide thread state. Exact search runs
//    SearchParams::threads workers of its own, each calling single-threaded
//    sgemm, so it wants OpenBLAS's (process-wide) pool at 1: the caller sets
//    that once with set_blas_threads (the CLI and the Python module do).
//    FAISS calls set the calling thread's OpenMP count to SearchParams::threads
//    (IndexParams::threads for add) and restore it. docs/library.md, "Threads".
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "invr/matrix.h"

namespace invr {

using RowId = std::int64_t;
constexpr RowId kNoRow = -1;

// The largest L2 norm an embedding row may have. By Cauchy-Schwarz any inner
// product of two rows, and every partial sum of one, is then at most 1e36 in
// magnitude, well inside float32 (3.4e38), and so are the squared norms
// FAISS's k-means computes; values near float's limit make infinities
// there, and FAISS aborts the process on them. docs/retrieval.md,
// "Embedding magnitudes".
inline constexpr double kMaxEmbeddingNorm = 1e18;

// Throws DataError(source, row, column, ...) at the first row (numbered from
// first_row + 1) that holds a NaN or an infinity (at that column) or whose
// norm exceeds kMaxEmbeddingNorm (at its largest value); `source` names the
// file or what the rows are ("queries"). Reads each value once.
void check_embeddings(MatrixView rows, const std::string& source, std::int64_t first_row = 0);

// Sets OpenBLAS's thread pool, which is process-wide (Debian's pthreads
// build has no per-thread count); 0 = std::thread::hardware_concurrency().
// Call it once, before searching, not during a search on another thread.
// 1 suits exact search (see the contract above); LAPACK work (EASE) and
// FAISS's IVF coarse quantizer use the pool as set. Exact search with
// several workers and a larger pool logs one warning (invr/log.h).
void set_blas_threads(int threads);
// OpenBLAS's pool size now (OpenBLAS starts at the core count or
// $OPENBLAS_NUM_THREADS).
int blas_threads();

// Per-call settings: one index serves many threads with different settings.
struct SearchParams {
  // Worker threads; 0 = std::thread::hardware_concurrency().
  int threads = 0;
  // HNSW: size of the candidate list while searching (recall vs speed);
  // 0 = the index's default (IndexParams::ef_search). Raised to k if smaller.
  int ef_search = 0;
  // IVF: inverted lists visited per query (recall vs speed); 0 = the index's
  // default (IndexParams::nprobe). Capped at nlist.
  int nprobe = 0;
  // Exact: rows per sgemm block (queries, base); 0 = automatic. For tuning
  // and benchmarks; results do not depend on them (beyond float rounding).
  int query_block = 0;
  int base_block = 0;
  // Exact: on CPUs with AVX-512 VNNI, for 512 queries or more over a base of
  // 65,536 rows or more (ExactSearcher: any), pick the
  // candidates with int8 products and a bound on their error, then score
  // only those exactly (docs/retrieval.md, "The int8 filter"). Results are
  // the exact top k either way; scores may differ in the last bit (the filter
  // scores in double, sgemm in float). false = sgemm for every row.
  bool int8_filter = true;
};

// Construction settings, fixed when the index is built (and saved with it).
struct IndexParams {
  // HNSW: graph degree M (links per node; memory and recall grow with it).
  // A number in the spec ("hnsw48") overrides it.
  int hnsw_m = 32;
  // HNSW: candidate list size while inserting (build time vs graph quality).
  int ef_construction = 200;
  // HNSW: default SearchParams::ef_search.
  int ef_search = 128;
  // IVF: number of inverted lists; 0 = about 4*sqrt(rows) (ivf,int8: about
  // sqrt(rows)) chosen at the first add(). A number in the spec ("ivf1024")
  // overrides it.
  int nlist = 0;
  // IVF: default SearchParams::nprobe.
  int nprobe = 32;
  // IVF: at most this many training rows per list for k-means (FAISS's default
  // is 256; fewer trains faster, slightly worse lists).
  int train_rows_per_list = 256;
  // Threads for add() (HNSW insertion, IVF training); 0 = hardware_concurrency().
  int threads = 0;
};

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual int dim() const = 0;
  // Rows added so far.
  virtual std::int64_t size() const = 0;
  // The spec the index was made from ("exact", "hnsw32", "IVF1024,Flat", ...).
  virtual std::string spec() const = 0;

  // Appends n rows (n*dim floats, copied); their ids continue from size().
  // IVF indexes train their lists on the first call.
  virtual void add(std::int64_t n, const float* rows) = 0;

  // Top-k by inner product for n queries (n*dim floats) into caller-owned
  // scores[n*k] and ids[n*k]. k >= 1; n may be 0.
  virtual void search(std::int64_t n, const float* queries, int k, float* scores, RowId* ids,
                      const SearchParams& params = {}) const = 0;

  // Writes the index atomically in invr's index format (docs/retrieval.md).
  virtual void save(const std::filesystem::path& path) const = 0;
};

// Makes an empty index. spec (case-insensitive for the short forms):
//   "exact"                 blocked sgemm with fused top-k, exact results
//   "hnsw" | "hnswM"        FAISS IndexHNSWFlat, inner product, M links
//   "ivf" | "ivfN" | "ivfN,flat"   FAISS IndexIVFFlat, inner product, N lists
//   "ivf,int8" | "ivfN,int8"       FAISS k-means lists scanned with the int8
//                           filter, exact within the lists visited (nprobe)
//   anything else           a FAISS index_factory string ("IVF4096,SQ8",
//                           "HNSW32,Flat", "Flat", ...) with inner product
// Throws UsageError for a spec FAISS does not understand or dim < 1.
std::unique_ptr<VectorIndex> make_index(std::string_view spec, int dim,
                                        const IndexParams& params = {});

// Reads an index written by VectorIndex::save. Throws DataError (naming the
// file) for a file that is not an invr index or is damaged, IoError if it
// cannot be read.
std::unique_ptr<VectorIndex> load_index(const std::filesystem::path& path);

// Exact top-k of queries against base without building an index (nothing is
// copied). queries.cols must equal base.cols. Same output contract as
// VectorIndex::search; results are exactly those of a naive scan that breaks
// ties by smaller id, up to floating-point summation order in the scores.
void exact_search(MatrixView queries, MatrixView base, int k, float* scores, RowId* ids,
                  const SearchParams& params = {});

// Whether this CPU runs exact_search's int8 filter (AVX-512 F/BW/VL/VNNI;
// SearchParams::int8_filter).
bool exact_int8_filter_supported();

namespace retrieval {
struct PreparedBase;
}

// Exact search over a base searched many times (an item catalogue a server
// queries per request): the int8 filter's quantised copy of the base is made
// once, here, so that every search takes the filter, a single query
// included (exact_search quantises per call, so only from 512 queries and
// 65,536 base rows).
// Same results as exact_search. Borrows `base`, which must outlive this
// and not change. search() is const and thread-safe. Memory: dim + 12
// bytes per base row, on CPUs that run the filter; nothing otherwise.
class ExactSearcher {
 public:
  // threads: for quantising (0 = all cores).
  explicit ExactSearcher(MatrixView base, int threads = 0);
  ~ExactSearcher();
  ExactSearcher(ExactSearcher&&) noexcept;
  ExactSearcher& operator=(ExactSearcher&&) noexcept;

  void search(MatrixView queries, int k, float* scores, RowId* ids,
              const SearchParams& params = {}) const;
  // Whether the quantised copy was made (the CPU runs the filter and the
  // base is finite, at most 1,024 columns and at least 1,024 rows).
  bool prepared() const { return prepared_ != nullptr; }

 private:
  MatrixView base_;
  std::unique_ptr<retrieval::PreparedBase> prepared_;
};

// Recall of approximate results against exact ones: for each query (k ids
// per query in both, search()'s layout), the share of its true top k found
// among its k results, averaged over queries; kNoRow never counts as found.
// 1 when there are no queries. UsageError when the sizes disagree.
double topk_recall(std::span<const RowId> found, std::span<const RowId> truth, int k);

}  // namespace invr
