// The A/B simulator: simulated traffic through the serving stage's slate
// assembly, with clicks drawn from a known ground truth, so we can measure
// what InvR does to exposure and clicks as the paper's online tests did.
//
// One run (docs/simulation.md has the whole model):
//   history = the world's logs before the simulation start S (the last
//   `days` days of the logs are replaced by simulated traffic);
//   users are bucketed with Experiment::assign (the server's function),
//   or in blocks of similar activity (blocked_assignment);
//   every job interval (tick): [retrain the model] -> embed users and items
//   as of the tick -> run_job() on the grown logs into a RocksDB store ->
//   users visit per their activity; each visit's slate comes from
//   SlateAssembler::assemble (batched) with the user's candidates read back
//   from the store; each shown item is clicked with
//   click_probability(truth, user, item, position) -> the impressions and
//   clicks join the logs the next tick learns from.
//
// Contract:
//  - Deterministic: results (and results_json()) are a pure function of the
//    world, the config and the initial model; `threads` changes only speed.
//    Every random draw comes from a counter-based stream keyed by
//    (seed, purpose, user, tick, visit, position), and requests are batched
//    in fixed chunks of users whatever the thread count.
//  - Metrics come from include/invr/metrics.h (the one implementation).
//  - Indices in results and logs are the world Dataset's indices.
//  - Settings are declared once in simulation_param_specs() (default,
//    bounds, help); the CLI flags and docs/simulation.md follow it.
//  - Bad settings throw UsageError naming the flag; bad files DataError/IoError.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "invr/arms.h"
#include "invr/data.h"
#include "invr/job.h"
#include "invr/metrics.h"
#include "invr/model.h"
#include "invr/model_config.h"
#include "invr/settings.h"
#include "invr/slate.h"
#include "invr/synth.h"

namespace invr {

// ------------------------------------------------------------------ config

struct SimulationParams {
  // Simulated days: the last `days` days of the world's logs are replaced by
  // simulated traffic; everything before is history.
  std::int64_t days = 7;
  std::uint64_t seed = 42;
  // Worker threads; 0 = hardware concurrency. Never changes results.
  std::int64_t threads = 0;
  // Items per slate (SlateRequest::n).
  std::int64_t slate_size = 10;
  // The InvR job (and the user/item embedding refresh) runs every this many
  // hours of simulated time; the paper's cadence is 1.
  double job_interval_hours = 24;
  // Retraining of the two-tower model on the grown logs every this many
  // days; 0 = never (embeddings still refresh at every job run); -1 = auto:
  // daily on a dataset (it must learn the items that arrive during the run),
  // never on a generated world (its new items are embedded by content).
  double retrain_interval_days = -1;
  // Epochs of each retraining, started from the previous model's weights
  // (incremental, as production retrains); 0 = from scratch with the model
  // config's epochs and early stopping.
  std::int64_t retrain_epochs = 1;
  // Datasets only: the logs' own events during the simulated days join the
  // logs as they happen, as traffic from the platform's other surfaces
  // (search, links, other feeds): the model retrains on them and a user who
  // consumed an item there does not click it in the feed again. Without it
  // the model would learn the items that arrive during the run only from the
  // feed's clicks (docs/simulation.md, "Stationarity"). A generated world's
  // logs of those days are its legacy feed's traffic, which the simulation
  // replaces, so it never adds them.
  bool background = true;
  // Diagnostic: the job's assignment (the target ordering) scores each
  // (user, item) pair by the world's click truth at the slate's first
  // position instead of the model's score (JobInputs::assignment_relevance),
  // so a run measures what a perfect relevance model would give the
  // invr-target arms (docs/assignment.md). Off by default; the other
  // orderings never see the truth.
  bool assignment_truth = false;
  // Days served as control to everyone before the measured `days`, nothing
  // measured: the run starts in the steady state of a feed that has been
  // serving, not with the pool of relevant items the logs left unconsumed,
  // which the first days would drain (docs/simulation.md, "Stationarity").
  // The warm-up's feed CTR per user is the CUPED covariate. -1 = auto: on a
  // dataset max_item_age_days, the catalogue's lifetime, so every live item
  // arrived under the feed (SimulationWorld::auto_warmup_days); 0 on a
  // generated world (its logs come from a feed already).
  double warmup_days = -1;
  // Items older than this leave the catalog (publish time + age < now).
  double max_item_age_days = 14;
  // A user's visits per day = visits in this last window of history / its length.
  double activity_window_days = 14;
  // PSEI: a treated item is sufficiently exposed at this many impressions in
  // one arm over the whole simulation (20: about one expected click at a 5%
  // CTR, what a retrained model needs to stop treating the item as cold).
  std::int64_t sufficient_impressions = 20;
  // Bootstrap resamples (Poisson weights over users) for the 95% intervals.
  std::int64_t bootstrap_samples = 200;
  // A/A calibration: K extra assignments (salts) of one run whose arms all
  // serve control; 0 = none. Reports each metric's false-positive rate.
  std::int64_t aa_salts = 0;
  // Users randomised in blocks of similar activity, not by the server's hash.
  bool blocked_assignment = false;
  // Requests per SlateAssembler::assemble call. Part of the results' identity
  // (batches fix the retrieval's float rounding), so it is not a speed knob.
  std::int64_t batch_size = 256;
  // Also assemble each InvR visit's control slate (users.* in the results):
  // one more retrieval per InvR visit.
  bool counterfactual = true;
  // Datasets only: the oracle's relevance is sigmoid(oracle_sharpness · z +
  // c), z its score standardised per user over the catalogue (so the
  // sharpness is logits per standard deviation, for every family), c
  // calibrated so the control arm's expected CTR is base_ctr.
  double base_ctr = 0.05;
  double oracle_sharpness = 1.5;
  // Datasets only: the family that stands in for the truth: "item-knn",
  // "ease" or "two-tower" (docs/simulation.md, "Real datasets"). A string,
  // so it is a CLI option of its own, not a SimulationParamSpec.
  std::string oracle = "item-knn";
  // Datasets only (a synthetic world carries its own): examination
  // P(examine 0-based position k) = (1/(k+1))^eta.
  double examination_eta = 0.7;
  // Datasets only: whose clock the simulation runs on. "logged": the logs'
  // timestamps (the last `days` days are replaced). "synthetic": a seeded
  // timeline (synthetic_timeline(); for data without timestamps or with
  // bursty ones). "auto": synthetic when the data has no timestamps.
  // A string, so it is a CLI option of its own, not a SimulationParamSpec.
  std::string timeline = "auto";
  // Synthetic timeline: days of history before the `days` simulated days.
  double history_days = 28;
  // Synthetic timeline: mean visits per user per simulated day; a user's own
  // rate is proportional to their number of logged positive events.
  double visits_per_day = 1;
};

// One declared parameter (invr/settings.h): name (snake_case; the CLI flag
// is --kebab-case), help, inclusive bounds (bools: 0..1), the member it sets.
using SimulationParamSpec = Setting<SimulationParams>;
std::span<const SimulationParamSpec> simulation_param_specs();

// One extra run for an open question of the paper, compared arm by arm with
// its own control. Fields not set keep the main run's value.
struct ExperimentVariant {
  std::string name;         // "all_items", "cold_start_content", "top_users_per_item_50", "slots_1_2"
  std::string description;  // one sentence for the report
  std::optional<bool> all_items;
  std::optional<std::string> cold_start;            // "random" | "content"
  std::optional<std::int64_t> top_users_per_item;   // N
  std::optional<std::vector<int>> slots;            // InvR arms' slots
};

// The variants behind the CLI's experiment flags. Lists are comma-separated;
// slot sets are separated by ';' ("1,2;5,10"). UsageError naming the flag.
ExperimentVariant all_items_variant();
std::vector<ExperimentVariant> cold_start_variants(std::string_view modes);
std::vector<ExperimentVariant> top_users_variants(std::string_view values);
std::vector<ExperimentVariant> slot_variants(std::string_view slot_sets);
// "3,8" -> {3, 8}; UsageError naming `flag` for anything else.
std::vector<int> parse_slots(std::string_view text, std::string_view flag);
// The experiment flags as `invr simulate` and invr.simulate() take them
// (text as above; empty = not given), appended to config.experiments in this
// order: all items, cold start, top users per item, slots.
struct VariantFlags {
  bool all_items = false;
  std::string cold_start, top_users, slots;
};
struct SimulationConfig;
void add_experiment_variants(SimulationConfig& config, const VariantFlags& flags);

// The job settings the simulator starts from: JobConfig defaults tuned for
// simulated traffic (docs/simulation.md says which and why).
JobConfig simulation_job_defaults();
// Model settings for models the simulator trains: ModelConfig defaults with
// threads = 1 (training is deterministic only on one thread) and content
// cold start (items arrive every simulated day; docs/simulation.md).
ModelConfig simulation_model_defaults();

// Arms from a comma-separated list of names, each read by parse_arm
// (invr/arms.h): "control", "invr-<ordering>" and the competing methods
// (forward-longtail, popularity-penalty, xquad, with ":lambda=X" or
// ":slots=A/B" knobs); inserting arms get `slots` unless they give their
// own; equal weights. UsageError naming --arms for anything else.
Experiment experiment_from_arms(std::string_view names, std::span<const int> slots,
                                std::string salt = "invr");

// ------------------------------------------------------------------- sweeps
// One point of a knob sweep (docs/methods.md, "Sweeps and frontiers"): an arm
// of the main run, named "METHOD:KNOB=VALUE" (or "METHOD" without a knob).
struct SweepPoint {
  std::string method;  // the arm's kind as written: invr-user-rank, xquad, ...
  std::string knob;    // n, slots or lambda; empty for a method without one
  std::string value;   // as written: "200", "3/8", "0.5"
  Arm arm;
};
struct SweepSpec {
  std::string text;  // the spec with "default" expanded
  std::vector<SweepPoint> points;
};

// --sweep: "METHOD:KNOB=v1,v2,...;METHOD:KNOB=...;METHOD" (a method without a
// knob is one point); an entry "default" (alone or beside others) is
// invr-user-rank and invr-score at
// n = N/4, N/2, N (N = top_users_per_item, the job's), forward-longtail at
// slots = the first InvR slot, the InvR slots, and those plus one more, and
// popularity-penalty and xquad at three lambdas each (docs/methods.md).
// Knobs: n (InvR orderings but target), slots (inserting arms), lambda
// (popularity-penalty, xquad). Inserting arms get `slots` unless the knob
// sets them. UsageError naming --sweep for anything else.
SweepSpec parse_sweep(std::string_view text, std::span<const int> slots,
                      std::int64_t top_users_per_item);
// The sweep's arms: one control ("control"), then every point, equal weights.
Experiment sweep_experiment(const SweepSpec& sweep, std::string salt = "invr");
struct SimulationConfig;
// What `--sweep TEXT` does to a config (the CLI and invr.simulate call it
// after reading --job-config): config.sweep and config.experiment from the
// spec; the job's top_users_per_item raised to the largest n (logged), so
// every InvR point's lists are cuts of the job's; and PSEI's
// sufficient_impressions, which is read as a two-arm test's threshold,
// scaled to the sweep's arm share: max(1, round(T * 2 / arms)).
void apply_sweep(SimulationConfig& config, std::string_view text, std::span<const int> slots,
                 std::string salt);

struct SimulationConfig {
  SimulationParams params;
  // Arms and salt: default_experiment() (the server's) unless changed.
  Experiment experiment = default_experiment();
  // The InvR job run at every tick (as_of and store are set per tick).
  JobConfig job = simulation_job_defaults();
  SlateParams slate;
  // Training settings for models the simulation trains (initial model when
  // none is given, retraining, the dataset oracle). threads is forced to 1.
  ModelConfig model = simulation_model_defaults();
  std::vector<ExperimentVariant> experiments;
  // Set by --sweep: `experiment` is sweep_experiment(*sweep), and the results
  // gain a frontier and a verdict (SweepResult).
  std::optional<SweepSpec> sweep;
};

// Throws UsageError naming the flag for a value out of bounds, an invalid
// experiment (validate(Experiment)), a job config that fails validate(), or
// an experiment variant with a bad value.
void validate(const SimulationConfig& config);

// `params` with its -1 (auto) settings resolved for a dataset world
// (`dataset` true) or a generated one: retrain_interval_days (daily / never)
// and warmup_days (max_item_age_days / 0; simulate() uses the world's
// auto_warmup_days, which caps it on a short logged history).
SimulationParams resolve_auto(SimulationParams params, bool dataset);

// ------------------------------------------------------------------ timeline

// A seeded clock for a dataset whose timestamps are missing or unusable
// (docs/simulation.md, "Synthetic timeline"). The timeline spans
// [origin, end) = history_days + warmup_days + days; the simulation covers
// its last warmup_days + days (warmup_days resolved as for a dataset).
//  - Items arrive one by one, evenly over the whole span with a seeded
//    jitter, in a seeded random order blind to the data's publish times, so
//    items keep arriving during the simulation (cold start) and every day's
//    arrivals are a sample of the same catalogue.
//  - Each logged event of an item happens while the item is live: uniformly
//    in [publish, publish + min(max_item_age_days, end - publish)). Events
//    after the simulation start are replaced by simulated traffic, as with
//    logged time.
//  - A user visits at visits_per_day × (their positive events / the mean
//    over users); users without positives count half an event.
// Deterministic for (dataset, params.seed, history_days, days,
// visits_per_day, max_item_age_days).
struct SyntheticTimeline {
  static constexpr double kOrigin = 1577836800;  // 2020-01-01T00:00:00Z
  double origin = kOrigin;
  double start = 0;  // end of the logged history: origin + history_days
  double end = 0;    // start + warmup_days + days
  std::vector<double> visits_per_day;  // per dataset user
};

// Rewrites every interaction's timestamp and every item's publish time of
// `dataset` to the synthetic timeline, and returns it.
SyntheticTimeline apply_synthetic_timeline(Dataset& dataset, const SimulationParams& params);

// "auto" resolved for `dataset`: "logged" or "synthetic". UsageError naming
// --timeline for an unknown value or "logged" on data without timestamps.
std::string resolve_timeline(std::string_view timeline, const Dataset& dataset);

// ------------------------------------------------------------------ worlds

namespace simulation {
class Oracle;  // src/simulation/sim_oracle.h
}

// How well a dataset oracle's family fits the data: fitted on a split (each
// user's latest 10% of rows held out when the data has timestamps, else a
// seeded random 10% of rows), Recall@20 of its ranking of the held-out
// positives, and most-popular's on the same split.
struct OracleHoldout {
  std::string protocol;  // "user_temporal" or "random"
  std::size_t test_users = 0;  // users with a held-out positive
  double recall_at_20 = 0;
  double most_popular_recall_at_20 = 0;
};
struct OracleReport {
  std::string kind;  // SimulationParams::oracle
  OracleHoldout holdout;
};

// What a simulation runs on: the logs and the ground truth behind clicks.
// A synthetic world clicks by its generator's truth
// (invr::click_probability); a dataset by an oracle fitted on all its
// interactions (relevance = sigmoid(oracle_sharpness · z + c), z the
// oracle's score standardised per user; src/simulation/sim_oracle.h).
struct SimulationWorld {
  std::string kind;  // "synthetic" or "dataset"
  std::string name;
  Dataset dataset;
  // Synthetic: the generator's truth. Datasets: no vectors; relevance_weight
  // = oracle_sharpness, relevance_bias = c, examination and the logs' span.
  WorldTruth truth;
  // Per dataset user / item index, its index in `truth`.
  std::vector<Index> truth_user;
  std::vector<Index> truth_item;
  // Datasets: the oracle behind relevance; null = clicks from `truth`.
  std::shared_ptr<const simulation::Oracle> oracle;
  std::optional<OracleReport> oracle_report;  // datasets
  // Datasets: truth.relevance_bias is recalibrated at the start of
  // simulate() so the control arm's expected CTR is params.base_ctr.
  bool calibrate_bias = false;
  // "generated" (a synthetic world), "logged" or "synthetic" (datasets).
  std::string timeline = "generated";
  // Per dataset user, visits per simulated day; empty = estimated from the
  // history's last activity_window_days (the synthetic timeline sets it).
  std::vector<double> visits_per_day;
  // The warm-up an auto --warmup-days (-1) gets in this world:
  // max_item_age_days on a dataset's synthetic timeline; on its logged clock
  // that, capped at half the logged history before the measured days; 0 on a
  // generated world.
  double auto_warmup_days = 0;
};

// dir/world.{inter,item,user} and dir/world.truth, as `invr generate` writes.
SimulationWorld load_synthetic_world(const std::filesystem::path& dir);
// The same from a world in memory.
SimulationWorld synthetic_world(World world);
// A real dataset. params.timeline picks the clock: logged (undated items are
// dated by their first event, so they arrive in time) or synthetic
// (apply_synthetic_timeline). Every check that can fail on the data or the
// settings (timeline, --oracle, --days, a live catalogue, the job's
// selection at the start) runs before any training. Then the oracle family
// params.oracle is fitted once on a split (oracle_report) and once on ALL
// interactions (a two-tower oracle is written to work_dir/oracle).
SimulationWorld dataset_world(Dataset dataset, const SimulationConfig& config,
                              const std::filesystem::path& work_dir);

// ------------------------------------------------------------------ results

// Exposure of one arm over some period, all from metrics.h.
struct ArmExposure {
  std::uint64_t impressions = 0;
  std::uint64_t clicks = 0;
  double ctr = 0;
  double psei = 0;  // percent of treated items with >= sufficient impressions
  std::size_t treated_items = 0;
  Concentration items;      // population: the simulation's items (docs/simulation.md)
  Concentration producers;  // producers owning at least one of them
};

// arm / control − 1 with its 95% interval from a user-level Poisson
// bootstrap (docs/simulation.md, "Estimators"). NaN change and interval when
// the control level is 0. Never below −1: every resample is a ratio of
// non-negative levels, and the interval is made of resamples.
struct RelativeChange {
  double change = 0;
  double ci_low = 0;
  double ci_high = 0;
  double control = 0;  // the metric's level in control ...
  double arm = 0;      // ... and in the arm
  const char* interval = "percentile";  // "percentile" or "bca"
  // Set on the primary estimator only, when [ci_low, ci_high] excludes 0.
  bool significant = false;
  // Metrics compared by permutation (not the paired ones): arm - control in
  // the metric's own unit, with the permutation test's interval on that
  // scale over every reshuffle. Defined where the relative change is not
  // (control level 0); sweeps plot it (docs/methods.md). NaN otherwise.
  double difference = NAN;
  double difference_low = NAN;
  double difference_high = NAN;
};

// One user-side metric (CTR or clicks per user) three ways: the paired
// counterfactual (the same users' slates with and without insertion; absent
// without params.counterfactual), arm-level with CUPED, and plain arm-level.
struct Effect {
  std::optional<RelativeChange> paired;
  RelativeChange cuped;
  RelativeChange arm_level;
  // The primary estimate (ArmEffects::primary): paired when it ran, else CUPED.
  const RelativeChange& primary() const { return paired ? *paired : cuped; }
};
struct ArmEffects {
  const char* primary = "paired";  // "paired", or "cuped" without the counterfactual
  Effect ctr;
  Effect clicks_per_user;
};

// Pearson χ² test of arm sizes against the arms' weights.
struct SampleRatio {
  std::vector<std::uint64_t> observed;
  std::vector<double> expected;
  double chi2 = 0;
  std::size_t dof = 0;
  double p_value = 1;
};
// Sample-ratio mismatch check of a run (flagged when either p < threshold).
struct SrmCheck {
  double p_threshold = 0.001;
  bool flagged = false;
  SampleRatio users;           // bucketed users
  SampleRatio visiting_users;  // users with at least one visit
};

// An arm's CTR over the run's days: first and last three days' means and the
// least-squares slope per day as a fraction of the run's mean, with a
// bootstrap interval. A stationary world has a slope near 0.
struct Trend {
  double first3 = 0, last3 = 0, change = 0;
  double slope_per_day = 0, ci_low = 0, ci_high = 0;
};

// --aa-salts: K assignments of one run whose arms all serve control.
struct AaResult {
  std::int64_t salts = 0;
  std::size_t comparisons = 0;  // salts × non-control arms
  // Per metric (the relative keys, plus ctr_cuped and clicks_per_user_cuped):
  // share of the 95% intervals that exclude 0 among the comparisons where the
  // change is defined (control level > 0; `defined` counts them). NaN when no
  // comparison is defined: a metric that is 0 in control every time says
  // nothing about calibration, and counting it as "did not exclude 0" would
  // pull the rate towards 0.
  std::vector<std::pair<std::string, double>> false_positive_rate;
  std::vector<std::pair<std::string, std::size_t>> defined;
  std::size_t out_of_range = 0;  // intervals outside their metric's range
  std::size_t srm_flagged = 0;
  struct Salt {
    std::string salt;
    double srm_p = 1;
    std::vector<std::pair<std::string, std::size_t>> excluding;  // per metric
  };
  std::vector<Salt> per_salt;
};

struct Histogram {
  std::vector<double> edges;  // bins [edges[i], edges[i+1]); size = counts + 1
  std::vector<std::uint64_t> counts;
};

// Issue 19's CTR bar: an arm's paired CTR change minus `other`'s (each
// against its own control slates), with a user-bootstrap interval.
struct CtrDifference { std::string other; double difference = NAN, ci_low = NAN, ci_high = NAN; };
struct ArmResult {
  Arm arm;
  std::size_t users = 0;  // bucketed into this arm (all users, visiting or not)
  std::size_t visiting_users = 0;     // with at least one visit
  std::uint64_t visits = 0;
  std::uint64_t invr_impressions = 0;  // slate items inserted at the slots (InvR, forward-longtail)
  // Non-control arms: the most PSEI any insertion policy could reach with
  // invr_impressions inserted (metrics.h psei_ceiling), each treated item's
  // own impressions taken as control's, scaled to this arm's impressions
  // that were not inserted. An estimate (control's counts are a sample);
  // NaN for control arms.
  double psei_ceiling = NAN;
  ArmExposure totals;
  std::vector<ArmExposure> daily;  // one per simulated day (psei: cumulative)
  // Producer concentration over the 7-day window ending on each day, over
  // producers with an item live in that window (one per simulated day).
  std::vector<Concentration> producer_window;
  // Arm-level changes, keys: ctr, clicks_per_user, psei, producer_b50ps,
  // producer_t1ps, producer_gini, item_b50ps, item_gini, producer_coverage.
  // Empty for the control arm.
  std::vector<std::pair<std::string, RelativeChange>> relative;
  // The entry of `relative` named `key`, or nullptr.
  const RelativeChange* relative_of(std::string_view key) const {
    for (const auto& [name, change] : relative)
      if (name == key) return &change;
    return nullptr;
  }
  ArmEffects effects;  // non-control arms only
  std::optional<CtrDifference> ctr_vs_user_rank;  // invr-target arms, with the counterfactual
  Trend ctr_trend;
  // Producer exposure Lorenz curve: share of producers (ascending exposure)
  // vs share of impressions, at most 101 points from (0,0) to (1,1).
  std::vector<double> lorenz_x, lorenz_y;
  Histogram treated_exposure;  // impressions per treated item
  // Counterfactual (params.counterfactual, non-control arms): per visiting user,
  // expected clicks of the served slates / of the control slates − 1.
  Histogram ctr_change;
  double share_lost_relevance = 0;  // users whose served slates had lower expected clicks
  double expected_ctr_change = 0;   // summed over users
};

// One simulation run (the main one or an experiment).
struct RunResult {
  std::string name;  // "main" or the variant's name
  std::string description;
  std::vector<ArmResult> arms;     // experiment order
  std::vector<Index> treated;      // items any job run selected, ascending
  std::vector<Index> population;   // the simulation's items, ascending
  ExposureLog log;                 // every simulated impression, arm column set
  std::size_t job_runs = 0, job_failures = 0, retrains = 0;
  std::size_t background_events = 0;  // logged events added (SimulationParams::background)
  SrmCheck srm;
  // The first arm with `ordering` (issue 19 compares target arms with user rank's), or nullptr.
  const ArmResult* first_arm(Ordering ordering) const;
};

// The frontier of a sweep and its verdict, from the main run's estimates.
// Metrics: psei and producer_b50ps (higher is better), producer_t1ps (lower
// is better), each as arm - control (RelativeChange::difference: defined
// when control's level is 0, as a sweep's small arms often have it); x is
// the primary CTR estimate (relative). Indices point into spec.points.
struct SweepVerdictRow {
  double ctr_budget = 0;  // 0, -0.01, -0.03: points with CTR change >= it are eligible
  std::string metric;
  std::size_t eligible = 0;
  std::optional<std::size_t> winner;     // the largest gain among the eligible, if above 0
  std::optional<std::size_t> runner_up;  // the largest gain of another method
  bool separated = false;                // the two intervals do not overlap
};
struct SweepResult {
  SweepSpec spec;
  std::string control;
  const char* ctr_estimator = "paired";
  // Per metric: the points another point (or control, at no change) beats
  // on both CTR and the metric's gain.
  std::vector<std::pair<std::string, std::vector<std::size_t>>> dominated;
  std::vector<SweepVerdictRow> verdict;  // budgets 0, -1%, -3% × metrics
};
// The metrics a frontier plots: key, label, whether higher is better, and
// the factor from the metric's unit to percentage points (PSEI is already a
// percentage; the shares are fractions).
struct SweepMetric {
  const char* key;
  const char* label;
  bool higher_is_better;
  double to_points;
};
std::span<const SweepMetric> sweep_metrics();
// Frontier and verdict of a sweep run (`main` holds one arm per point).
SweepResult sweep_result(const SweepSpec& spec, const RunResult& main);

struct SimulationResult {
  SimulationConfig config;
  std::string world_kind, world_name;
  std::string world_timeline;  // SimulationWorld::timeline
  std::optional<OracleReport> world_oracle;  // SimulationWorld::oracle_report
  std::size_t users = 0, items = 0, producers = 0;
  double start_time = 0;  // S
  RunResult main;
  std::vector<RunResult> experiments;
  std::optional<AaResult> aa;  // params.aa_salts > 0
  std::optional<SweepResult> sweep;  // config.sweep
};

// Extra inputs and where to write working files.
struct SimulationOptions {
  // Models, the candidate store and oracle files go here (created).
  std::filesystem::path work_dir;
  // Initial model: a directory to load; empty = train one on the history
  // into work_dir/model with config.model.
  std::filesystem::path model_dir;
  bool progress = true;
};

// Runs the main simulation and every config.experiments variant.
SimulationResult simulate(SimulationWorld& world, const SimulationConfig& config,
                          const SimulationOptions& options);

// results.json text (format "invr-simulation-results", version 1; keys in
// docs/simulation.md). Byte-identical for identical results.
std::string results_json(const SimulationResult& result);

// A short human-readable table: per arm CTR, producer B50PS, PSEI and their
// change against control with intervals, per run.
std::string summary_text(const SimulationResult& result);

// Writes out_dir/results.json and out_dir/exposures.tsv (the main run's
// impressions with an arm column), both atomically.
void write_simulation_outputs(const SimulationResult& result, const SimulationWorld& world,
                              const std::filesystem::path& out_dir);

}  // namespace invr
