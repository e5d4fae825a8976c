// SlateAssembler: batch retrieval, ranking (with the popularity-penalty and
// xquad arms' changes), fallback and insertion (InvR, forward-longtail).
// Every request in a batch is handled as if alone: retrieval rounds depend
// only on the request (k starts at retrieve_k and grows by kRefillGrowth
// while too few items survive exclusion), so batch and single agree.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/metrics.h"
#include "invr/slate.h"
#include "popular_items.h"

namespace invr {
namespace {
using serving::PopularItems;

// Refill rounds multiply k by this: few rounds even for very heavy users.
constexpr std::int64_t kRefillGrowth = 4;

bool contains(std::span<const Index> sorted, Index item) {
  return std::binary_search(sorted.begin(), sorted.end(), item);
}

// Fixed summation order, independent of how the batch was shaped.
float dot(std::span<const float> a, std::span<const float> b) {
  float sum = 0.0f;
  for (std::size_t i = 0; i < a.size(); ++i) sum += a[i] * b[i];
  return sum;
}

void check_catalog(const SlateCatalog& catalog) {
  const std::size_t items = catalog.items();
  if (items == 0) throw UsageError("slate catalog: no items");
  if (items > static_cast<std::size_t>(std::numeric_limits<Index>::max()))
    throw UsageError("slate catalog: too many items for a 32-bit item index");
  auto expect = [&](const char* what, std::size_t got) {
    if (got != items)
      throw UsageError(fmt::format("slate catalog: {} has {} entries, expected {} (one per item)",
                                   what, got, items));
  };
  expect("item_ids", catalog.item_ids.size());
  expect("publish_time", catalog.publish_time.size());
  expect("popularity", catalog.popularity.size());
  expect("embeddings (rows)", catalog.embeddings.rows);
  if (catalog.embeddings.cols == 0) throw UsageError("slate catalog: embeddings have 0 columns");
  if (catalog.embeddings.data.size() != catalog.embeddings.rows * catalog.embeddings.cols)
    throw UsageError(fmt::format("slate catalog: embeddings hold {} values for {} x {}",
                                 catalog.embeddings.data.size(), catalog.embeddings.rows,
                                 catalog.embeddings.cols));
}

}  // namespace

struct SlateAssembler::Impl {
  SlateCatalog catalog;
  SlateParams params;
  std::unique_ptr<VectorIndex> index;  // nullptr = exact search over catalog.embeddings
  // The exact search, prepared once so that a single request takes the int8
  // filter (invr/retrieval.h); only without an index.
  std::unique_ptr<ExactSearcher> exact;
  std::unique_ptr<Ranker> ranker;
  std::unique_ptr<PopularItems> popular;
  std::vector<std::uint8_t> long_tail;  // per item, xquad's categories (long_tail_items)

  Impl(SlateCatalog c, const SlateParams& p, std::unique_ptr<VectorIndex> i,
       std::unique_ptr<Ranker> r)
      : catalog(std::move(c)), params(p), index(std::move(i)), ranker(std::move(r)) {
    validate(params);
    check_catalog(catalog);
    if (!ranker) ranker = make_freshness_ranker(params);
    popular = std::make_unique<PopularItems>(catalog);
    // One long tail across invr: APLT's (invr/metrics.h), over counts.
    std::vector<std::uint64_t> counts(catalog.items(), 0);
    for (std::size_t i = 0; i < counts.size(); ++i) {
      const double p = catalog.popularity[i];
      if (std::isfinite(p) && p > 0) counts[i] = static_cast<std::uint64_t>(std::llround(p));
    }
    long_tail = long_tail_items(counts);
    if (!index)
      exact = std::make_unique<ExactSearcher>(
          MatrixView{catalog.embeddings.data.data(), items(), dim()}, static_cast<int>(params.threads));
  }

  int dim() const { return static_cast<int>(catalog.embeddings.cols); }
  std::int64_t items() const { return static_cast<std::int64_t>(catalog.items()); }

  void search(std::int64_t n, const float* queries, int k, float* scores, RowId* ids) const {
    SearchParams search_params;
    search_params.threads = static_cast<int>(params.threads);
    search_params.ef_search = static_cast<int>(params.ef_search);
    search_params.nprobe = static_cast<int>(params.nprobe);
    if (index)
      index->search(n, queries, k, scores, ids, search_params);
    else
      exact->search(MatrixView{queries, n, dim()}, k, scores, ids, search_params);
  }

  bool available(Index item, double now) const {
    const double published = catalog.publish_time[static_cast<std::size_t>(item)];
    return !(has_time(now) && has_time(published) && published > now);
  }

  void check_request(const SlateRequest& request, std::size_t position, std::size_t batch) const;
  void check_insertion(const SlateRequest& request, const std::string& where) const;
  std::vector<std::vector<Index>> retrieve(std::span<const SlateRequest> requests) const;
  std::vector<SlateItem> rank(const SlateRequest& request, std::span<const Index> items) const;
  Slate finish(const SlateRequest& request, std::vector<SlateItem> main, bool fallback) const;
};

void SlateAssembler::Impl::check_request(const SlateRequest& request, std::size_t position,
                                         std::size_t batch) const {
  const std::string where = batch > 1 ? fmt::format("request {}: ", position) : std::string();
  if (request.n < 1 || request.n > params.max_n)
    throw UsageError(fmt::format("{}n must be in [1, {}] (max_n), got {}", where, params.max_n,
                                 request.n));
  if (!request.user_embedding.empty() &&
      request.user_embedding.size() != static_cast<std::size_t>(dim()))
    throw UsageError(fmt::format("{}user_embedding has {} floats, expected {} (or none)", where,
                                 request.user_embedding.size(), dim()));
  check_insertion(request, where);
}

// What insertion reads: the seen items and the arm.
void SlateAssembler::Impl::check_insertion(const SlateRequest& request, const std::string& where) const {
  const auto& seen = request.seen_items;
  for (std::size_t i = 0; i < seen.size(); ++i) {
    if (seen[i] < 0 || seen[i] >= items())
      throw UsageError(fmt::format("{}seen_items[{}] = {} is not a catalog item index [0, {})",
                                   where, i, seen[i], items()));
    if (i > 0 && seen[i] < seen[i - 1])
      throw UsageError(fmt::format("{}seen_items must be sorted ascending (index {})", where, i));
  }
  if (request.arm && request.arm->ordering &&
      static_cast<std::size_t>(*request.arm->ordering) >= kOrderings)
    throw UsageError(fmt::format("{}arm \"{}\" has an unknown ordering", where, request.arm->name));
  if (request.arm && static_cast<std::size_t>(request.arm->method) >= kArmMethods)
    throw UsageError(fmt::format("{}arm \"{}\" has an unknown method", where, request.arm->name));
  const auto& treated = request.treated_items;
  for (std::size_t i = 0; i < treated.size(); ++i) {
    if (treated[i] < 0 || treated[i] >= items())
      throw UsageError(fmt::format("{}treated_items[{}] = {} is not a catalog item index [0, {})",
                                   where, i, treated[i], items()));
    if (i > 0 && treated[i] <= treated[i - 1])
      throw UsageError(fmt::format("{}treated_items must be sorted ascending without repeats "
                                   "(index {})",
                                   where, i));
  }
}

// Retrieved items per request (empty for requests without an embedding), in
// retrieval order, seen and future items dropped, at most retrieve_k.
std::vector<std::vector<Index>> SlateAssembler::Impl::retrieve(
    std::span<const SlateRequest> requests) const {
  std::vector<std::vector<Index>> retrieved(requests.size());
  std::vector<std::size_t> pending;
  for (std::size_t r = 0; r < requests.size(); ++r) {
    if (!requests[r].user_embedding.empty()) pending.push_back(r);
  }
  std::int64_t k = std::min(items(), params.retrieve_k);
  std::vector<float> queries, scores;
  std::vector<RowId> ids;
  while (!pending.empty()) {
    const auto n = static_cast<std::int64_t>(pending.size());
    queries.resize(static_cast<std::size_t>(n * dim()));
    for (std::size_t j = 0; j < pending.size(); ++j) {
      const auto& embedding = requests[pending[j]].user_embedding;
      std::copy(embedding.begin(), embedding.end(), queries.begin() + static_cast<std::ptrdiff_t>(j) * dim());
    }
    scores.resize(static_cast<std::size_t>(n * k));
    ids.resize(static_cast<std::size_t>(n * k));
    search(n, queries.data(), static_cast<int>(k), scores.data(), ids.data());

    std::vector<std::size_t> short_of_n;
    for (std::size_t j = 0; j < pending.size(); ++j) {
      const SlateRequest& request = requests[pending[j]];
      std::vector<Index>& kept = retrieved[pending[j]];
      kept.clear();
      for (std::int64_t c = 0; c < k; ++c) {
        if (static_cast<std::int64_t>(kept.size()) == params.retrieve_k) break;
        const RowId id = ids[static_cast<std::size_t>(static_cast<std::int64_t>(j) * k + c)];
        if (id == kNoRow) continue;
        const auto item = static_cast<Index>(id);
        if (contains(request.seen_items, item) || !available(item, request.now)) continue;
        kept.push_back(item);
      }
      if (static_cast<std::int64_t>(kept.size()) < request.n && k < items())
        short_of_n.push_back(pending[j]);
    }
    pending = std::move(short_of_n);
    k = std::min(items(), k * kRefillGrowth);
  }
  return retrieved;
}

// Ranker order over the retrieved items, best first, cut at n; a
// popularity-penalty arm ranks by the penalised score, an xquad arm re-ranks
// the whole ranked list (docs/methods.md).
std::vector<SlateItem> SlateAssembler::Impl::rank(const SlateRequest& request,
                                                  std::span<const Index> items) const {
  std::vector<float> two_tower(items.size());
  for (std::size_t i = 0; i < items.size(); ++i)
    two_tower[i] = dot(request.user_embedding,
                       catalog.embeddings.row(static_cast<std::size_t>(items[i])));
  std::vector<double> scores(items.size());
  ranker->score(catalog, RankInput{request.user_embedding, request.now, items, two_tower}, scores);
  const Arm* arm = request.arm;
  const ArmMethod method = arm ? arm->method : ArmMethod::invr;
  if (method == ArmMethod::popularity_penalty)
    for (std::size_t i = 0; i < items.size(); ++i)
      scores[i] -= arm->lambda * std::log1p(catalog.popularity[static_cast<std::size_t>(items[i])]);

  std::vector<std::size_t> order(items.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const std::size_t n = static_cast<std::size_t>(request.n);
  const std::size_t take = method == ArmMethod::xquad ? order.size() : std::min(order.size(), n);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(take), order.end(),
                    [&](std::size_t a, std::size_t b) {
                      if (scores[a] != scores[b]) return scores[a] > scores[b];
                      return items[a] < items[b];
                    });
  std::vector<SlateItem> out;
  out.reserve(take);
  for (std::size_t i = 0; i < take; ++i) {
    const Index item = items[order[i]];
    out.push_back({item, catalog.producer[static_cast<std::size_t>(item)], scores[order[i]],
                   SlateSource::main, 0});
  }
  if (method == ArmMethod::xquad)
    out = xquad_rerank(out, long_tail, long_tail_preference(request.seen_items, long_tail),
                       arm->lambda, request.n);
  return out;
}

// Insertion at the arm's slots (InvR candidates, forward-longtail's items,
// or none), positions and counts.
Slate SlateAssembler::Impl::finish(const SlateRequest& request, std::vector<SlateItem> main,
                                   bool fallback) const {
  Slate slate;
  slate.fallback = fallback;
  const Arm* arm = request.arm;
  std::vector<SlateItem> candidates;
  bool inserting = false;
  if (arm && arm->ordering && request.invr) {
    candidates = map_candidates(catalog, *request.invr, *arm->ordering, arm->top_users);
    // A candidate list may predate the request's clock (simulated replays).
    std::erase_if(candidates, [&](const SlateItem& c) { return !available(c.item, request.now); });
    inserting = true;
  } else if (arm && arm->method == ArmMethod::forward_longtail && !request.user_embedding.empty() &&
             !request.treated_items.empty()) {
    // Enough for every slot after the main slate's first n and the seen
    // items (already skipped) are dropped.
    const std::size_t count = arm->slots.size() + static_cast<std::size_t>(request.n);
    candidates = forward_candidates(catalog, request.user_embedding, request.treated_items,
                                    request.seen_items, request.now, count);
    inserting = true;
  }
  if (inserting) {
    slate.items = insert_candidates(main, candidates, arm->slots, request.seen_items, request.n);
  } else {
    slate.items = std::move(main);
    // Only a slate ranked elsewhere (insert()) can be longer than n.
    if (slate.items.size() > static_cast<std::size_t>(request.n))
      slate.items.resize(static_cast<std::size_t>(request.n));
    for (std::size_t i = 0; i < slate.items.size(); ++i)
      slate.items[i].position = static_cast<int>(i) + 1;
  }
  for (const SlateItem& item : slate.items) {
    slate.invr_items += item.source == SlateSource::invr || item.source == SlateSource::longtail;
    slate.popular_items += item.source == SlateSource::popular;
  }
  return slate;
}

SlateAssembler::SlateAssembler(SlateCatalog catalog, const SlateParams& params,
                               std::string_view retrieval_spec, const IndexParams& index_params,
                               std::unique_ptr<Ranker> ranker) {
  std::unique_ptr<VectorIndex> index;
  std::string spec(retrieval_spec);
  std::transform(spec.begin(), spec.end(), spec.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (spec != "exact") {
    check_catalog(catalog);
    index = make_index(retrieval_spec, static_cast<int>(catalog.embeddings.cols), index_params);
    index->add(static_cast<std::int64_t>(catalog.embeddings.rows), catalog.embeddings.data.data());
  }
  impl_ = std::make_unique<Impl>(std::move(catalog), params, std::move(index), std::move(ranker));
}

SlateAssembler::SlateAssembler(SlateCatalog catalog, std::unique_ptr<VectorIndex> index,
                               const SlateParams& params, std::unique_ptr<Ranker> ranker) {
  if (!index) throw UsageError("slate assembler: no retrieval index given");
  check_catalog(catalog);
  if (index->dim() != static_cast<int>(catalog.embeddings.cols) ||
      index->size() != static_cast<std::int64_t>(catalog.items()))
    throw UsageError(fmt::format(
        "slate assembler: index \"{}\" holds {} rows of dim {}, the catalog {} items of dim {}",
        index->spec(), index->size(), index->dim(), catalog.items(), catalog.embeddings.cols));
  impl_ = std::make_unique<Impl>(std::move(catalog), params, std::move(index), std::move(ranker));
}

SlateAssembler::~SlateAssembler() = default;

Slate SlateAssembler::assemble(const SlateRequest& request) const {
  return std::move(assemble(std::span<const SlateRequest>(&request, 1)).front());
}

std::vector<Slate> SlateAssembler::assemble(std::span<const SlateRequest> requests) const {
  for (std::size_t r = 0; r < requests.size(); ++r)
    impl_->check_request(requests[r], r, requests.size());
  const std::vector<std::vector<Index>> retrieved = impl_->retrieve(requests);
  const double window_seconds = impl_->params.fallback_window_hours * 3600.0;
  std::vector<Slate> slates;
  slates.reserve(requests.size());
  for (std::size_t r = 0; r < requests.size(); ++r) {
    const SlateRequest& request = requests[r];
    const auto n = static_cast<std::size_t>(request.n);
    std::vector<SlateItem> main;
    const bool fallback = request.user_embedding.empty();
    if (fallback) {
      impl_->popular->fill_fresh_then_popular(request.now, window_seconds, request.seen_items, n,
                                              main);
    } else {
      main = impl_->rank(request, retrieved[r]);
      // Only when retrieval ran out of eligible items (tiny catalog, or an
      // approximate index that found too few).
      impl_->popular->fill_popular(request.now, request.seen_items, n, main);
    }
    slates.push_back(impl_->finish(request, std::move(main), fallback));
  }
  return slates;
}

Slate SlateAssembler::insert(std::span<const SlateItem> ranked, const SlateRequest& request) const {
  if (request.n < 1) throw UsageError(fmt::format("n must be at least 1, got {}", request.n));
  impl_->check_insertion(request, "");
  if (!request.user_embedding.empty() && request.user_embedding.size() != static_cast<std::size_t>(dim()))
    throw UsageError(fmt::format("user_embedding has {} floats, expected {} (or none)",
                                 request.user_embedding.size(), dim()));
  for (std::size_t i = 0; i < ranked.size(); ++i)
    if (ranked[i].item < 0)
      throw UsageError(fmt::format("ranked[{}] has a negative item index {}", i, ranked[i].item));
  // The same insertion step as assemble()'s, so server, simulator and
  // platform slates follow one rule.
  return impl_->finish(request, std::vector<SlateItem>(ranked.begin(), ranked.end()),
                       /*fallback=*/false);
}

const SlateCatalog& SlateAssembler::catalog() const { return impl_->catalog; }
const SlateParams& SlateAssembler::params() const { return impl_->params; }
double SlateAssembler::retrieval_recall(MatrixView users, int k) const {
  const Impl& im = *impl_;
  k = static_cast<int>(std::min<std::int64_t>(k, im.items()));
  if (!im.index || users.rows == 0 || k <= 0) return 1.0;
  if (users.cols != im.dim())
    throw UsageError(fmt::format("retrieval recall: users have dimension {}, items {}", users.cols,
                                 im.dim()));
  const auto cells = static_cast<std::size_t>(users.rows) * static_cast<std::size_t>(k);
  std::vector<float> scores(cells), exact_scores(cells);
  std::vector<RowId> ids(cells), exact_ids(cells);
  im.search(users.rows, users.data, k, scores.data(), ids.data());
  SearchParams exact_params;
  exact_params.threads = static_cast<int>(im.params.threads);
  exact_search(users, MatrixView{im.catalog.embeddings.data.data(), im.items(), im.dim()}, k,
               exact_scores.data(), exact_ids.data(), exact_params);
  return topk_recall(ids, exact_ids, k);
}

std::string SlateAssembler::retrieval_spec() const {
  return impl_->index ? impl_->index->spec() : std::string("exact");
}
std::string SlateAssembler::ranker_name() const { return impl_->ranker->name(); }
int SlateAssembler::dim() const { return impl_->dim(); }

}  // namespace invr
