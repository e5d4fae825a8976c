// Readers of what results.json version 2 adds (docs/report.md, "Version 2"),
// used by read_results. Each checks ranges and consistency the page relies
// on and throws DataError naming the JSON path at fault.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "report/report_json.h"
#include "report/report_results.h"

namespace invr::report {

// Rounding slack for range checks: the simulator writes doubles.
inline constexpr double kSlack = 1e-9;

// A relative change (arm / control - 1): a number of at least -1, or null.
std::optional<double> relative_change(const Node& node);
// node's low_key and high_key: both numbers with low <= high, or both null;
// `relative`: each a relative change.
void read_interval(const Node& node, std::optional<double>& low, std::optional<double>& high,
                   bool relative, std::string_view low_key = "ci_low",
                   std::string_view high_key = "ci_high");

// An estimate object E of `metric`. `may_be_significant`: whether this is the
// primary estimator, the only one "significant" may be true on.
Estimate read_estimate(const Node& node, const RelativeMetric& metric, bool may_be_significant);
// relative.ARM: an E per known metric (the arm-level estimator, primary for
// every metric but ctr and clicks_per_user); unknown metrics are ignored.
Changes read_estimates(const Node& node);
// effects.ARM: the primary estimator's name and the three estimators of CTR
// and clicks per user.
ArmEffects read_arm_effects(const Node& node);
// srm, with per-arm lists of `arms` values (0: any length, as long as the
// lists agree).
Srm read_srm(const Node& node, std::size_t arms);
// trend.ARM (its "ctr" object).
Trend read_trend(const Node& node);
// aa, for a run with `treatment_arms` non-control arms.
AaCalibration read_aa(const Node& node, std::size_t treatment_arms);
// world.oracle; nullopt when absent or null (a synthetic world).
std::optional<Oracle> read_oracle(const Node& world);
// daily[i].producer_7d.
Concentration read_window(const Node& node);
// sweep, checked against the run's arms and estimates (read before it).
Sweep read_sweep(const Node& node, const Results& results);

}  // namespace invr::report
