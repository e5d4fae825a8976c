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

// Simulates the tiny world with `config` twice, in fresh folders, and writes
// both outputs; `results` gets the first results.json and `same` whether the
// second's is byte-identical (the determinism every caller asserts).
struct TwoRuns {
  SimulationResult first;
  std::string results;
  bool same = false;
};
inline TwoRuns simulate_tiny_twice(const SimulationConfig& config) {
  TempDir a, b;
  TwoRuns out;
  out.first = simulate_tiny(config, a / "work");
  const SimulationResult second = simulate_tiny(config, b / "work");
  write_simulation_outputs(out.first, tiny_world().world, a / "out");
  write_simulation_outputs(second, tiny_world().world, b / "out");
  out.results = read_file(a / "out/results.json");
  out.same = out.results == read_file(b / "out/results.json");
  return out;
}

}  // namespace invr::test
