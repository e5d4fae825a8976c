// invr demo: the main job end to end on the built-in synthetic world:
// generate -> train -> job -> simulate -> report, printing where the report
// is. The world's last --sim-days days are replaced by the A/B simulation;
// the model and the first job see only the days before (docs/simulation.md).
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "allocator.h"
#include "command.h"
#include "invr/atomic_file.h"
#include "invr/error.h"
#include "invr/job.h"
#include "invr/metrics.h"
#include "invr/model_train.h"
#include "invr/report.h"
#include "invr/simulation.h"
#include "invr/stats.h"
#include "invr/synth.h"
#include "world_options.h"

namespace invr::cli {
namespace {
namespace fs = std::filesystem;

struct DemoArgs {
  WorldParams world;
  std::string out = "out/demo";
  std::int64_t sim_days = 7;
  std::int64_t threads = 0;
};

nlohmann::ordered_json concentration_json(const Concentration& c) {
  return {{"count", c.entities}, {"b50ps", c.bottom50_share}, {"t1ps", c.top1_share},
          {"gini", c.gini},      {"coverage", c.coverage}};
}

// The logs before `start`: what the model and the first job may see.
Dataset history_of(const Dataset& full, double start) {
  Dataset history = full;
  std::vector<bool> keep(full.interactions.size());
  for (std::size_t r = 0; r < keep.size(); ++r) keep[r] = full.interactions.timestamp[r] < start;
  history.interactions = full.interactions.select(keep);
  return history;
}

const RelativeChange* find_change(const ArmResult& arm, std::string_view key) {
  for (const auto& [name, change] : arm.relative)
    if (name == key) return &change;
  return nullptr;
}

// The simulation's settings from the flags, checked before any work starts.
SimulationConfig demo_config(const DemoArgs& args) {
  validate(args.world);
  SimulationConfig config;
  config.params.days = args.sim_days;
  config.params.threads = args.threads;
  validate(config);
  if (args.sim_days >= args.world.days)
    throw UsageError(fmt::format("--sim-days {} must be smaller than --days {}: the days before "
                                 "the simulation are the model's training history",
                                 args.sim_days, args.world.days));
  return config;
}

// Step 1's world, with what the summary reports of it: the legacy
// recommender's exposure and the dataset's stats, measured before the world
// moves into the simulator.
struct DemoWorld {
  SimulationWorld world;
  ExposureMetrics legacy;
  DatasetStats stats;
};

// Step 1: the synthetic world, saved to OUT/world.
DemoWorld generate_demo_world(const DemoArgs& args, const fs::path& out) {
  spdlog::info("demo 1/5: generating the synthetic world ({} users, {} items, {} publishers)",
               args.world.users, args.world.items, args.world.publishers);
  World generated = generate_world(args.world);
  save_world(generated, out / "world");
  const ExposureMetrics legacy = exposure_metrics(generated.exposures, generated.dataset.item_table);
  const DatasetStats stats = dataset_stats(generated.dataset);
  return {synthetic_world(std::move(generated)), legacy, stats};
}

// Steps 2 and 3: the model trained on the history before `start` (OUT/model),
// then the InvR job on the same history into a fresh store (OUT/store).
JobResult train_and_run_first_job(const DemoArgs& args, const SimulationConfig& config,
                                  const Dataset& history, double start, const fs::path& out) {
  spdlog::info("demo 2/5: training the two-tower model on the {} days before the simulation",
               args.world.days - args.sim_days);
  TrainOptions train_options;
  train_options.out_dir = out / "model";
  train_two_tower(history, config.model, train_options);

  spdlog::info("demo 3/5: the InvR job on the same history");
  const auto model = TwoTowerModel::load(out / "model");
  JobConfig job = config.job;
  job.job.as_of = start;
  job.retrieval.threads = job.inversion.threads = args.threads;
  fs::remove_all(out / "store");
  const auto store = open_store("rocksdb:" + (out / "store").string());
  JobInputs inputs;
  inputs.dataset = &history;
  inputs.model = model.get();
  inputs.model_version = model_version(out / "model");
  return run_job(inputs, job, store.get(), "demo-initial");
}

fs::path results_path(const fs::path& out) { return out / "simulation" / "results.json"; }
fs::path report_path(const fs::path& out) { return out / "report.html"; }

// Steps 4 and 5: the A/B simulation (OUT/simulation) and its report.
SimulationResult simulate_and_report(const DemoArgs& args, SimulationWorld& world,
                                     const SimulationConfig& config, const fs::path& out) {
  spdlog::info("demo 4/5: simulating {} days of A/B traffic", args.sim_days);
  SimulationOptions options;
  options.work_dir = out / "simulation" / "work";
  options.model_dir = out / "model";
  SimulationResult result = simulate(world, config, options);
  write_simulation_outputs(result, world, out / "simulation");

  spdlog::info("demo 5/5: writing the report");
  write_report(results_path(out), report_path(out));
  return result;
}

// OUT/demo_summary.json: the world, the legacy recommender's exposure, the
// first job, and where the results and the report are.
void write_demo_summary(const fs::path& out, const DemoWorld& demo, const JobResult& first_job) {
  const ExposureMetrics& legacy = demo.legacy;
  nlohmann::ordered_json summary = {
      {"world", (out / "world").string()},
      {"users", demo.stats.users},
      {"items", demo.stats.items},
      {"producers", demo.stats.producers},
      {"interactions", demo.stats.interactions},
      {"legacy",
       {{"impressions", legacy.impressions},
        {"clicks", legacy.clicks},
        {"ctr", legacy.ctr},
        {"psei", legacy.psei},
        {"items", concentration_json(legacy.items)},
        {"producers", concentration_json(legacy.producers)}}},
      {"initial_job", nlohmann::ordered_json::parse(job_summary_json(first_job))},
      {"results", results_path(out).string()},
      {"report", report_path(out).string()},
  };
  write_text_atomically(out / "demo_summary.json", summary.dump(2) + "\n");
}

// The headline on stdout: the legacy exposure, the simulation's summary table,
// invr-user-rank's main changes, and where everything is.
void print_demo_headline(const fs::path& out, const DemoWorld& demo,
                         const SimulationResult& result, double seconds) {
  const ExposureMetrics& legacy = demo.legacy;
  std::cout << fmt::format(
      "Synthetic world in {} ({} users, {} items, {} publishers)\n"
      "  Legacy recommender exposure by publisher: top-1% share {:.1f}%, bottom-50% share "
      "{:.1f}%, Gini {:.3f}\n",
      (out / "world").string(), demo.stats.users, demo.stats.items, demo.stats.producers,
      100 * legacy.producers.top1_share, 100 * legacy.producers.bottom50_share,
      legacy.producers.gini);
  std::cout << summary_text(result);
  for (const ArmResult& arm : result.main.arms) {
    if (arm.arm.name != "invr-user-rank") continue;
    const RelativeChange* b50 = find_change(arm, "producer_b50ps");
    const RelativeChange* psei = find_change(arm, "psei");
    // CTR's headline is the primary estimator (paired, else CUPED).
    const Effect& effect = arm.effects.ctr;
    const RelativeChange& ctr = effect.paired ? *effect.paired : effect.cuped;
    if (b50 && psei)
      std::cout << fmt::format(
          "invr-user-rank vs control: producer B50PS {:+.1f}%, PSEI {:+.1f}%, CTR {:+.1f}% "
          "({})\n",
          100 * b50->change, 100 * psei->change, 100 * ctr.change, arm.effects.primary);
  }
  std::cout << fmt::format("Report: {}\nResults: {}\nDone in {:.1f}s\n", report_path(out).string(),
                           results_path(out).string(), seconds);
}

int run_demo(const DemoArgs& args) {
  keep_freed_memory();  // the demo trains (allocator.h)
  const auto started = std::chrono::steady_clock::now();
  const fs::path out = args.out;
  const SimulationConfig config = demo_config(args);
  DemoWorld demo = generate_demo_world(args, out);
  const double start = demo.world.truth.end_time - static_cast<double>(args.sim_days) * 86400.0;
  const Dataset history = history_of(demo.world.dataset, start);
  const JobResult first_job = train_and_run_first_job(args, config, history, start, out);
  const SimulationResult result = simulate_and_report(args, demo.world, config, out);
  write_demo_summary(out, demo, first_job);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  print_demo_headline(out, demo, result, seconds);
  return 0;
}

std::function<int()> setup(CLI::App& app) {
  auto args = std::make_shared<DemoArgs>();
  app.add_option("--out", args->out, "Folder for the world and every artifact of the demo")
      ->capture_default_str();
  app.add_option("--sim-days", args->sim_days,
                 "Days at the end of the world replaced by the A/B simulation")
      ->capture_default_str();
  app.add_option("--sim-threads", args->threads,
                 "Threads of the job and the simulation; 0 = all cores (never changes results)")
      ->capture_default_str();
  add_world_options(app, args->world);
  return [args] { return run_demo(*args); };
}
}  // namespace

INVR_COMMAND("demo", "Run the main job end to end on the built-in synthetic world", setup);
}  // namespace invr::cli
