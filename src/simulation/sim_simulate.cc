// simulate(): the initial model, the oracle's calibration, the main run and
// one run per experiment variant.
#include <map>
#include <tuple>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/log.h"
#include "invr/model_train.h"
#include "simulation/sim_calibrate.h"
#include "simulation/sim_internal.h"
#include "simulation/sim_preflight.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using simulation::kDay;

std::shared_ptr<const TwoTowerModel> train_on_history(const Dataset& full, double start,
                                                      const ModelConfig& config,
                                                      const fs::path& dir, bool progress) {
  const Dataset history = simulation::history_before(full, start);
  invr::logger().info("simulate: training the initial model ({} cold start) on {} events before the "
                      "simulation",
                      config.cold_start, history.interactions.size());
  TrainOptions options;
  options.out_dir = dir;
  options.progress = progress;
  TrainResult trained = train_model(history, config, options);
  return std::shared_ptr<const TwoTowerModel>(std::move(trained.model));
}

// Logged timestamps of burst-driven data (MovieLens ratings) can leave the
// simulated days almost empty; say so rather than report noise quietly.
void warn_if_thin(const SimulationWorld& world, double start, const SimulationParams& params) {
  if (world.timeline != "logged") return;
  const Dataset history = simulation::history_before(world.dataset, start);
  double visits = 0;
  for (double rate : simulation::user_visit_rates(world, history, start, params.activity_window_days))
    visits += rate * static_cast<double>(params.days);
  if (visits < 100.0 * static_cast<double>(params.days))
    invr::logger().warn("simulate: the logged timeline gives about {:.0f} visits in {} simulated days "
                        "(from the last --activity-window-days {} of history): too few to measure "
                        "anything; --timeline synthetic spreads the logs over a seeded timeline",
                        visits, params.days, params.activity_window_days);
}

SimulationConfig with_variant(const SimulationConfig& base, const ExperimentVariant& v) {
  SimulationConfig config = base;
  config.experiments.clear();
  if (v.all_items) config.job.selection.all_items = *v.all_items;
  if (v.cold_start) {
    config.job.job.cold_start = *v.cold_start;
    config.model.cold_start = *v.cold_start;
  }
  if (v.top_users_per_item) config.job.retrieval.top_users_per_item = *v.top_users_per_item;
  if (v.slots)
    for (Arm& arm : config.experiment.arms)
      if (arm.inserts()) arm.slots = *v.slots;
  return config;
}
}  // namespace

SimulationResult simulate(SimulationWorld& world, const SimulationConfig& requested,
                          const SimulationOptions& options) {
  validate(requested);
  SimulationConfig config = requested;
  if (config.params.warmup_days < 0) config.params.warmup_days = world.auto_warmup_days;
  config.params = resolve_auto(config.params, world.kind == "dataset");
  const SimulationParams& params = config.params;
  const Dataset& dataset = world.dataset;
  const double end = world.truth.end_time;
  const double start = end - static_cast<double>(params.days) * kDay;
  const double first = start - params.warmup_days * kDay;  // the warm-up's start
  simulation::check_before_training(dataset, config, end, world.name);  // before any training

  // Initial models by cold-start mode, trained on the history when not given.
  std::map<std::string, std::shared_ptr<const TwoTowerModel>> models;
  std::map<std::string, fs::path> model_dirs;  // where each lives (retraining warm-starts from it)
  std::string base_mode = config.model.cold_start;
  if (!options.model_dir.empty()) {
    models[""] = TwoTowerModel::load(options.model_dir);
    model_dirs[""] = options.model_dir;
    ModelConfig given = config.model;
    if (fs::exists(options.model_dir / "config.toml"))
      read_model_config(options.model_dir / "config.toml", given);
    base_mode = given.cold_start;
  } else {
    models[""] = train_on_history(dataset, first, config.model, options.work_dir / "model",
                                  options.progress);
    model_dirs[""] = options.work_dir / "model";
  }
  // A variant that asks for another cold-start mode gets a model trained for
  // it (content cold start needs id dropout in training).
  auto model_for = [&](const SimulationConfig& c) {
    const std::string& mode = c.job.job.cold_start;
    if (mode.empty() || mode == base_mode) return std::pair{models[""], model_dirs[""]};
    if (!models.count(mode)) {
      ModelConfig model_config = c.model;
      model_config.cold_start = mode;
      models[mode] = train_on_history(dataset, first, model_config,
                                      options.work_dir / ("model-" + mode), options.progress);
      model_dirs[mode] = options.work_dir / ("model-" + mode);
    }
    return std::pair{models[mode], model_dirs[mode]};
  };

  if (world.calibrate_bias) simulation::calibrate_oracle(world, *models[""], config, first);
  warn_if_thin(world, first, params);

  SimulationResult result;
  result.config = config;
  result.world_kind = world.kind;
  result.world_name = world.name;
  result.world_timeline = world.timeline;
  result.world_oracle = world.oracle_report;
  result.users = dataset.users.size();
  result.items = dataset.items.size();
  result.producers = dataset.producers.size();
  result.start_time = start;

  simulation::RunInputs main;
  main.world = &world;
  main.config = config;
  main.config.experiments.clear();
  std::tie(main.initial_model, main.initial_model_dir) = model_for(main.config);
  main.work_dir = options.work_dir / "runs" / "main";
  main.start_time = start;
  main.description = "The configured arms against control";
  main.progress = options.progress;
  invr::logger().info("simulate: {} days from {} over {} users, {} items", params.days, start,
                      result.users, result.items);
  result.main = simulation::run_simulation(main);
  if (params.aa_salts > 0) result.aa = simulation::aa_calibration(main);
  if (config.sweep) result.sweep = sweep_result(*config.sweep, result.main);

  for (const ExperimentVariant& variant : config.experiments) {
    simulation::RunInputs run = main;
    run.config = with_variant(config, variant);
    std::tie(run.initial_model, run.initial_model_dir) = model_for(run.config);
    run.work_dir = options.work_dir / "runs" / variant.name;
    run.name = variant.name;
    run.description = variant.description;
    invr::logger().info("simulate: experiment {}: {}", variant.name, variant.description);
    result.experiments.push_back(simulation::run_simulation(run));
  }
  return result;
}

}  // namespace invr
