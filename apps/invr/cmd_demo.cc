// invr demo: the main job end to end on the built-in synthetic world.
// Today: generate the world, describe it, and measure the exposure the
// legacy popularity-biased recommender gave each producer. Later stages
// (train, inverse-retrieval job, simulation, report) append their steps here.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/atomic_file.h"
#include "invr/error.h"
#include "invr/metrics.h"
#include "invr/stats.h"
#include "invr/synth.h"
#include "world_options.h"

namespace invr::cli {
namespace {
namespace fs = std::filesystem;

nlohmann::ordered_json concentration_json(const Concentration& c) {
  return {{"count", c.entities}, {"b50ps", c.bottom50_share}, {"t1ps", c.top1_share},
          {"gini", c.gini},      {"coverage", c.coverage}};
}

int run_demo(const WorldParams& params, const fs::path& out) {
  const auto start = std::chrono::steady_clock::now();
  validate(params);
  spdlog::info("demo 1/3: generating the synthetic world ({} users, {} items, {} publishers)",
               params.users, params.items, params.publishers);
  World world = generate_world(params);
  save_world(world, out);

  spdlog::info("demo 2/3: dataset statistics");
  const DatasetStats stats = dataset_stats(world.dataset);

  spdlog::info("demo 3/3: exposure metrics of the legacy recommender's logs");
  const ExposureMetrics legacy = exposure_metrics(world.exposures, world.dataset.item_table);

  nlohmann::ordered_json summary = {
      {"world", out.string()},
      {"users", stats.users},
      {"items", stats.items},
      {"producers", stats.producers},
      {"interactions", stats.interactions},
      {"legacy",
       {{"impressions", legacy.impressions},
        {"clicks", legacy.clicks},
        {"ctr", legacy.ctr},
        {"psei", legacy.psei},
        {"items", concentration_json(legacy.items)},
        {"producers", concentration_json(legacy.producers)}}},
  };
  const fs::path summary_path = out / "demo_summary.json";
  write_text_atomically(summary_path, summary.dump(2) + "\n");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << fmt::format(
      "Synthetic world in {} ({:.1f}s)\n"
      "  {} users, {} items, {} publishers, {} impressions, CTR {:.2f}%\n"
      "  Legacy recommender exposure by publisher: top-1% share {:.1f}%, bottom-50% share {:.1f}%, "
      "Gini {:.3f}\n"
      "  Items with >= 100 impressions (PSEI): {:.1f}%\n"
      "Summary: {}\n",
      out.string(), seconds, stats.users, stats.items, stats.producers, legacy.impressions,
      100 * legacy.ctr, 100 * legacy.producers.top1_share, 100 * legacy.producers.bottom50_share,
      legacy.producers.gini, legacy.psei, summary_path.string());
  return 0;
}

std::function<int()> setup(CLI::App& app) {
  auto params = std::make_shared<WorldParams>();
  auto out = std::make_shared<std::string>("out/demo");
  app.add_option("--out", *out, "Folder for the world and every artifact of the demo")
      ->capture_default_str();
  add_world_options(app, *params);
  return [params, out] { return run_demo(*params, *out); };
}
}  // namespace

INVR_COMMAND("demo", "Run the main job end to end on the built-in synthetic world", setup);
}  // namespace invr::cli
