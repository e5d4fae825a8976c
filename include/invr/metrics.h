// Exposure, popularity-bias and accuracy metrics. This is the one
// implementation used by the tests, the `invr metrics` CLI, the simulator and
// the Python module; docs/metrics.md gives every formula, population and tie
// rule.
//
// Contract:
//  - Count distributions are spans of non-negative integer counts, one per
//    entity, in any order. The population is exactly the span: an entity with
//    zero count must be present (a zero-exposure publisher is the point of the
//    metric, not noise).
//  - Item indices are dense 0-based indices into the caller's item IdMap;
//    producers come from ItemTable::producer.
//  - Ratios whose denominator is zero (no impressions, no entities, no users)
//    are defined as 0, never NaN, so JSON and aggregates stay well formed.
//  - All functions are pure, allocate only their result and scratch, and are
//    safe to call from many threads on shared inputs.
//  - Bad parameters (k < 1, sizes that disagree, out-of-range indices) throw
//    UsageError, so the Python boundary sees an exception, not an abort.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "invr/data.h"

namespace invr {

// ---------------------------------------------------------------------------
// Concentration of a count distribution (share_metrics.cc). b50ps/t1ps of the
// InvR paper and the top-1%/bottom-50% shares of dataset statistics are both
// this code.

// Number of entities in the bottom `fraction` of n: floor(fraction * n).
std::size_t bottom_count(std::size_t n, double fraction);
// Number of entities in the top `fraction` of n: ceil(fraction * n).
// A product within 1e-9 (relative) of an integer counts as that integer, so
// 1% of 300 is 3 even though 0.01 * 300 rounds to 3.0000000000000004.
std::size_t top_count(std::size_t n, double fraction);

// Sum of the bottom_count(n, fraction) smallest counts / sum of all counts.
double bottom_share(std::span<const std::uint64_t> counts, double fraction = 0.5);
// Sum of the top_count(n, fraction) largest counts / sum of all counts.
double top_share(std::span<const std::uint64_t> counts, double fraction = 0.01);
// Gini coefficient with the n/(n-1) correction, in [0, 1]:
//   G = sum_i (2i - n - 1) x_(i) / ((n - 1) * sum x), x ascending, i = 1..n.
// 0 = perfectly equal; 1 = everything on one entity. 0 when n < 2 or sum x = 0.
double gini(std::span<const std::uint64_t> counts);
// Share of entities with a count of at least 1.
double coverage(std::span<const std::uint64_t> counts);

// All of the above from one sort.
struct Concentration {
  std::size_t entities = 0;   // n, the population size
  std::uint64_t total = 0;    // sum of counts
  double bottom50_share = 0;  // bottom_share(counts, 0.5): b50ps
  double top1_share = 0;      // top_share(counts, 0.01): t1ps
  double gini = 0;
  double coverage = 0;
};
Concentration concentration(std::span<const std::uint64_t> counts);

// ---------------------------------------------------------------------------
// Counting (exposure_metrics.cc).

// Impressions per item: rows of the log with that item. Size num_items.
std::vector<std::uint64_t> item_impressions(const ExposureLog& log, std::size_t num_items);

// Per-item counts summed per producer, over the producers that own at least
// one item (so a producer id that no item references is not in the
// population). Ordered by producer index; size = number of such producers.
std::vector<std::uint64_t> producer_totals(std::span<const std::uint64_t> item_counts,
                                           std::span<const Index> item_producer);

// Percentage (0-100) of the distinct `treated` items with at least
// `sufficient` impressions. 0 when `treated` is empty.
double psei(std::span<const std::uint64_t> item_counts, std::span<const Index> treated,
            std::uint64_t sufficient);

// The most psei() could reach if `inserted` more impressions went where they
// complete the most distinct `treated` items: item i has `organic[i]`
// impressions of its own (a real number: e.g. a control arm's counts scaled
// to another arm's traffic) and needs max(0, sufficient - organic[i]) more;
// items are completed smallest need first, which maximises the count (a
// knapsack whose items all have value 1). No insertion policy with
// `inserted` impressions exposes more items sufficiently, so it is the
// ceiling of an arm's PSEI at its insertion volume. UsageError for a
// negative or non-finite `inserted` or organic count.
double psei_ceiling(std::span<const double> organic, std::span<const Index> treated,
                    std::uint64_t sufficient, double inserted);

// ---------------------------------------------------------------------------
// Ranked item lists in CSR form: list u is items[offsets[u] .. offsets[u+1]).
// Used for per-user impression lists, recommendation lists and held-out sets.
struct ItemLists {
  std::vector<std::size_t> offsets{0};
  std::vector<Index> items;

  std::size_t size() const { return offsets.size() - 1; }
  std::span<const Index> list(std::size_t u) const {
    return {items.data() + offsets[u], items.data() + offsets[u + 1]};
  }
  void push_back(std::span<const Index> list);
  static ItemLists from(const std::vector<std::vector<Index>>& lists);
};

// Each log user's impressions in log row order; list u belongs to log user u
// (size log.users.size(), or 1 + the largest user index if larger).
ItemLists user_impression_lists(const ExposureLog& log);

// ---------------------------------------------------------------------------
// Popularity bias as Elliot defines it (popularity_metrics.cc; Anelli et al.,
// "Elliot", SIGIR 2021, elliot/evaluation/popularity_utils/popularity.py).

// Elliot's item popularity: number of distinct users with at least one
// positive event (is_positive) on the item in `train`. Size num_items.
std::vector<std::uint64_t> item_popularity(const Interactions& train, std::size_t num_items);
// The same for a training set with its own id maps: items are matched to
// `items` by string id; rows whose item is not in `items` are skipped and, if
// `skipped_rows` is not null, counted there.
std::vector<std::uint64_t> item_popularity(const Dataset& train, const IdMap& items,
                                           std::size_t* skipped_rows = nullptr);
// Fallback when no training data is given: distinct users who clicked the item in the log.
std::vector<std::uint64_t> click_popularity(const ExposureLog& log, std::size_t num_items);

// Elliot's long tail: items sorted by popularity descending (ties by index
// ascending); the short head is the shortest prefix whose popularity sums to
// at least short_head_share of the total; every other item is long tail.
// With zero total popularity the short head is empty.
std::vector<std::uint8_t> long_tail_items(std::span<const std::uint64_t> popularity,
                                          double short_head_share = 0.8);

// APLT: mean over non-empty lists of (entries in the long tail / list length).
// Each entry counts, so an item shown twice counts twice.
double aplt(const ItemLists& lists, std::span<const std::uint8_t> long_tail);
// ARP: mean over non-empty lists of the mean popularity of their entries.
double arp(const ItemLists& lists, std::span<const std::uint64_t> popularity);

// ---------------------------------------------------------------------------
// Everything `invr metrics` reports for one exposure log.

struct ExposureMetricsParams {
  // PSEI counts an item as sufficiently exposed at this many impressions.
  std::uint64_t sufficient = 100;
  // Items PSEI is measured over; nullopt means every item.
  std::optional<std::vector<Index>> treated;
  // Training popularity per item for APLT/ARP; nullopt means click_popularity(log).
  std::optional<std::vector<std::uint64_t>> popularity;
  // Elliot's short-head share of popularity.
  double short_head_share = 0.8;
};

struct ExposureMetrics {
  std::uint64_t impressions = 0;
  std::uint64_t clicks = 0;
  double ctr = 0;           // clicks / impressions
  double psei = 0;          // percent, 0-100
  Concentration items;      // population: every item in the table
  Concentration producers;  // population: every producer with >= 1 item
  double aplt = 0;
  double arp = 0;
};

// `items` gives the population and each item's producer; every log item must
// index into it.
ExposureMetrics exposure_metrics(const ExposureLog& log, const ItemTable& items,
                                 const ExposureMetricsParams& params = {});

// The JSON object `invr metrics` prints (one line; the keys documented in
// docs/metrics.md), shared with Python's invr.exposure_metrics(). `items` is
// the population size, reported as "treated" when params.treated is absent.
std::string exposure_metrics_json(const ExposureMetrics& m, const ExposureMetricsParams& params,
                                  std::size_t items);

// ---------------------------------------------------------------------------
// Accuracy of ranked lists against held-out items (accuracy_metrics.cc).
// Binary relevance. A ranked item repeated within one list counts at its
// first position only, so every metric stays within [0, 1].

struct AccuracyMetrics {
  std::size_t users = 0;  // users with >= 1 held-out item: the averaging population
  double recall = 0;      // hits in top k / |relevant|
  double ndcg = 0;        // DCG@k / IDCG over min(|relevant|, k), log2(rank + 1) discount
  double mrr = 0;         // 1 / rank of the first hit in top k, else 0
  double hit_rate = 0;    // 1 if any hit in top k
};

// One user's values; `relevant` may be unsorted and hold duplicates.
AccuracyMetrics user_accuracy_at_k(std::span<const Index> ranked, std::span<const Index> relevant,
                                   std::size_t k);
// Mean over users u with a non-empty relevant.list(u); ranked and relevant
// must hold the same number of users.
AccuracyMetrics accuracy_at_k(const ItemLists& ranked, const ItemLists& relevant, std::size_t k);

// ---------------------------------------------------------------------------
// A file of item ids, one per line (e.g. the treated items). An optional first
// line "item_id" or "item_id:<type>" is a header; blank lines are skipped.
// Throws IoError if unreadable and DataError(file, line, 1, ...) for an id
// not in `items`.
std::vector<Index> read_item_list(const std::filesystem::path& path, const IdMap& items);

}  // namespace invr
