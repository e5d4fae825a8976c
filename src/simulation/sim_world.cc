// Simulation worlds: a synthetic world with its generator's truth, or a real
// dataset with an oracle fitted on all its interactions (sim_oracle.h).
#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "invr/atomic_io.h"
#include "invr/baselines.h"
#include "invr/error.h"
#include "invr/log.h"
#include "invr/simulation.h"
#include "invr/split.h"
#include "simulation/sim_internal.h"
#include "simulation/sim_oracle.h"
#include "simulation/sim_preflight.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
constexpr double kOracleTestFraction = 0.1;

SimulationWorld from_parts(Dataset dataset, WorldTruth truth, const std::string& source) {
  SimulationWorld world;
  world.kind = "synthetic";
  world.name = dataset.name.empty() ? "world" : dataset.name;
  world.truth_user = truth_indices(dataset.users, 'u', truth.n_users(), source);
  world.truth_item = truth_indices(dataset.items, 'i', truth.n_items(), source);
  world.dataset = std::move(dataset);
  world.truth = std::move(truth);
  return world;
}

// Items without a publish time take their first event's time, so a dataset's
// items arrive during the simulation as they did in the logs.
void date_undated_items(Dataset& dataset) {
  auto& publish = dataset.item_table.publish_time;
  std::vector<double> first(publish.size(), kNoTime);
  const Interactions& in = dataset.interactions;
  for (std::size_t r = 0; r < in.size(); ++r) {
    const auto i = static_cast<std::size_t>(in.item[r]);
    if (has_time(in.timestamp[r]) && !(first[i] <= in.timestamp[r])) first[i] = in.timestamp[r];
  }
  for (std::size_t i = 0; i < publish.size(); ++i)
    if (!has_time(publish[i])) publish[i] = first[i];
}
// The warm-up this dataset gets: the setting, or for auto one catalogue
// lifetime (the synthetic timeline adds it to the span), capped on the logged
// clock at half the history before the measured days, so short logs keep a
// history.
double auto_warmup(const Dataset& dataset, const SimulationParams& params, bool synthetic,
                   double end) {
  const double warmup = resolve_auto(params, true).warmup_days;
  if (params.warmup_days >= 0 || synthetic) return warmup;
  double first = end;
  for (double t : dataset.interactions.timestamp)
    if (has_time(t) && t < first) first = t;
  using simulation::kDay;
  const double history = (end - static_cast<double>(params.days) * kDay - first) / kDay;
  return std::clamp(history / 2, 0.0, warmup);
}
}  // namespace

SimulationWorld load_synthetic_world(const fs::path& dir) {
  const fs::path truth_path = dir / "world.truth";
  if (!fs::exists(truth_path))
    throw IoError(fmt::format("{}: no world.truth; --world needs a folder written by "
                              "`invr generate` (use --data for a real dataset)",
                              dir.string()));
  Dataset dataset = load_atomic(dir, "world");
  WorldTruth truth = load_truth(truth_path);
  return from_parts(std::move(dataset), std::move(truth), (dir / "world.inter").string());
}

SimulationWorld synthetic_world(World world) {
  return from_parts(std::move(world.dataset), std::move(world.truth), "generated world");
}

SimulationWorld dataset_world(Dataset dataset, const SimulationConfig& config,
                              const fs::path& work_dir) {
  // Everything that can fail on the data or the flags, before any training.
  validate(config);
  const SimulationParams& params = config.params;
  const std::string timeline = resolve_timeline(params.timeline, dataset);
  const EaseParams ease;
  if (params.oracle == "ease")
    if (const std::string why = ease_refusal(dataset.items.size(), ease); !why.empty())
      throw UsageError(fmt::format("--oracle ease: {}; use --oracle item-knn or two-tower", why));
  // The oracle's holdout, chosen on the logs' own clock (before a synthetic
  // timeline rewrites it): each user's latest 10%, or a seeded random 10%.
  const bool timed = dataset.has_timestamps();
  const std::vector<bool> test_rows =
      timed ? user_temporal_test_rows(dataset.interactions, kOracleTestFraction)
            : random_test_rows(dataset.interactions, kOracleTestFraction, params.seed);
  std::optional<SyntheticTimeline> synthetic;
  if (timeline == "synthetic") {
    synthetic = apply_synthetic_timeline(dataset, params);
    invr::logger().info("simulate: synthetic timeline for {}: {} days of history, {} simulated, {:.2f} "
                        "visits per user per day on average",
                        dataset.name, params.history_days, params.days, params.visits_per_day);
  } else {
    date_undated_items(dataset);
  }
  // The synthetic timeline ends exactly where it says, so the simulation
  // starts after exactly history_days.
  const double last = latest_timestamp(dataset);
  const double end = synthetic ? synthetic->end : last + 1;
  SimulationConfig checked = config;
  checked.params.warmup_days = auto_warmup(dataset, params, synthetic.has_value(), end);
  simulation::check_before_training(dataset, checked, end, dataset.name);

  SimulationWorld world;
  world.kind = "dataset";
  world.name = dataset.name;
  OracleReport report;
  report.kind = params.oracle;
  invr::logger().info("simulate: fitting the {} oracle of {} on 90% of its interactions (its holdout "
                      "fit)",
                      params.oracle, dataset.name);
  report.holdout = simulation::oracle_holdout(params.oracle, dataset, test_rows,
                                              timed ? "user_temporal" : "random", config,
                                              work_dir / "oracle-holdout");
  invr::logger().info("simulate: {} oracle holdout ({}, {} users): Recall@20 {:.4f}, most popular {:.4f}",
                      report.kind, report.holdout.protocol, report.holdout.test_users,
                      report.holdout.recall_at_20, report.holdout.most_popular_recall_at_20);
  invr::logger().info("simulate: fitting the {} oracle on all {} interactions of {}", params.oracle,
                      dataset.interactions.size(), dataset.name);
  world.oracle = simulation::fit_oracle(params.oracle, dataset, config, work_dir / "oracle");
  world.oracle_report = std::move(report);

  WorldTruth& truth = world.truth;
  truth.relevance_weight = params.oracle_sharpness;
  truth.relevance_bias = 0;  // calibrated by simulate()
  truth.examination.eta = params.examination_eta;
  truth.start_time = last;
  truth.end_time = end;
  truth.seed = params.seed;
  for (const auto& t : dataset.interactions.timestamp)
    if (has_time(t) && t < truth.start_time) truth.start_time = t;
  world.truth_user.resize(dataset.users.size());
  world.truth_item.resize(dataset.items.size());
  for (std::size_t u = 0; u < world.truth_user.size(); ++u) world.truth_user[u] = static_cast<Index>(u);
  for (std::size_t i = 0; i < world.truth_item.size(); ++i) world.truth_item[i] = static_cast<Index>(i);
  world.dataset = std::move(dataset);
  world.calibrate_bias = true;
  world.timeline = timeline;
  world.auto_warmup_days = checked.params.warmup_days;
  if (synthetic) world.visits_per_day = std::move(synthetic->visits_per_day);
  return world;
}

}  // namespace invr
