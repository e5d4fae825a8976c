// The table `invr simulate` and `invr demo` print: the paper's three metrics
// and CTR per arm, with the change against control and its 95% interval.
#include <cmath>

#include <fmt/format.h>

#include "invr/simulation.h"

namespace invr {
namespace {

std::string percent_change(const ArmResult& arm, const char* key) {
  for (const auto& [name, c] : arm.relative) {
    if (name != key) continue;
    if (!std::isfinite(c.change)) return "n/a (control is 0)";
    return fmt::format("{:+.1f}% [{:+.1f}, {:+.1f}]", 100 * c.change, 100 * c.ci_low,
                       100 * c.ci_high);
  }
  return "";
}

void run_table(const RunResult& run, std::string& out) {
  out += fmt::format("{:<16} {:>9} {:>6} {:>7} {:>8} {:>7} {:>7}   {:<24} {:<24} {:<24}\n",
                     "arm", "impr.", "InvR%", "CTR%", "prodB50%", "prodT1%", "PSEI%",
                     "CTR change [95% CI]", "producer B50PS change", "PSEI change");
  for (const ArmResult& arm : run.arms) {
    const ArmExposure& t = arm.totals;
    const double invr_share =
        t.impressions ? 100.0 * static_cast<double>(arm.invr_impressions) / static_cast<double>(t.impressions) : 0.0;
    out += fmt::format("{:<16} {:>9} {:>6.1f} {:>7.3f} {:>8.2f} {:>7.2f} {:>7.1f}   {:<24} {:<24} {:<24}\n",
                       arm.arm.name, t.impressions, invr_share, 100 * t.ctr,
                       100 * t.producers.bottom50_share, 100 * t.producers.top1_share, t.psei,
                       percent_change(arm, "ctr"), percent_change(arm, "producer_b50ps"),
                       percent_change(arm, "psei"));
  }
}
}  // namespace

std::string summary_text(const SimulationResult& result) {
  std::string out = fmt::format(
      "Simulated {} days of {} ({} users, {} items, {} producers; {} timeline); {} treated "
      "items, PSEI threshold {} impressions per arm\n",
      result.config.params.days, result.world_name, result.users, result.items, result.producers,
      result.world_timeline.empty() ? "generated" : result.world_timeline,
      result.main.treated.size(), result.config.params.sufficient_impressions);
  run_table(result.main, out);
  for (const RunResult& run : result.experiments) {
    out += fmt::format("\nExperiment {}: {} ({} treated items)\n", run.name, run.description,
                       run.treated.size());
    run_table(run, out);
  }
  return out;
}

}  // namespace invr
