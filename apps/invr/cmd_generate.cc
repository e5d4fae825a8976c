// invr generate: writes a synthetic world (dataset, exposure log, ground truth).
#include <chrono>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "command.h"
#include "world_options.h"
#include "invr/error.h"
#include "invr/synth.h"

namespace {
namespace fs = std::filesystem;

int generate(const invr::WorldParams& params, const fs::path& out) {
  const auto start = std::chrono::steady_clock::now();
  invr::validate(params);  // before touching the disk
  invr::World world = invr::generate_world(params);
  invr::save_world(world, out);

  std::size_t clicks = 0;
  for (auto c : world.exposures.clicked) clicks += c;
  const auto shown = world.exposures.size();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("world: {} users, {} items, {} publishers, {} days, seed {}\n",
             world.truth.n_users(), world.truth.n_items(), world.truth.n_publishers(), params.days,
             params.seed);
  fmt::print("logs: {} impressions, {} clicks, CTR {:.2f}%\n", shown, clicks,
             shown ? 100.0 * static_cast<double>(clicks) / static_cast<double>(shown) : 0.0);
  fmt::print("wrote {}/world.{{inter,item,user,exposures,truth}} in {:.1f}s\n", out.string(), seconds);
  return 0;
}


// Every flag but --out comes from the one declaration in world_param_specs().
std::function<int()> setup(CLI::App& app) {
  auto params = std::make_shared<invr::WorldParams>();
  auto out = std::make_shared<std::string>();
  app.add_option("--out", *out,
                 "Output folder (created); gets world.inter, world.item, world.user, "
                 "world.exposures, world.truth")
      ->required();
  invr::cli::add_world_options(app, *params);
  return [params, out] { return generate(*params, *out); };
}
}  // namespace

INVR_COMMAND("generate",
             "Generate a synthetic world: popularity-biased logs plus ground truth "
             "(docs/synthetic_world.md)",
             setup);
