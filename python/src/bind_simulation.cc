// invr.simulate: what `invr simulate` runs (cmd_simulate.cc), as one call;
// invr/__init__.py parses the results.json text it returns into a dict.
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <filesystem>
#include <string>

#include "arrays.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/job.h"
#include "invr/model_config.h"
#include "invr/progress.h"
#include "invr/simulation.h"
#include "settings_args.h"

namespace invr::python {
namespace {

struct SimulateArgs {
  std::string out, world, data, name, producer_column, model, arms, invr_slots, salt, job_config, model_config;
  // The experiment variants of `invr simulate` (--all-items, --cold-start,
  // --top-users-per-item, --slots), the same text.
  bool all_items = false;
  std::string cold_start_variants, top_users_variants, slot_variants;
  std::string sweep;  // --sweep
};

constexpr const char* kDefaultArms = "control,invr-random,invr-score,invr-user-rank";

std::string simulate_call(const SimulateArgs& args, const py::kwargs& settings) {
  if (args.world.empty() == args.data.empty())
    throw py::value_error("give exactly one of world= (a folder from `invr generate`) or data= (an "
                          "atomic dataset folder)");
  if (args.out.empty()) throw py::value_error("out: the output folder is required");
  SimulationConfig config;
  for (const auto& [key, value] : settings) {
    const auto name = key.cast<std::string>();
    if (!set_setting(simulation_param_specs(), config.params, name, value))
      throw py::value_error(fmt::format("simulate: unknown setting '{}' (the simulate settings of "
                                        "docs/simulation.md)", name));
  }
  check_settings(simulation_param_specs(), config.params);
  config.experiment = experiment_from_arms(args.arms, parse_slots(args.invr_slots, "invr_slots"), args.salt);
  if (!args.job_config.empty()) read_job_config(args.job_config, config.job);
  if (!args.sweep.empty()) {
    if (args.arms != kDefaultArms)
      throw py::value_error("give arms= or sweep=, not both: a sweep's arms are control and its points");
    apply_sweep(config, args.sweep, parse_slots(args.invr_slots, "invr_slots"), args.salt);
  }
  if (!args.model_config.empty()) {
    read_model_config(args.model_config, config.model);
    config.model.threads = 1;  // deterministic training, as the CLI
  }
  add_experiment_variants(config, {args.all_items, args.cold_start_variants, args.top_users_variants,
                                   args.slot_variants});
  validate(config);

  py::gil_scoped_release release;
  const std::filesystem::path out = args.out;
  SimulationOptions options;
  options.work_dir = out / "work";
  options.model_dir = args.model;
  options.progress = Progress::enabled();
  SimulationWorld world;
  if (!args.world.empty()) {
    world = load_synthetic_world(args.world);
  } else {
    AtomicLoadOptions load;
    load.producer_column = args.producer_column;
    load.cache = false;
    world = dataset_world(load_atomic(args.data, args.name, load), config, options.work_dir);
  }
  const SimulationResult result = simulate(world, config, options);
  write_simulation_outputs(result, world, out);
  return results_json(result);
}

}  // namespace

void bind_simulation(py::module_& m) {
  m.def("_simulate",
        [](const std::string& out, const std::string& world, const std::string& data, const std::string& name,
           const std::string& producer_column, const std::string& model, const std::string& arms,
           const std::string& invr_slots, const std::string& salt, const std::string& job_config,
           const std::string& model_config, bool all_items, const std::string& cold_start_variants,
           const std::string& top_users_variants, const std::string& slot_variants, const std::string& sweep,
           const py::kwargs& settings) {
          return simulate_call({out, world, data, name, producer_column, model, arms, invr_slots, salt,
                                job_config, model_config, all_items, cold_start_variants, top_users_variants,
                                slot_variants, sweep}, settings);
        },
        py::arg("out"), py::arg("world") = "", py::arg("data") = "", py::arg("name") = "",
        py::arg("producer_column") = AtomicLoadOptions{}.producer_column, py::arg("model") = "",
        py::arg("arms") = kDefaultArms, py::arg("invr_slots") = "3,8",
        py::arg("salt") = "invr", py::arg("job_config") = "", py::arg("model_config") = "",
        py::arg("all_items") = false, py::arg("cold_start_variants") = "", py::arg("top_users_variants") = "",
        py::arg("slot_variants") = "", py::arg("sweep") = "",
        "Runs `invr simulate`; returns results.json's text (see invr.simulate).");
}

}  // namespace invr::python
