// results.json (docs/simulation.md): format "invr-simulation-results",
// version 1. Only results and settings go in, never timings, so the same
// seed gives the same bytes.
#include <nlohmann/json.hpp>

#include "invr/atomic_file.h"
#include "invr/exposure_log.h"
#include "invr/simulation.h"

namespace invr {
namespace {
using Json = nlohmann::ordered_json;

// Every field of a declared settings table, by its snake_case name.
template <class Specs, class Params>
Json table(const Specs& specs, const Params& params) {
  Json out = Json::object();
  for (const auto& spec : specs)
    std::visit([&](auto member) { out[spec.name] = params.*member; }, spec.field);
  return out;
}

Json concentration_json(const Concentration& c) {
  return {{"b50ps", c.bottom50_share},
          {"t1ps", c.top1_share},
          {"gini", c.gini},
          {"coverage", c.coverage},
          {"count", c.entities}};
}

Json exposure_json(const ArmExposure& e) {
  return {{"impressions", e.impressions},
          {"clicks", e.clicks},
          {"ctr", e.ctr},
          {"psei", e.psei},
          {"treated_items", e.treated_items},
          {"item", concentration_json(e.items)},
          {"producer", concentration_json(e.producers)}};
}

Json histogram_json(const Histogram& h) { return {{"edges", h.edges}, {"counts", h.counts}}; }

Json relative_json(const ArmResult& arm) {
  Json out = Json::object();
  for (const auto& [name, c] : arm.relative)
    out[name] = {{"change", c.change}, {"ci_low", c.ci_low}, {"ci_high", c.ci_high}};
  return out;
}

Json arm_json(const Arm& arm) {
  return {{"name", arm.name},
          {"ordering", arm.ordering ? Json(ordering_name(*arm.ordering)) : Json(nullptr)},
          {"slots", arm.slots},
          {"weight", arm.weight}};
}

Json arm_json(const ArmResult& arm) {
  Json out = arm_json(arm.arm);
  out["users"] = arm.users;
  out["visiting_users"] = arm.visiting_users;
  out["visits"] = arm.visits;
  out["invr_impressions"] = arm.invr_impressions;
  return out;
}

// totals and relative of a run, keyed by arm name.
void run_tables(const RunResult& run, Json& totals, Json& relative) {
  totals = Json::object();
  relative = Json::object();
  for (const ArmResult& arm : run.arms) {
    totals[arm.arm.name] = exposure_json(arm.totals);
    if (arm.arm.ordering) relative[arm.arm.name] = relative_json(arm);
  }
}

Json run_json(const RunResult& run) {
  std::uint64_t impressions = 0;
  for (const ArmResult& arm : run.arms) impressions += arm.totals.impressions;
  return {{"job_runs", run.job_runs},
          {"job_failures", run.job_failures},
          {"retrains", run.retrains},
          {"treated_items", run.treated.size()},
          {"population_items", run.population.size()},
          {"impressions", impressions}};
}

Json config_json(const SimulationResult& r) {
  const SimulationConfig& c = r.config;
  Json arms = Json::array();
  for (const Arm& arm : c.experiment.arms) arms.push_back(arm_json(arm));
  Json experiments = Json::array();
  for (const auto& v : c.experiments) experiments.push_back(v.name);
  // Threads change speed only; leaving them out keeps results.json
  // byte-identical at any thread count.
  Json simulation = table(simulation_param_specs(), c.params);
  simulation.erase("threads");
  simulation["timeline"] = c.params.timeline;
  return {{"simulation", simulation},
          {"experiment", {{"salt", c.experiment.salt}, {"arms", arms}}},
          {"job",
           {{"selection", table(selection_param_specs(), c.job.selection)},
            {"retrieval", table(retrieval_settings_specs(), c.job.retrieval)},
            {"inversion", table(inversion_param_specs(), c.job.inversion)},
            {"job", table(job_settings_specs(), c.job.job)}}},
          {"slate", table(slate_param_specs(), c.slate)},
          {"model", table(model_config_specs(), c.model)},
          {"experiments", experiments}};
}
}  // namespace

std::string results_json(const SimulationResult& r) {
  const RunResult& main = r.main;
  Json out;
  out["format"] = "invr-simulation-results";
  out["version"] = 1;
  out["config"] = config_json(r);
  out["world"] = {{"kind", r.world_kind},
                  {"name", r.world_name},
                  {"users", r.users},
                  {"items", r.items},
                  {"producers", r.producers},
                  {"timeline", r.world_timeline},
                  {"days", r.config.params.days},
                  {"start_time", r.start_time},
                  {"population_items", main.population.size()}};
  out["arms"] = Json::array();
  for (const ArmResult& arm : main.arms) out["arms"].push_back(arm_json(arm));
  run_tables(main, out["totals"], out["relative"]);
  // relative sits after daily in the documented shape; keep totals first.
  Json relative = std::move(out["relative"]);
  out.erase("relative");
  out["daily"] = Json::array();
  for (std::size_t d = 0; d < static_cast<std::size_t>(r.config.params.days); ++d) {
    for (const ArmResult& arm : main.arms) {
      Json day = {{"day", d}, {"arm", arm.arm.name}};
      day.update(exposure_json(arm.daily[d]));
      out["daily"].push_back(day);
    }
  }
  out["relative"] = std::move(relative);
  out["lorenz"] = Json::object();
  out["treated_exposure_histogram"] = Json::object();
  out["users"] = Json::object();
  for (const ArmResult& arm : main.arms) {
    out["lorenz"][arm.arm.name] = {{"x", arm.lorenz_x}, {"y", arm.lorenz_y}};
    out["treated_exposure_histogram"][arm.arm.name] = histogram_json(arm.treated_exposure);
    if (!arm.arm.ordering) continue;
    out["users"][arm.arm.name] = {{"ctr_change_histogram", histogram_json(arm.ctr_change)},
                                  {"share_lost_relevance", arm.share_lost_relevance},
                                  {"expected_ctr_change", arm.expected_ctr_change}};
  }
  out["run"] = run_json(main);
  out["experiments"] = Json::array();
  for (const RunResult& run : r.experiments) {
    Json e = {{"name", run.name}, {"description", run.description}};
    run_tables(run, e["totals"], e["relative"]);
    Json relative_first = {{"name", run.name},
                           {"description", run.description},
                           {"relative", e["relative"]},
                           {"totals", e["totals"]},
                           {"arms", Json::array()},
                           {"run", run_json(run)}};
    for (const ArmResult& arm : run.arms) relative_first["arms"].push_back(arm_json(arm));
    out["experiments"].push_back(std::move(relative_first));
  }
  return out.dump(1) + "\n";
}

void write_simulation_outputs(const SimulationResult& result, const SimulationWorld& world,
                              const std::filesystem::path& out_dir) {
  std::filesystem::create_directories(out_dir);
  write_text_atomically(out_dir / "results.json", results_json(result));
  write_exposure_log(out_dir / "exposures.tsv", result.main.log, world.dataset.items);
}

}  // namespace invr
