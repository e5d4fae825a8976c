// A/A calibration (docs/simulation.md, "A/A"): the standard self-check of an
// experimentation platform. Every arm serves control, so the traffic does not
// depend on who is in which arm; one simulated run is therefore bucketed with
// K salts, and each salt's comparisons should exclude 0 about 5% of the time.
#include <cmath>

#include <fmt/format.h>

#include "invr/log.h"
#include "invr/progress.h"
#include "simulation/sim_assign.h"
#include "simulation/sim_summary.h"

namespace invr::simulation {

AaResult aa_calibration(const RunInputs& inputs) {
  RunInputs aa = inputs;
  aa.name = "aa";
  aa.work_dir = inputs.work_dir.parent_path() / "aa";
  for (Arm& arm : aa.config.experiment.arms) {
    arm.ordering.reset();
    arm.slots.clear();
    arm.method = ArmMethod::invr;
    arm.lambda = 0;
  }
  const SimulationParams& params = aa.config.params;
  invr::logger().info("simulate: A/A run ({} arms, all serving control) for {} salts",
                      aa.config.experiment.arms.size(), params.aa_salts);
  UserOutcomes outcomes;
  const RunResult run = simulate_traffic(aa, outcomes);
  const auto days = static_cast<std::size_t>(params.days);
  const UserPanel panel = build_panel(run.log, aa.start_time, days, outcomes);
  const ExposureScope scope = exposure_scope(run, aa.world->dataset, params);
  const Dataset& dataset = aa.world->dataset;
  const std::span<const Arm> arms = aa.config.experiment.arms;
  const Index control = control_arm(arms);

  AaResult result;
  result.salts = params.aa_salts;
  // Per metric, in first-seen order: how many intervals excluded 0.
  using Counts = std::vector<std::pair<std::string, std::size_t>>;
  auto add = [](Counts& into, const std::string& name, std::size_t n) {
    for (auto& [key, total] : into)
      if (key == name) {
        total += n;
        return;
      }
    into.emplace_back(name, n);
  };
  Counts excluding, defined;
  Progress progress("A/A salts", static_cast<std::uint64_t>(params.aa_salts), "salts");
  for (std::int64_t k = 0; k < params.aa_salts; ++k) {
    Experiment experiment = aa.config.experiment;
    experiment.salt = fmt::format("{}/aa{}", aa.config.experiment.salt, k);
    const ArmAssignment assigned =
        assign_arms(experiment, outcomes.activity, params.blocked_assignment,
                    [&](std::size_t u) { return dataset.users.id(static_cast<Index>(u)); });
    const std::vector<Index>& assignment = assigned.arm;
    AaResult::Salt salt;
    salt.salt = experiment.salt;
    const SrmCheck srm = srm_check(panel, assignment, arms);
    salt.srm_p = srm.users.p_value;
    result.srm_flagged += srm.flagged;
    for (std::size_t a = 0; a < arms.size(); ++a) {
      if (static_cast<Index>(a) == control) continue;
      const Comparison c = compare_arms(panel, assignment, static_cast<Index>(a), control, scope,
                                        params, assigned.block);
      ++result.comparisons;
      std::vector<std::pair<std::string, const RelativeChange*>> checked;
      for (const auto& [name, change] : c.relative) checked.emplace_back(name, &change);
      checked.emplace_back("ctr_cuped", &c.effects.ctr.cuped);
      checked.emplace_back("clicks_per_user_cuped", &c.effects.clicks_per_user.cuped);
      for (const auto& [name, change] : checked) {
        add(salt.excluding, name, excludes_zero(*change) ? 1 : 0);
        add(defined, name, std::isfinite(change->change) ? 1 : 0);
        result.out_of_range += !in_range(name, *change);
      }
    }
    for (const auto& [name, n] : salt.excluding) add(excluding, name, n);
    result.per_salt.push_back(std::move(salt));
    progress.add(1);
  }
  for (const auto& [name, n] : excluding) {
    std::size_t d = 0;
    for (const auto& [key, count] : defined)
      if (key == name) d = count;
    result.false_positive_rate.emplace_back(
        name, d ? static_cast<double>(n) / static_cast<double>(d) : std::nan(""));
    result.defined.emplace_back(name, d);
  }
  return result;
}

}  // namespace invr::simulation
