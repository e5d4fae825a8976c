// Simulation worlds: a synthetic world with its generator's truth, or a real
// dataset with an oracle written in the same WorldTruth form, so one click
// formula (invr::click_probability) serves both.
#include <algorithm>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/model_train.h"
#include "invr/simulation.h"
#include "simulation/sim_internal.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

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
  const std::string timeline = resolve_timeline(config.params.timeline, dataset);
  std::optional<SyntheticTimeline> synthetic;
  if (timeline == "synthetic") {
    synthetic = apply_synthetic_timeline(dataset, config.params);
    spdlog::info("simulate: synthetic timeline for {}: {} days of history, {} simulated, {:.2f} "
                 "visits per user per day on average",
                 dataset.name, config.params.history_days, config.params.days,
                 config.params.visits_per_day);
  } else {
    date_undated_items(dataset);
  }

  // The oracle sees every interaction: nothing held out.
  ModelConfig oracle_config = config.model;
  oracle_config.validation_fraction = 0;
  TrainOptions options;
  options.out_dir = work_dir / "oracle";
  spdlog::info("simulate: fitting the oracle on all {} interactions of {}",
               dataset.interactions.size(), dataset.name);
  const TrainResult trained = train_two_tower(dataset, oracle_config, options);
  const Matrix users = trained.model->embed_users(dataset);
  // Each item at the age its training events had, not at the end of the logs:
  // an age no training event had (older than --max-item-age-days on the
  // synthetic timeline) reads an untrained age embedding, which made the
  // truth of old items noise and the control CTR climb as the catalogue
  // turned over (docs/simulation.md, "Synthetic timeline").
  const double last_time = latest_timestamp(dataset);
  const Matrix items = trained.model->embed_items(
      simulation::aged_for_embedding(dataset, simulation::median_event_age(dataset), last_time));

  SimulationWorld world;
  world.kind = "dataset";
  world.name = dataset.name;
  WorldTruth& truth = world.truth;
  truth.dim = static_cast<std::uint32_t>(users.cols);
  truth.user_interest = users.data;
  truth.item_topic = items.data;
  truth.item_quality.assign(items.rows, 0.0f);
  truth.item_publisher = dataset.item_table.producer;
  truth.publisher_quality.assign(dataset.producers.size(), 0.0f);
  truth.relevance_weight = config.params.oracle_sharpness;
  truth.quality_weight = 0;
  truth.relevance_bias = 0;  // calibrated by simulate()
  truth.examination.eta = config.params.examination_eta;
  const double last = latest_timestamp(dataset);
  truth.start_time = last;
  // The synthetic timeline ends exactly where it says, so the simulation
  // starts after exactly history_days.
  truth.end_time = synthetic ? synthetic->end : last + 1;
  truth.seed = config.params.seed;
  for (const auto& t : dataset.interactions.timestamp)
    if (has_time(t) && t < truth.start_time) truth.start_time = t;
  world.truth_user.resize(dataset.users.size());
  world.truth_item.resize(dataset.items.size());
  for (std::size_t u = 0; u < world.truth_user.size(); ++u) world.truth_user[u] = static_cast<Index>(u);
  for (std::size_t i = 0; i < world.truth_item.size(); ++i) world.truth_item[i] = static_cast<Index>(i);
  world.dataset = std::move(dataset);
  world.calibrate_bias = true;
  world.timeline = timeline;
  if (synthetic) world.visits_per_day = std::move(synthetic->visits_per_day);
  return world;
}

}  // namespace invr
