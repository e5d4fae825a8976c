// The offline InvR job: one run turns a dataset and a two-tower model into one
// committed generation of per-user candidate lists in a candidate store.
//
//   select targets -> embed selected items and users -> item -> top-N users
//   -> invert into per-user lists (random, score, user_rank) -> assign
//   targets (the fourth ordering, target; invr/assign.h) -> write the
//   generation -> commit with a manifest (config, counts, timings per stage,
//   model, the assignment's summary and per-item reports)
//
// Contract:
//  - run_job() never materialises an items × users score matrix (retrieval
//    runs in item blocks) and holds one copy of the user embeddings: the
//    selected rows are compacted in place.
//  - A failure at any stage (empty selection, dimension mismatch, store
//    error) throws before commit, so the previous generation stays served.
//  - Settings are declared once (SelectionParams, RetrievalSettings,
//    InversionParams in inverse.h; JobSettings here); the TOML file, the CLI
//    flags and docs/job.md follow those tables.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "invr/assign.h"
#include "invr/candidates.h"
#include "invr/data.h"
#include "invr/inverse.h"
#include "invr/model.h"
#include "invr/settings.h"
#include "invr/store.h"

namespace invr {

// The job's own settings ([job] in the TOML file).
struct JobSettings {
  // Store URI ("rocksdb:PATH", PATH or "redis://HOST:PORT"); --store overrides.
  std::string store;
  // Run "as of" this Unix time (seconds); 0 = after the dataset's last event.
  double as_of = 0;
  // Cold-start embedding of items without interactions ("random"|"content");
  // empty = the model's own setting.
  std::string cold_start;
  // Seconds a superseded generation stays readable (StoreOptions::grace_seconds).
  double grace_seconds = 3600;
  // Allow a generation whose embedding dimension differs from the one the
  // store serves now (a deliberate model change). Off: such a run is refused,
  // so servers still holding the old model keep matching candidates.
  bool allow_dim_change = false;
};

// One declared setting (invr/settings.h).
using JobSettingsSpec = Setting<JobSettings>;
std::span<const JobSettingsSpec> job_settings_specs();

// How the job feeds assign_targets() ([assignment] in the TOML file, beside
// AssignmentParams' rows; docs/assignment.md, "In the job").
struct AssignmentSettings {
  // Compute the target ordering; off = its lists stay empty (and an
  // invr-target arm inserts nothing).
  bool assign_targets = true;
  // The job's cadence: the lists are planned for this many hours of traffic
  // (the paper's job runs hourly). invr simulate sets its tick.
  double interval_hours = 1;
  // InvR slots on a slate (the default arms insert at positions 3 and 8).
  std::int64_t slots_per_visit = 2;
  // PSEI's threshold: an item is sufficiently exposed at this many
  // impressions over horizon_days.
  std::int64_t sufficient_impressions = 20;
  double horizon_days = 7;
  // Each item's target for the interval. "deficit" (default): what the item
  // still lacks of the threshold, sufficient_impressions minus its
  // impressions in the logs' last horizon_days (each weighted by the
  // viewer's target share), so the completion passes finish the items
  // closest to it first. "interval": the threshold scaled to one interval,
  // scaled_target(sufficient_impressions, interval, horizon), the same for
  // every item (measured worse: docs/assignment.md).
  std::string targets = "deficit";
  // A user's visits per day come from this last window of the logs
  // (user_visits_per_day).
  double visit_window_days = 14;
  // [assignment] spare_capacity = "displace": what an inserted candidate
  // displaces in user u's slate, estimated as u's displaced_rank-th best
  // score over the displaced_items items with the most logged events (all
  // items when there are fewer): the main ranking's items are mostly those.
  std::int64_t displaced_rank = 3;
  std::int64_t displaced_items = 1000;
  // A user expected to visit λ = visits_per_day × interval > 1 times sees
  // the same first slots at every visit, and PSEI counts every impression:
  // plan each listed pair as max(1, λ) impressions
  // (AssignmentTargets::pair_impressions). Off: one impression per pair.
  bool count_repeats = true;
  // Keep in the selection the previous generation's treated items that the
  // selection rules now drop but that are still below sufficient_impressions
  // over horizon_days (counted as the deficit targets count them) and within
  // max_item_age_days: the exposure a test gives an item can lift its
  // producer out of the least exposed share, which would otherwise end its
  // treatment after one interval, however close it was (docs/assignment.md,
  // "Keeping started items"). Every ordering gets them; the distributed job
  // keeps the same items. Off by default: the paper's selection.
  bool carry_treated = false;
};
using AssignmentSettingsSpec = Setting<AssignmentSettings>;
std::span<const AssignmentSettingsSpec> assignment_settings_specs();

// Everything one job run is configured with.
struct JobConfig {
  SelectionParams selection;
  RetrievalSettings retrieval;
  InversionParams inversion;
  JobSettings job;
  // [assignment]: the solver's settings (invr/assign.h; its
  // max_candidates_per_user is [inversion]'s, one cap for every ordering)
  // and how the job feeds it.
  AssignmentParams assignment;
  AssignmentSettings assignment_job;
};

// A user's visits per day: their visits in the window_days before as_of
// divided by the window (shortened to the logs' first event, at least an
// hour). A visit is a distinct impression time when the logs have
// impressions, else a distinct active day; a user with none counts half a
// visit. One value per dataset user. The job's capacities and the
// simulator's traffic both come from here.
std::vector<double> user_visits_per_day(const Dataset& dataset, double as_of, double window_days);

// Each user's capacity for the assignment, in listed pairs, with λ =
// visits_per_day × interval_hours / 24 and share[u] (empty = 1): with
// count_repeats, slots_per_visit × share[u] for a user with λ > 0 (else 0),
// each pair giving λ impressions (AssignmentTargets::pair_impressions);
// without, slots_per_visit × min(1, λ) × share[u] pairs of one impression.
// Never more than one visit's slots, because a slate shows a list's first
// unclicked candidates at every visit: more visits repeat them, fewer make
// each pair less likely seen, not the list shorter (docs/assignment.md, "In
// the job").
std::vector<double> user_capacities(std::span<const double> visits_per_day,
                                    const AssignmentSettings& settings,
                                    std::span<const double> share = {});

// Reads the [selection], [retrieval], [inversion], [job] and [assignment] tables of a TOML
// file into `config` (keys not given keep their value). Other top-level tables
// of a shared invr.toml ([serve], [slate], [experiment], [simulate]) are left
// to their readers; anything else, an unknown key or a value out of bounds is
// a DataError naming the file, line and column.
void read_job_config(const std::filesystem::path& path, JobConfig& config);
// Throws UsageError naming the flag for a value out of bounds.
void validate(const JobConfig& config);
// The whole configuration as TOML text (every field, with help comments).
std::string job_config_toml(const JobConfig& config);

// How long one stage took, for the manifest and the closing log line.
struct StageTiming {
  std::string stage;
  double seconds = 0;
  std::uint64_t peak_rss_bytes = 0;  // the process's peak RSS when the stage ended
};

// What the job must hold at its peak, to compare with its peak RSS: the
// dataset, the user and item embeddings, the item -> users lists and the
// per-user lists (the output).
struct JobMemory {
  std::uint64_t dataset_bytes = 0;
  std::uint64_t embedding_bytes = 0;
  std::uint64_t top_users_bytes = 0;
  std::uint64_t candidate_bytes = 0;
  std::uint64_t required_bytes() const {
    return dataset_bytes + embedding_bytes + top_users_bytes + candidate_bytes;
  }
};
// Bytes the dataset's tables and id maps occupy.
std::uint64_t dataset_bytes(const Dataset& dataset);

struct JobResult {
  std::string generation;
  std::string store_uri;
  Selection selection;                 // with its counts
  std::size_t users_with_candidates = 0;
  std::array<std::size_t, kOrderings> candidates{};  // summed over users, per ordering
  // The assignment's summary and target (0 both when it was off).
  AssignmentSummary assignment;
  std::int64_t item_target = 0;
  std::vector<StageTiming> stages;
  JobMemory memory;
  // The sharded job (invr/distributed.h): each rank's peak RSS, on rank 0.
  std::vector<std::uint64_t> rank_peak_rss_bytes;
  std::string manifest;  // the JSON committed with the generation
};

// What the job reads. Embedding and loading happen outside run_job when the
// caller already has them (the server's scheduler, the simulator).
struct JobInputs {
  const Dataset* dataset = nullptr;
  const TwoTowerModel* model = nullptr;
  // Recorded in the manifest (e.g. the model directory and its manifest hash).
  std::string model_version;
  // Optional supplied quality per producer (see select_targets).
  std::span<const double> producer_quality;
  // Stages the caller ran before (loading), prepended to the manifest timings.
  std::vector<StageTiming> earlier_stages;
  // Item -> top-N users over the selected rows; empty = top_users_per_item().
  // The distributed job plugs in its shard-search-gather-merge here.
  std::function<ItemTopUsers(MatrixView items, MatrixView users, const RetrievalSettings&)>
      top_users;
  // false: stop after retrieval, write nothing (a distributed job's workers).
  bool write_output = true;
  // Per dataset user, the share of their visits served the target ordering
  // (the A/B arm's users: 1, others 0); empty = 1 for everyone. The
  // simulator passes its bucketing, so the assignment plans with the
  // capacity that will show the lists.
  std::span<const double> target_share;
  // Diagnostic (the simulator's assignment_truth): when set, the target
  // ordering's assignment scores each pair (dataset user, dataset item) with
  // this instead of its retrieval score, and spare_capacity = "displace"
  // takes its displaced scores from it too. The graph (each item's top-N
  // users) and the other orderings are unchanged. It measures what a
  // perfect relevance model would give the assignment; a job never sets it.
  // Called from several threads at once: it must be thread-safe.
  std::function<double(Index user, Index item)> assignment_relevance;
};

// Runs the job once and commits a generation to `store` (id: `generation`,
// or make_generation_id() when empty). `store` may be null only when
// inputs.write_output is false. Throws UsageError for a bad config,
// Error for an empty selection (with explain()), and whatever the store throws;
// in every failure case nothing is committed.
JobResult run_job(const JobInputs& inputs, const JobConfig& config, CandidateStore* store,
                  std::string generation = {});

// Where a job run reads its inputs from.
struct JobFiles {
  std::string data;  // atomic dataset folder
  std::string name;  // dataset name in it; empty = the single NAME.inter
  std::string producer_column = "producer_id";
  std::string model;  // model directory
  std::string config_file;  // for the record only; the caller has read it
  std::string generation;   // empty = make_generation_id()
  // Optional quality score per producer (see select_targets): a text file of
  // "PRODUCER_ID<TAB>SCORE" lines; producers it does not name use their
  // engagement rate. Empty = none.
  std::string producer_quality;
};

// Reads a producer quality file (see JobFiles::producer_quality) into one
// value per dataset producer (NaN where the file names none). A malformed
// line is a DataError naming the file, line and column; an id the dataset
// does not know is a DataError too (a typo would silently change selection).
std::vector<double> read_producer_quality(const std::filesystem::path& path,
                                          const Dataset& dataset);

// Loads the dataset and the model, opens config.job.store (only when
// hooks.write_output) and runs the job: what `invr job` and the server's
// embedded scheduler run each time. `hooks` supplies the optional fields of
// JobInputs (top_users, write_output, producer_quality); dataset, model and
// model_version are filled in here. Loading times go into the manifest.
JobResult run_job_from_files(const JobFiles& files, const JobConfig& config,
                             JobInputs hooks = {});

// The ids of the items a generation's job selected: its manifest's
// "treated_items" (in the dataset's item order). Empty when the manifest has
// none (a generation committed before they were recorded). DataError when
// the text is not a JSON object or treated_items is not an array of strings.
std::vector<std::string> manifest_treated_items(std::string_view manifest_json);

// One line of JSON: generation, store, counts, timings.
std::string job_summary_json(const JobResult& result);
// "DIR@<hash of DIR/manifest.json>": identifies the model a generation used.
std::string model_version(const std::filesystem::path& model_dir);

// The selected-user slice [begin, end) of `rank` among `ranks` equal shards of
// `users` rows (the distributed job's partition; the last shard takes the rest).
struct RowRange {
  std::int64_t begin = 0;
  std::int64_t end = 0;
};
RowRange shard_rows(std::int64_t users, int rank, int ranks);

}  // namespace invr
