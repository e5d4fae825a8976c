// Slate assembly: the one code path that turns a request into a slate, run by
// the HTTP server (one request at a time) and the A/B simulator (thousands at
// once), so both serve identical slates.
//
// Pipeline per request (docs/serving.md):
//   user embedding -> top retrieve_k items by inner product (one index search
//   for the whole batch) -> drop seen items and items published after `now`
//   (refilling with a larger k when fewer than n survive) -> Ranker (default:
//   two-tower score + freshness bonus) -> top n -> InvR insertion at the arm's
//   slots. A request without a user embedding (history-less or unknown user)
//   takes fresh popular items instead of retrieval; its InvR candidates are
//   still inserted. The competing methods (docs/methods.md) act here too:
//   popularity-penalty and xquad arms change the ranking step,
//   forward-longtail arms insert the user's top treated items at the slots.
//
// Contract:
//  - Item indices are rows of the SlateCatalog (its item IdMap). Embeddings
//    are row-major float, catalog.items() × dim.
//  - SlateAssembler is immutable after construction: assemble() is const and
//    thread-safe; scratch memory belongs to the call.
//  - A request borrows its spans and pointers for the duration of the call.
//  - assemble(batch)[i] == assemble(batch[i]) for every i: each request's
//    retrieval depends only on its own query (FAISS searches queries
//    independently; exact search is exact), and the two-tower score the
//    ranker sees is recomputed per item in a fixed order, so no batch-shaped
//    float rounding reaches the slate. (Only a float-rounding near-tie at the
//    k-th retrieved item could differ; docs/serving.md.)
//  - Bad requests (n out of range, wrong embedding size, unsorted or unknown
//    seen items) throw UsageError naming the field and the request's
//    position in the batch; bad params throw UsageError naming the flag.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "invr/arms.h"
#include "invr/candidates.h"
#include "invr/data.h"
#include "invr/model.h"
#include "invr/retrieval.h"
#include "invr/settings.h"

namespace invr {

// Slate-assembly settings. Each field is declared once, with bounds and help,
// in slate_param_specs(); CLIs, configs and docs/serving.md follow it.
struct SlateParams {
  // Items asked of retrieval per request (before seen/future exclusion).
  std::int64_t retrieve_k = 200;
  // Largest slate a request may ask for; must not exceed retrieve_k.
  std::int64_t max_n = 100;
  // Default ranker: score = dot(user, item)
  //                         + freshness_weight * 2^(-age_hours / half_life).
  double freshness_half_life_hours = 24;
  double freshness_weight = 0.1;
  // History-less users: popular items published within this many hours
  // before `now`; widened to every item by popularity if too few.
  double fallback_window_hours = 72;
  // Approximate indexes: per-call search settings; 0 = the index's default.
  std::int64_t ef_search = 0;
  std::int64_t nprobe = 0;
  // Retrieval worker threads; 0 = hardware concurrency. Does not change slates.
  std::int64_t threads = 0;
};

// One declared parameter (invr/settings.h): name (snake_case; the CLI flag
// is --kebab-case), help, inclusive bounds, and the member it sets.
using SlateParamSpec = Setting<SlateParams>;
std::span<const SlateParamSpec> slate_param_specs();
// Throws UsageError naming the flag ("--retrieve-k must be ...") if a value is
// out of bounds or max_n > retrieve_k.
void validate(const SlateParams& params);

// What the assembler knows about items; it owns a copy. Row r everywhere is
// item index r of item_ids.
struct SlateCatalog {
  IdMap item_ids;
  std::vector<Index> producer;       // per item, index into the dataset's producers
  std::vector<double> publish_time;  // per item, seconds; kNoTime = always available, never fresh
  Matrix embeddings;                 // items × dim
  std::vector<double> popularity;    // per item, e.g. positive events; the fallback's order

  std::size_t items() const { return producer.size(); }
};

// Catalog from a Dataset's items (ids, producers, publish times) with the
// given embeddings (rows = dataset.items) and popularity (size = items).
SlateCatalog make_catalog(const Dataset& dataset, Matrix item_embeddings,
                          std::vector<double> popularity);
// The catalog indices of `ids` (e.g. a generation's treated items), sorted
// ascending without repeats; ids the catalog lacks are left out.
std::vector<Index> catalog_items(const SlateCatalog& catalog, std::span<const std::string> ids);
// The same over any item IdMap (the simulator's dataset items).
std::vector<Index> catalog_items(const IdMap& item_ids, std::span<const std::string> ids);
// Positive events (is_positive) per item with timestamp < as_of; kNoTime =
// every event. Events without a timestamp count only when as_of is kNoTime.
std::vector<double> item_popularity(const Dataset& dataset, double as_of = kNoTime);

// What the ranking stage sees for one request: the retrieved, eligible items
// with their two-tower scores (dot(user, item), recomputed in a fixed order).
struct RankInput {
  std::span<const float> user_embedding;
  double now = kNoTime;
  std::span<const Index> items;
  std::span<const float> two_tower_scores;  // parallel to items
};

// The ranking stage. score() writes one score per input item, higher first;
// the assembler sorts by it (ties: smaller item index first) and keeps n.
// Implementations are const and thread-safe.
class Ranker {
 public:
  virtual ~Ranker() = default;
  virtual std::string name() const = 0;
  virtual void score(const SlateCatalog& catalog, const RankInput& input,
                     std::span<double> scores) const = 0;
};

// "two-tower-freshness": two_tower_score + freshness_weight *
// 2^(-age_hours / freshness_half_life_hours), age = now - publish_time
// clamped at 0; no bonus when now or publish_time is unknown.
std::unique_ptr<Ranker> make_freshness_ranker(const SlateParams& params);

// Where a slate item came from.
//  main:    retrieval + ranking
//  popular: the popularity fallback (history-less user, or retrieval could
//           not fill the slate)
//  invr:    an InvR candidate inserted at one of the arm's slots
//  platform: an item of a slate ranked outside invr (SlateAssembler::insert)
//  longtail: a forward-longtail arm's item (the user's top treated item)
//           inserted at one of the arm's slots
enum class SlateSource : std::uint8_t { main = 0, popular = 1, invr = 2, platform = 3, longtail = 4 };
const char* slate_source_name(SlateSource source);

struct SlateItem {
  Index item = kNoIndex;
  Index producer = kNoIndex;
  // main: the ranker's score (popularity-penalty arms: the penalised score);
  // popular: the item's popularity; invr: the candidate's stored retrieval
  // score; longtail: dot(user, item).
  double score = 0;
  SlateSource source = SlateSource::main;
  int position = 0;  // 1-based

  friend bool operator==(const SlateItem&, const SlateItem&) = default;
};

struct Slate {
  std::vector<SlateItem> items;  // best first; items[i].position == i + 1
  int invr_items = 0;  // items inserted at the arm's slots (source invr or longtail)
  int popular_items = 0;
  // True when the request had no user embedding (popularity fallback).
  bool fallback = false;

  friend bool operator==(const Slate&, const Slate&) = default;
};

struct SlateRequest {
  // dim floats; empty = history-less or unknown user (popularity fallback).
  std::span<const float> user_embedding;
  // Items the user has seen: catalog indices, sorted ascending, never shown.
  std::span<const Index> seen_items;
  // Slate length, 1..max_n. The slate is shorter only if the catalog has
  // fewer eligible items.
  int n = 10;
  // The user's arm; nullptr or a control arm = no InvR insertion.
  const Arm* arm = nullptr;
  // The user's InvR candidates (external item ids); nullptr = none.
  const StoredCandidates* invr = nullptr;
  // Request time, seconds: items published after it are excluded and ages
  // are measured at it. kNoTime = no time filter, no freshness bonus.
  double now = kNoTime;
  // forward-longtail arms: the items the job selected for the generation
  // served (its manifest's treated_items), as catalog indices sorted
  // ascending without repeats. Empty = nothing to insert.
  std::span<const Index> treated_items;
};

// InvR candidates of one ordering as slate items (source invr, score = stored
// score, position 0): ids mapped through catalog.item_ids, unknown ids skipped,
// order kept. max_user_rank > 0 keeps only candidates whose user rank is at
// most it (Arm::top_users).
std::vector<SlateItem> map_candidates(const SlateCatalog& catalog,
                                      const StoredCandidates& candidates, Ordering ordering,
                                      std::int64_t max_user_rank = 0);

// InvR insertion, a pure function. `main` is the ranked main slate (best
// first, any length); `candidates` are in the arm's order. Candidates already
// in `main`, in `seen_items` (sorted) or earlier in `candidates` are dropped;
// the rest fill `slots` (1-based, any order, duplicates ignored) in ascending
// slot order, main items shifting down. Positions beyond n, or beyond the end
// of the slate being built (main ran out), are not filled. Returns at most n
// items with positions 1..size.
std::vector<SlateItem> insert_candidates(std::span<const SlateItem> main,
                                         std::span<const SlateItem> candidates,
                                         std::span<const int> slots,
                                         std::span<const Index> seen_items, int n);

// The competing long-tail methods' pure steps (docs/methods.md). xquad's
// short head and long tail are those of APLT (long_tail_items, invr/metrics.h:
// the most popular items holding 80% of the popularity), over the catalog's
// popularity rounded to counts.
//
// P(long tail | u): the share of `history` (catalog indices) that is long
// tail; 0.5 for an empty history (no preference known).
double long_tail_preference(std::span<const Index> history,
                            std::span<const std::uint8_t> long_tail);
// Smooth xQuAD: greedily picks n items of `ranked` (the ranked main list,
// best first), each time the v not yet in S maximising
//   (1 - lambda) rel(v) + lambda P(c_v|u) prod_{i in S} (1 - |S ∩ c_v| / |S|)
// (the product is 1 while S is empty), rel = the score min-max normalised
// over `ranked` (1 when all are equal), c_v = v's category, P(LT|u) =
// long_tail_preference, P(SH|u) = 1 - that. Ties: earlier in `ranked`.
// Items keep their score; positions are 0. lambda = 0 returns ranked[:n].
std::vector<SlateItem> xquad_rerank(std::span<const SlateItem> ranked,
                                    std::span<const std::uint8_t> long_tail,
                                    double long_tail_preference, double lambda, int n);
// forward-longtail's candidates: the `count` treated items with the highest
// dot(user, item), ties smaller index, skipping seen items (sorted) and items
// published after `now`; source longtail, score = the dot product.
std::vector<SlateItem> forward_candidates(const SlateCatalog& catalog,
                                          std::span<const float> user_embedding,
                                          std::span<const Index> treated_items,
                                          std::span<const Index> seen_items, double now,
                                          std::size_t count);

class SlateAssembler {
 public:
  // Builds the retrieval index from catalog.embeddings: "exact" searches the
  // catalog's own matrix (no copy); any other make_index spec ("hnsw32",
  // "ivf256", ...) builds that index. ranker nullptr = make_freshness_ranker.
  // Throws UsageError for bad params, a bad spec or inconsistent catalog sizes.
  explicit SlateAssembler(SlateCatalog catalog, const SlateParams& params = {},
                          std::string_view retrieval_spec = "exact",
                          const IndexParams& index_params = {},
                          std::unique_ptr<Ranker> ranker = nullptr);
  // Uses a prebuilt index (e.g. load_index) whose row r is catalog item r.
  SlateAssembler(SlateCatalog catalog, std::unique_ptr<VectorIndex> index,
                 const SlateParams& params = {}, std::unique_ptr<Ranker> ranker = nullptr);
  ~SlateAssembler();
  SlateAssembler(const SlateAssembler&) = delete;
  SlateAssembler& operator=(const SlateAssembler&) = delete;

  // One request (the server). Same slate as the batch form.
  Slate assemble(const SlateRequest& request) const;
  // Many requests (the simulator): retrieval runs as one index search call
  // for all requests with a user embedding (plus refill calls for those that
  // lost too many items to exclusion). Result i is request i's slate.
  std::vector<Slate> assemble(std::span<const SlateRequest> requests) const;
  // InvR insertion into a slate ranked elsewhere (a platform's own ranking
  // stage; POST /v1/insert): the step assemble() ends with, on `ranked`
  // instead of the main slate. `ranked` is best first; an index >=
  // catalog().items() stands for an item the catalog lacks (kept, never equal
  // to a candidate). Candidates are dropped as in assemble() (in `ranked`,
  // seen, repeated, published after `now`); `ranked` items are kept as given.
  // request.n is the returned slate's length bound (>= 1, may exceed max_n);
  // request.user_embedding is used by forward-longtail arms only. A control,
  // popularity-penalty or xquad arm (they act on invr's own ranking) returns
  // `ranked` cut at n. UsageError as assemble() for bad seen items, treated
  // items or arm, or a negative index in `ranked`.
  Slate insert(std::span<const SlateItem> ranked, const SlateRequest& request) const;

  const SlateCatalog& catalog() const;
  const SlateParams& params() const;
  std::string retrieval_spec() const;
  // Recall@k of retrieval against exact search for these user embeddings
  // (rows of `users`): the mean over rows of |index top-k ∩ exact top-k| / k
  // (k = min(k, items)), with the assembler's search settings. 1 for exact
  // retrieval and for no rows; the server measures it at start (issue 21).
  double retrieval_recall(MatrixView users, int k) const;
  std::string ranker_name() const;
  int dim() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace invr
