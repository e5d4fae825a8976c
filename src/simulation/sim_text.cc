// The table `invr simulate` and `invr demo` print: the paper's three metrics
// and CTR per arm, with the change against control and its 95% interval.
#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "invr/simulation.h"

namespace invr {
namespace {

std::string format_change(const RelativeChange& c) {
  if (!std::isfinite(c.change)) return "n/a (control is 0)";
  return fmt::format("{:+.1f}% [{:+.1f}, {:+.1f}]{}", 100 * c.change, 100 * c.ci_low,
                     100 * c.ci_high, c.significant ? "*" : "");
}

std::string percent_change(const ArmResult& arm, const char* key) {
  for (const auto& [name, c] : arm.relative)
    if (name == key) return format_change(c);
  return "";
}

void run_table(const RunResult& run, bool blocked, std::string& out) {
  // Arm names with knobs ("xquad:lambda=0.5") are longer than the usual 16.
  std::size_t width = 16;
  for (const ArmResult& arm : run.arms) width = std::max(width, arm.arm.name.size());
  out += fmt::format("{:<{}} {:>9} {:>6} {:>7} {:>8} {:>7} {:>7}   {:<24} {:<24} {:<26} {:<24}\n",
                     "arm", width, "impr.", "InvR%", "CTR%", "prodB50%", "prodT1%", "PSEI%",
                     "CTR paired [95% CI]", "CTR CUPED", "producer B50PS change", "PSEI change");
  for (const ArmResult& arm : run.arms) {
    const ArmExposure& t = arm.totals;
    const double invr_share =
        t.impressions ? 100.0 * static_cast<double>(arm.invr_impressions) / static_cast<double>(t.impressions) : 0.0;
    const bool invr = !arm.arm.is_control();
    const Effect& ctr = arm.effects.ctr;
    out += fmt::format("{:<{}} {:>9} {:>6.1f} {:>7.3f} {:>8.2f} {:>7.2f} {:>7.1f}   {:<24} {:<24} {:<26} {:<24}\n",
                       arm.arm.name, width, t.impressions, invr_share, 100 * t.ctr,
                       100 * t.producers.bottom50_share, 100 * t.producers.top1_share, t.psei,
                       invr && ctr.paired ? format_change(*ctr.paired) : "",
                       invr ? format_change(ctr.cuped) : "", percent_change(arm, "producer_b50ps"),
                       percent_change(arm, "psei"));
  }
  std::string ceilings;
  for (const ArmResult& arm : run.arms)
    if (!std::isnan(arm.psei_ceiling) && arm.invr_impressions > 0)
      ceilings += fmt::format("{}{} {:.1f}%", ceilings.empty() ? "" : ", ", arm.arm.name, arm.psei_ceiling);
  if (!ceilings.empty())
    out += fmt::format("PSEI ceiling at each arm's inserted impressions (no insertion policy exposes more; "
                       "control's counts as each item's own): {}\n",
                       ceilings);
  // Issue 19's comparison: each invr-target arm's treated items below the
  // threshold (100 - PSEI) against the first invr-user-rank arm's.
  const ArmResult* user_rank = run.first_arm(Ordering::user_rank);
  if (user_rank && user_rank->totals.psei < 100)
    for (const ArmResult& arm : run.arms)
      if (arm.arm.ordering == Ordering::target)
        out += fmt::format("{} leaves {:.1f}% of the treated items below the threshold: {:.2f}x {}'s {:.1f}%\n",
                           arm.arm.name, 100 - arm.totals.psei,
                           (100 - arm.totals.psei) / (100 - user_rank->totals.psei), user_rank->arm.name,
                           100 - user_rank->totals.psei);
  for (const ArmResult& arm : run.arms)
    if (const auto& d = arm.ctr_vs_user_rank; d && std::isfinite(d->difference))
      out += fmt::format("{}'s paired CTR change minus {}'s: {:+.2f} points [{:+.2f}, {:+.2f}]{}\n", arm.arm.name,
                         d->other, 100 * d->difference, 100 * d->ci_low, 100 * d->ci_high,
                         d->ci_high < 0 ? " (worse: the interval is below 0)" : "");
  const SrmCheck& srm = run.srm;
  // Visits per unit of weight: the hash balances users, not their activity,
  // and PSEI's fixed threshold follows an arm's traffic (docs/simulation.md).
  std::vector<std::uint64_t> visits;
  double most = 0, least = std::numeric_limits<double>::infinity();
  for (const ArmResult& arm : run.arms) {
    visits.push_back(arm.visits);
    const double per_weight = static_cast<double>(arm.visits) / arm.arm.weight;
    most = std::max(most, per_weight);
    least = std::min(least, per_weight);
  }
  out += fmt::format("sample ratio: users {} (p = {:.3g}), visiting {} (p = {:.3g}); visits {}{}{}\n",
                     fmt::join(srm.users.observed, "/"), srm.users.p_value,
                     fmt::join(srm.visiting_users.observed, "/"), srm.visiting_users.p_value,
                     fmt::join(visits, "/"), blocked ? " (users randomised in blocks of similar activity)" : "",
                     srm.flagged ? "  WARNING: sample ratio mismatch (p < 0.001); do not trust "
                                   "these arms' comparisons"
                                 : "");
  if (!blocked && least > 0 && most > 1.1 * least)
    out += fmt::format("note: the arms' visits per unit of weight differ by {:.0f}% (a few heavy users); "
                       "exposure metrics follow an arm's traffic, so compare arms with "
                       "--blocked-assignment true (docs/simulation.md, \"Blocked assignment\")\n",
                       100 * (most / least - 1));
  for (const ArmResult& arm : run.arms) {
    if (!arm.arm.is_control()) continue;
    const Trend& t = arm.ctr_trend;
    out += fmt::format("{} CTR: first 3 days {:.3f}%, last 3 {:.3f}% ({:+.1f}%), slope {:+.2f}% "
                       "per day [{:+.2f}, {:+.2f}]\n",
                       arm.arm.name, 100 * t.first3, 100 * t.last3, 100 * t.change,
                       100 * t.slope_per_day, 100 * t.ci_low, 100 * t.ci_high);
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
  if (result.config.params.assignment_truth)
    out += "DIAGNOSTIC: invr-target arms were assigned with the click truth (--assignment-truth), "
           "not the model: their figures are a ceiling, not a result (docs/assignment.md, \"The "
           "ceiling\")\n";
  const bool blocked = result.config.params.blocked_assignment;
  run_table(result.main, blocked, out);
  for (const RunResult& run : result.experiments) {
    out += fmt::format("\nExperiment {}: {} ({} treated items)\n", run.name, run.description,
                       run.treated.size());
    run_table(run, blocked, out);
  }
  out += "* the primary estimator's 95% interval excludes 0 (docs/simulation.md, \"Estimators\")\n";
  if (result.aa) {
    out += fmt::format("\nA/A: {} salts, {} comparisons; share of 95% intervals excluding 0 "
                       "(nominal 5%):\n",
                       result.aa->salts, result.aa->comparisons);
    for (std::size_t i = 0; i < result.aa->false_positive_rate.size(); ++i) {
      const auto& [name, rate] = result.aa->false_positive_rate[i];
      const std::size_t defined = result.aa->defined[i].second;
      if (defined == 0)
        out += fmt::format("  {:<24}   n/a (0 in control in every comparison)\n", name);
      else if (defined < result.aa->comparisons)
        out += fmt::format("  {:<24} {:5.1f}% (of the {} comparisons where control is not 0)\n",
                           name, 100 * rate, defined);
      else
        out += fmt::format("  {:<24} {:5.1f}%\n", name, 100 * rate);
    }
    out += fmt::format("  intervals out of range: {}; salts with SRM flagged: {}\n",
                       result.aa->out_of_range, result.aa->srm_flagged);
  }
  return out;
}

}  // namespace invr
