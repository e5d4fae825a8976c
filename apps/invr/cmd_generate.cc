// invr generate: writes a synthetic world (dataset, exposure log, ground truth).
#include <chrono>
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/exposure_log.h"
#include "invr/synth.h"

namespace {
namespace fs = std::filesystem;

std::string flag_name(const char* snake) {
  std::string out = "--";
  for (const char* c = snake; *c; ++c) out += *c == '_' ? '-' : *c;
  return out;
}

int generate(const invr::WorldParams& params, const fs::path& out) {
  const auto start = std::chrono::steady_clock::now();
  invr::validate(params);  // before touching the disk
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec) throw invr::IoError(fmt::format("{}: cannot create folder: {}", out.string(), ec.message()));

  invr::World world = invr::generate_world(params);
  spdlog::info("writing {}", out.string());
  invr::save_atomic(world.dataset, out, "world");
  invr::write_exposure_log(out / "world.exposures", world.exposures, world.dataset.items);
  invr::save_truth(world.truth, out / "world.truth");

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
  for (const auto& spec : invr::world_param_specs()) {
    std::visit(
        [&](auto member) {
          auto& value = (*params).*member;
          app.add_option(flag_name(spec.name), value, spec.help)
              ->default_str(fmt::format("{}", value));
        },
        spec.field);
  }
  return [params, out] { return generate(*params, *out); };
}
}  // namespace

INVR_COMMAND("generate",
             "Generate a synthetic world: popularity-biased logs plus ground truth "
             "(docs/synthetic_world.md)",
             setup);
