// Simulation settings: the one declaration of every parameter, validation,
// the tuned job defaults and the experiment variants behind the CLI flags.
#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "invr/error.h"
#include "invr/simulation.h"
#include "common/split.h"

namespace invr {
namespace {
using P = SimulationParams;

constexpr double kMaxInt = 9.2e18;

const std::array<SimulationParamSpec, 23> kSpecs{{
    {"days", "Simulated days: the last DAYS days of the logs are replaced by simulated traffic",
     1, 3650, &P::days},
    {"seed", "Seed of every random draw (visits, clicks, bootstrap)", 0, kMaxInt, &P::seed},
    {"threads", "Worker threads; 0 = all cores. Never changes the results", 0, 1024, &P::threads},
    {"slate_size", "Items per slate", 1, 100, &P::slate_size},
    {"job_interval_hours",
     "Run the InvR job and refresh embeddings every this many simulated hours (paper: 1)", 0.25,
     24 * 365, &P::job_interval_hours},
    {"retrain_interval_days",
     "Retrain the two-tower model on the grown logs every this many days; 0 = never; -1 = "
     "auto: daily on a dataset, never on a generated world",
     -1, 3650,
     &P::retrain_interval_days},
    {"retrain_epochs",
     "Epochs of each retraining, from the previous model's weights; 0 = from scratch with the "
     "model config's epochs",
     0, 1000, &P::retrain_epochs},
    {"warmup_days",
     "Days served as control to everyone before the measured days (nothing measured); -1 = "
     "auto: --max-item-age-days on a dataset (capped at half a short logged history), 0 on a "
     "generated world",
     -1, 3650, &P::warmup_days},
    {"background",
     "Datasets: the logs' events during the simulated days join the logs as they happen, as "
     "traffic from other surfaces (1) or not at all (0)",
     0, 1, &P::background},
    {"assignment_truth",
     "Diagnostic, invr-target arms: the assignment scores each pair by the simulator's click "
     "truth instead of the model (what a perfect relevance model would give; 0 = the model)",
     0, 1, &P::assignment_truth},
    {"max_item_age_days", "Items older than this many days leave the catalog", 0.01, 36500,
     &P::max_item_age_days},
    {"activity_window_days", "A user's visits per day come from this last window of history",
     0.01, 36500, &P::activity_window_days},
    {"sufficient_impressions",
     "PSEI: a treated item is sufficiently exposed at this many impressions in one arm", 1,
     kMaxInt, &P::sufficient_impressions},
    {"bootstrap_samples", "Bootstrap resamples over users for the 95% intervals", 10, 100000,
     &P::bootstrap_samples},
    {"aa_salts",
     "A/A calibration: also bucket one all-control run with this many salts and report each "
     "metric's false-positive rate; 0 = off",
     0, 10000, &P::aa_salts},
    {"blocked_assignment",
     "Randomise users to arms in blocks of K users of similar activity (K = arms; equal "
     "weights) instead of the server's hash: arms of a few hundred users get equal traffic",
     0, 1, &P::blocked_assignment},
    {"batch_size", "Requests per slate-assembly call (fixed, so results do not vary)", 1, 65536,
     &P::batch_size},
    {"counterfactual",
     "Also assemble the control slate of every InvR visit (per-user CTR change)", 0, 1,
     &P::counterfactual},
    {"base_ctr", "Datasets: calibrate the oracle so the control arm's CTR is this", 1e-4, 0.9,
     &P::base_ctr},
    {"oracle_sharpness",
     "Datasets: relevance = sigmoid(sharpness * z + c), z = the oracle's score standardised per "
     "user (logits per standard deviation)",
     0.01, 1000, &P::oracle_sharpness},
    {"examination_eta", "Datasets: P(examine position k) = (1/(k+1))^eta", 0, 10,
     &P::examination_eta},
    {"history_days", "Synthetic timeline: days of history before the simulated days", 1, 36500,
     &P::history_days},
    {"visits_per_day",
     "Synthetic timeline: mean visits per user per day (a user's rate is proportional to their "
     "logged events)",
     0.001, 1000, &P::visits_per_day},
}};

std::optional<std::int64_t> parse_int(std::string_view text) {
  text = trim_blanks(text);
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

void validate_variant(const ExperimentVariant& v) {
  if (v.cold_start && !parse_cold_start(*v.cold_start))
    throw UsageError(fmt::format("experiment {}: cold start must be random or content, got \"{}\"",
                                 v.name, *v.cold_start));
  if (v.top_users_per_item && *v.top_users_per_item < 1)
    throw UsageError(fmt::format("experiment {}: --top-users-per-item must be >= 1, got {}",
                                 v.name, *v.top_users_per_item));
  if (v.slots) {
    if (v.slots->empty()) throw UsageError(fmt::format("experiment {}: no slots", v.name));
    for (int s : *v.slots)
      if (s < 1) throw UsageError(fmt::format("experiment {}: --slots must be >= 1, got {}", v.name, s));
  }
}
}  // namespace

std::span<const SimulationParamSpec> simulation_param_specs() { return kSpecs; }

JobConfig simulation_job_defaults() {
  JobConfig config;
  // A simulated week is short: exposure over the last 7 days decides the long
  // tail, and items stay InvR targets for as long as they stay in the catalog.
  // N = 1000: with N = 100 the items' top users are the same few hundred
  // "hub" users (docs/simulation.md, "Tuning"), so InvR reaches almost nobody.
  config.selection.window_days = 7;
  config.selection.max_item_age_days = 14;
  config.retrieval.top_users_per_item = 1000;
  config.inversion.max_candidates_per_user = 50;
  return config;
}

ModelConfig simulation_model_defaults() {
  ModelConfig config;
  config.threads = 1;  // deterministic training
  // New items arrive every day; with random cold start the main pipeline
  // never retrieves them (their id vectors are untrained noise).
  config.cold_start = "content";
  return config;
}

std::vector<int> parse_slots(std::string_view text, std::string_view flag) {
  std::vector<int> slots;
  for (std::string_view part : split_on(text, ',')) {
    const auto value = parse_int(part);
    if (!value || *value < 1 || *value > 100000)
      throw UsageError(fmt::format("{} \"{}\": expected comma-separated slate positions >= 1 "
                                   "such as 3,8",
                                   flag, text));
    slots.push_back(static_cast<int>(*value));
  }
  return slots;
}

ExperimentVariant all_items_variant() {
  ExperimentVariant v;
  v.name = "all_items";
  v.description = "InvR for every fresh item, not only selected long-tail producers' items";
  v.all_items = true;
  return v;
}

std::vector<ExperimentVariant> cold_start_variants(std::string_view modes) {
  std::vector<ExperimentVariant> out;
  if (trim_blanks(modes) == "both") modes = "random,content";
  for (std::string_view part : split_on(modes, ',')) {
    part = trim_blanks(part);
    const auto mode = parse_cold_start(part);
    if (!mode)
      throw UsageError(fmt::format("--cold-start \"{}\": expected random, content or both "
                                   "(comma-separated)",
                                   modes));
    ExperimentVariant v;
    v.name = fmt::format("cold_start_{}", part);
    v.description = fmt::format(
        "Cold items embedded with the {} strategy (a model trained for it), in the job and in "
        "the slates",
        part);
    v.cold_start = std::string(part);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<ExperimentVariant> top_users_variants(std::string_view values) {
  std::vector<ExperimentVariant> out;
  for (std::string_view part : split_on(values, ',')) {
    const auto n = parse_int(part);
    if (!n || *n < 1)
      throw UsageError(fmt::format("--top-users-per-item \"{}\": expected comma-separated "
                                   "integers >= 1 such as 50,200",
                                   values));
    ExperimentVariant v;
    v.name = fmt::format("top_users_per_item_{}", *n);
    v.description = fmt::format("InvR job keeps the top {} users per item (N)", *n);
    v.top_users_per_item = *n;
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<ExperimentVariant> slot_variants(std::string_view slot_sets) {
  std::vector<ExperimentVariant> out;
  for (std::string_view part : split_on(slot_sets, ';')) {
    ExperimentVariant v;
    v.slots = parse_slots(trim_blanks(part), "--slots");
    v.name = fmt::format("slots_{}", fmt::join(*v.slots, "_"));
    v.description = fmt::format("InvR candidates at slate positions {}", fmt::join(*v.slots, ", "));
    out.push_back(std::move(v));
  }
  return out;
}

SimulationParams resolve_auto(SimulationParams params, bool dataset) {
  // Daily retraining on a dataset: the model learns the items that arrive
  // during the run only by retraining on the background traffic; a generated
  // world's new items are embedded from their (truthful) content.
  if (params.retrain_interval_days < 0) params.retrain_interval_days = dataset ? 1 : 0;
  // A warm-up of one catalogue lifetime on a dataset: its logs leave each user
  // a pool of relevant items never consumed, which a feed drains in its first
  // days, and the model learns the items that arrive under the feed only as
  // they come; after max_item_age_days every live item arrived that way. A
  // generated world's logs come from a feed that was already serving.
  if (params.warmup_days < 0) params.warmup_days = dataset ? params.max_item_age_days : 0;
  return params;
}

void validate(const SimulationConfig& config) {
  validate_settings(simulation_param_specs(), config.params);
  const double warmup = config.params.warmup_days;
  if (warmup < 0 && warmup != -1)
    throw UsageError(fmt::format("--warmup-days must be -1 (auto), 0 or a positive number of days, "
                                 "got {}",
                                 warmup));
  const double retrain = config.params.retrain_interval_days;
  if (retrain < 0 && retrain != -1)
    throw UsageError(fmt::format("--retrain-interval-days must be -1 (auto), 0 (never) or a "
                                 "positive number of days, got {}",
                                 retrain));
  const std::string& timeline = config.params.timeline;
  if (timeline != "auto" && timeline != "logged" && timeline != "synthetic")
    throw UsageError(
        fmt::format("--timeline \"{}\": expected auto, logged or synthetic", timeline));
  const std::string& oracle = config.params.oracle;
  if (oracle != "item-knn" && oracle != "ease" && oracle != "two-tower")
    throw UsageError(
        fmt::format("--oracle \"{}\": expected item-knn, ease or two-tower", oracle));
  validate(config.experiment);
  std::size_t controls = 0;
  for (const Arm& arm : config.experiment.arms) controls += arm.is_control();
  if (controls != 1)
    throw UsageError(fmt::format("--arms must name exactly one control arm (the baseline every "
                                 "arm is compared with), got {}",
                                 controls));
  validate(config.job);
  // An arm's n cuts the job's lists by user rank; above the job's N it would
  // silently serve the job's N instead.
  for (const Arm& arm : config.experiment.arms)
    if (arm.top_users > config.job.retrieval.top_users_per_item)
      throw UsageError(fmt::format("arm \"{}\": n = {} exceeds the job's top_users_per_item {}; raise "
                                   "[retrieval] top_users_per_item (--job-config) to at least {}",
                                   arm.name, arm.top_users, config.job.retrieval.top_users_per_item,
                                   arm.top_users));
  validate(config.slate);
  validate(config.model);
  if (config.params.slate_size > config.slate.max_n)
    throw UsageError(fmt::format("--slate-size {} exceeds the slate assembly's max_n {}",
                                 config.params.slate_size, config.slate.max_n));
  std::set<std::string> names;
  for (const auto& v : config.experiments) {
    validate_variant(v);
    if (!names.insert(v.name).second)
      throw UsageError(fmt::format("experiment {} is requested twice", v.name));
  }
}

}  // namespace invr

namespace invr {

Experiment experiment_from_arms(std::string_view names, std::span<const int> slots,
                                std::string salt) {
  Experiment experiment;
  experiment.salt = std::move(salt);
  // The serving stage's one parser of arm names and knobs (invr/arms.h).
  for (std::string_view part : split_on(names, ',')) {
    try {
      experiment.arms.push_back(parse_arm(part, slots));
    } catch (const UsageError& e) {
      throw UsageError(fmt::format("--arms: {}", e.what()));
    }
  }
  validate(experiment);
  return experiment;
}

void add_experiment_variants(SimulationConfig& config, const VariantFlags& flags) {
  auto add = [&](std::vector<ExperimentVariant> variants) {
    for (auto& v : variants) config.experiments.push_back(std::move(v));
  };
  if (flags.all_items) config.experiments.push_back(all_items_variant());
  if (!flags.cold_start.empty()) add(cold_start_variants(flags.cold_start));
  if (!flags.top_users.empty()) add(top_users_variants(flags.top_users));
  if (!flags.slots.empty()) add(slot_variants(flags.slots));
}

}  // namespace invr
