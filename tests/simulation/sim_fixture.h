// One tiny generated world and its truth model, shared by the simulator's
// tests (generated once per test binary).
#pragma once

#include <memory>

#include "sim_test_world.h"

namespace invr::test {

struct TinyWorld {
  SimulationWorld world;
  TempDir model_dir;
};

inline TinyWorld& tiny_world() {
  static std::unique_ptr<TinyWorld> shared = [] {
    Progress::set_enabled(false);
    auto w = std::make_unique<TinyWorld>();
    w->world = synthetic_world(generate_world(tiny_world_params()));
    write_truth_model(w->world.truth, w->model_dir.path());
    return w;
  }();
  return *shared;
}

// Simulates the tiny world with `config`, working files under `work`.
inline SimulationResult simulate_tiny(const SimulationConfig& config,
                                      const std::filesystem::path& work) {
  SimulationOptions options;
  options.work_dir = work;
  options.model_dir = tiny_world().model_dir.path();
  options.progress = false;
  return simulate(tiny_world().world, config, options);
}

}  // namespace invr::test
