// Inverse retrieval (InvR, arXiv 2410.02776): put USER embeddings in a top-k
// index, query it with each long-tail ITEM embedding to get that item's top-N
// users, then invert those lists into per-user candidate lists.
//
// The stage has four pieces, each usable on its own:
//  1. select_targets(): which producers count as long tail, which of their
//     items to push, and which users may receive them (SelectionParams).
//  2. top_users_per_item(): item -> top-N users by inner product, over any
//     slice of users. Pure; an MPI job runs it per user shard ...
//  3. merge_top_users(): ... and merges the shards' lists into exactly the
//     single-process result.
//  4. invert(): per-user CandidateLists (include/invr/candidates.h) in the
//     paper's three orderings (the fourth, target, left empty: it is
//     assign_targets()'s, invr/assign.h), minus items the user has already
//     interacted with.
// inverse_retrieval() chains 2 and 4 for a single process.
//
// Data contract:
//  - Embedding matrices are row-major float (MatrixView, Matrix); scores are
//    inner products, higher is better.
//  - ItemTopUsers rows follow the query matrix; user ids in it are row
//    positions (RowId) in the user matrix that was searched. invert() maps
//    rows back to Dataset indices through caller-supplied row -> index tables.
//  - Scores in ItemTopUsers are each pair's dot product accumulated in double
//    and rounded to float once, so they do not depend on how sgemm blocked
//    the rows; the exact backend certifies its top N against sgemm's rounding
//    (docs/inverse.md). Ties keep the smaller user row first, everywhere. So
//    a sharded exact run reproduces the single-process run bit for bit.
//  - Times are seconds since the epoch; `as_of` is the moment the job runs
//    "as of": events at or after it are ignored everywhere.
//  - Every function is pure (no globals; results depend only on arguments,
//    never on thread counts) and may run concurrently with itself.
//  - Configuration is declared once per struct, with default (the field
//    initialiser), bounds and help, in *_param_specs(); the job's TOML, the
//    CLI and docs/inverse.md follow those tables (a test checks the docs).
//    Bad values throw UsageError from validate(); arguments that disagree
//    (sizes, columns, a row or index out of range, repeated items) throw
//    UsageError naming the argument.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "invr/candidates.h"
#include "invr/data.h"
#include "invr/model.h"
#include "invr/retrieval.h"
#include "invr/settings.h"

namespace invr {

// ---------------------------------------------------------------- config

// Which (item, user) pairs InvR works on. docs/inverse.md states each rule.
struct SelectionParams {
  // InvR for every item published by as_of: skips the producer and item-age
  // rules (the paper's open question). Users are still selected.
  bool all_items = false;
  // Long-tail producers: exposure = impression rows in [as_of - window, as_of)
  // (positive rows when the dataset has no impressions at all). For every
  // *_days field, 0 = no limit (all history before as_of).
  double window_days = 14;
  // Keep the ceil(share × producers) least-exposed producers (ties: smaller
  // producer index first).
  double long_tail_share = 0.5;
  // Quality floor: a producer's quality must be >= min_quality. Quality is
  // either the supplied score or its relative engagement rate
  //   ((positives + prior × global_rate) / (impressions + prior)) / global_rate
  // in the window (1 = average; a producer never shown scores exactly 1).
  double min_quality = 0.5;
  // `prior` above: pseudo-impressions at the global rate, so tiny counts do
  // not dominate.
  double quality_prior_impressions = 20;
  // A selected producer needs at least this many eligible (fresh) items.
  std::int64_t min_items = 1;
  // Items: published in [as_of - max_item_age_days, as_of]; 0 = any age.
  // Items without a publish time are dated by their first event; items with
  // neither are kept.
  double max_item_age_days = 30;
  // Users: at least one event (any type, impressions too) in
  // [as_of - active_days, as_of) ...
  double active_days = 30;
  // ... and at least this many positive events before as_of.
  std::int64_t min_interactions = 1;
};

// Backend and size of step 2 (item -> top users).
struct RetrievalSettings {
  // N: users kept per item.
  std::int64_t top_users_per_item = 100;
  // "exact" (invr::exact_search, no index built) or a make_index spec over
  // the users, e.g. "hnsw32", "ivf1024" (approximate; built per call).
  std::string index = "exact";
  // Items searched per block; bounds working memory besides the result.
  std::int64_t item_block = 8192;
  // Approximate backends' recall knobs; 0 = the index default.
  std::int64_t ef_search = 0;
  std::int64_t nprobe = 0;
  // Worker threads; 0 = hardware concurrency. Results do not depend on it.
  std::int64_t threads = 0;
};

// Step 4: the per-user lists.
struct InversionParams {
  // M: each ordering of each user's list is capped at this many candidates.
  std::int64_t max_candidates_per_user = 50;
  // Seed of the random ordering (shuffled per user from seed and user index).
  std::uint64_t seed = 42;
  // Worker threads; 0 = hardware concurrency. Results do not depend on it.
  std::int64_t threads = 0;
};

// One declared field (invr/settings.h): name (snake_case in TOML; the CLI
// flag is --kebab-case), help, inclusive bounds for numbers (bools are 0..1),
// allowed values for strings (nullptr = free text; validate() requires a
// non-empty index), and the member it sets.
template <class Params>
using InverseParamSpec = Setting<Params>;
using SelectionParamSpec = InverseParamSpec<SelectionParams>;
using RetrievalSettingsSpec = InverseParamSpec<RetrievalSettings>;
using InversionParamSpec = InverseParamSpec<InversionParams>;

std::span<const SelectionParamSpec> selection_param_specs();
std::span<const RetrievalSettingsSpec> retrieval_settings_specs();
std::span<const InversionParamSpec> inversion_param_specs();

// Throw UsageError naming the flag ("--long-tail-share must be in [0, 1], got 2").
void validate(const SelectionParams& params);
// dim > 0 also checks `index` by making an empty index of that dimension
// (factory specs such as "IVF256,PQ16" are only valid for some dimensions).
void validate(const RetrievalSettings& settings, int dim = 0);
void validate(const InversionParams& params);

// ------------------------------------------------------------- selection

struct SelectionCounts {
  std::size_t producers = 0;             // in the dataset
  std::size_t producers_long_tail = 0;   // after the exposure rule
  std::size_t producers_low_quality = 0;  // long tail but below min_quality
  std::size_t producers_few_items = 0;   // passed quality, < min_items eligible items
  std::size_t items = 0;                 // in the dataset
  std::size_t items_not_yet_published = 0;  // publish time after as_of
  std::size_t items_too_old = 0;         // older than max_item_age_days
  std::size_t items_undated = 0;         // no publish time and no event: kept
  std::size_t users = 0;                 // in the dataset
  std::size_t users_inactive = 0;        // no event in the active window
  std::size_t users_few_interactions = 0;  // active, < min_interactions positives
  std::size_t items_carried = 0;  // added by the job's carry_treated (not select_targets)
};

// What select_targets() chose, and why. Index lists are sorted ascending.
struct Selection {
  double as_of = kNoTime;  // resolved (see select_targets)
  bool all_items = false;  // SelectionParams::all_items was set
  std::vector<Index> producers;
  std::vector<Index> items;
  std::vector<Index> users;
  // Behind the producer rules, one entry per dataset producer (empty when
  // all_items): exposure in the window, positive events in the window, and
  // the quality compared with min_quality.
  std::vector<std::int64_t> producer_exposure;
  std::vector<std::int64_t> producer_positives;
  std::vector<double> producer_quality;
  // True when exposure counted impression rows; false = positive rows.
  bool exposure_is_impressions = false;
  SelectionCounts counts;

  // InvR has nothing to do: the job reports explain() as an error.
  bool empty() const { return items.empty() || users.empty(); }
};

// Applies the rules of `params` as of `as_of` (kNoTime = one second after
// the dataset's last timestamp, so every event counts; if no event has a
// timestamp, time rules are skipped: every event counts and every item is
// fresh). Events without a timestamp count as inside every window.
// producer_quality: optional supplied score per producer index (size =
// dataset.producers.size(), or empty = none); NaN entries fall back to the
// relative engagement rate. Throws UsageError on bad params or a
// producer_quality of the wrong size.
Selection select_targets(const Dataset& dataset, const SelectionParams& params,
                         double as_of = kNoTime, std::span<const double> producer_quality = {});

// The dataset-wide figures behind the item rules. A sharded job computes
// them on each user shard and adds them up (first events: the earliest;
// counts: the sum; any_impression: or), then selects with the whole
// dataset's figures, so every shard picks the items one process would.
struct SelectionStats {
  std::vector<double> item_first_event;  // per item; kNoTime = no timed event
  // Per producer, events in the window_days before as_of: impression rows
  // and positive rows.
  std::vector<std::int64_t> producer_impressions;
  std::vector<std::int64_t> producer_positives;
  bool any_impression = false;  // any impression row at all
};
// The latest event time of the dataset's rows (kNoTime if none has one);
// select_targets' default as_of is one second after the whole dataset's.
double latest_event_time(const Dataset& dataset);
// `as_of` resolved as select_targets resolves it: kNoTime becomes one second
// after the dataset's latest event (kNoTime when no row has a time).
double selection_as_of(const Dataset& dataset, double as_of);
// This dataset's figures as of a resolved as_of (kNoTime: no time rules).
SelectionStats selection_stats(const Dataset& dataset, const SelectionParams& params,
                               double as_of);
// The item rules alone, per dataset item: published by as_of and within
// max_item_age_days (an undated item passes; with all_items or without a
// time, every item does), dated by its publish time, else its first event in
// `stats`. Adds the failures to counts (items_not_yet_published,
// items_too_old, items_undated).
std::vector<bool> eligible_items(const Dataset& dataset, const SelectionStats& stats,
                                 const SelectionParams& params, double as_of, SelectionCounts& counts);
// select_targets with given figures and a resolved as_of: items by `stats`,
// users by this dataset's rows.
Selection select_targets(const Dataset& dataset, const SelectionParams& params,
                         const SelectionStats& stats, double as_of,
                         std::span<const double> producer_quality = {});

// A few human-readable lines: counts per rule, and for an empty selection
// which rule removed everything.
std::string explain(const Selection& selection);

// ------------------------------------------------- item -> top-N users

// Per query item, its top-N user rows, best first. Row i's list is
// users[i*N .. i*N+N) with scores alongside; missing slots (fewer users than N
// or an approximate miss) hold kNoRow and -infinity, always at the end.
struct ItemTopUsers {
  std::int64_t items = 0;
  std::int64_t users_per_item = 0;  // N
  std::vector<RowId> users;         // items × N
  std::vector<float> scores;        // items × N

  std::span<const RowId> users_of(std::int64_t item) const {
    return {users.data() + item * users_per_item, static_cast<std::size_t>(users_per_item)};
  }
  std::span<const float> scores_of(std::int64_t item) const {
    return {scores.data() + item * users_per_item, static_cast<std::size_t>(users_per_item)};
  }
  // `items` rows of n slots, all empty (kNoRow, -infinity).
  static ItemTopUsers empty(std::int64_t items, std::int64_t n) {
    ItemTopUsers out;
    out.items = items;
    out.users_per_item = n;
    out.users.assign(static_cast<std::size_t>(items * n), kNoRow);
    out.scores.assign(out.users.size(), -std::numeric_limits<float>::infinity());
    return out;
  }
};

// (a) Top settings.top_users_per_item users for each item row, by inner
// product. items.cols must equal users.cols. Exact by default; with an
// approximate spec an index over `users` is built for this call. Items are
// searched in blocks of settings.item_block (never an items × users score
// matrix). Every returned pair is rescored in double precision and lists are
// sorted by that score, ties by smaller user row, whatever the backend; the
// exact backend's top N is exact for those scores. Shows invr::Progress.
ItemTopUsers top_users_per_item(MatrixView items, MatrixView users,
                                const RetrievalSettings& settings);

// (b) Merges per-item lists computed over disjoint user shards: shard s's
// row r is global row shard_row_offsets[s] + r. All shards must have the
// same items; the result has N = top_users_per_item slots per item, ordered
// by score descending then smaller global row. Equals the unsharded result.
ItemTopUsers merge_top_users(std::span<const ItemTopUsers> shards,
                             std::span<const RowId> shard_row_offsets,
                             std::int64_t top_users_per_item);

// Each user's positive-interaction items (is_positive) before as_of, CSR by
// user index, each list sorted and without duplicates.
struct SeenItems {
  std::vector<std::uint64_t> offsets{0};  // users + 1
  std::vector<Index> items;

  std::size_t users() const { return offsets.size() - 1; }
  // False for users beyond users() (nothing seen).
  bool contains(Index user, Index item) const;
};
// as_of = kNoTime: every positive event counts. Events without a timestamp
// always count.
SeenItems seen_items(const Dataset& dataset, double as_of = kNoTime);

// (c) Inverts item -> users lists into per-user CandidateLists with
// lists.users = total_users. item_index_of_row[r] is the dataset item of
// query row r (distinct entries); user_index_of_row[r] the dataset user of
// user row r (each < total_users). Pairs the user has seen are dropped, then
// each ordering is built and capped at max_candidates_per_user:
//   random:    shuffle seeded by (params.seed, user index); a uniform random
//              subset when capped. Same seed, same lists on every platform.
//   score:     score descending
//   user_rank: user_rank ascending, then score descending
//   target:    empty (offsets all 0); the job fills it from assign_targets()
// remaining ties by smaller item index. Counting-sort inversion: O(items × N)
// memory, no per-user maps; threads work on disjoint users.
// seed_user (optional, size total_users): the index each user's shuffle is
// seeded with instead of its own; a sharded job passes whole-dataset indices
// so its lists equal one process's.
CandidateLists invert(const ItemTopUsers& top_users, std::span<const Index> item_index_of_row,
                      std::span<const Index> user_index_of_row, std::size_t total_users,
                      const SeenItems& seen, const InversionParams& params,
                      std::span<const std::int64_t> seed_user = {});

// ------------------------------------------------------ single process

// gather_rows and view_of: invr/matrix.h.

// (a) then (c) for one process: item_embeddings has one row per dataset item,
// user_embeddings one per dataset user (as TwoTowerModel::embed_* return);
// only the selection's rows are searched. lists.users = user_embeddings.rows.
CandidateLists inverse_retrieval(const Selection& selection, const Matrix& item_embeddings,
                                 const Matrix& user_embeddings, const SeenItems& seen,
                                 const RetrievalSettings& settings,
                                 const InversionParams& params);

}  // namespace invr
