// Readers of what results.json version 2 adds (docs/report.md, "Version 2"),
// used by read_results. Each checks ranges and consistency the page relies
// on and throws DataError naming the JSON path at fault.
#pragma once

#include <cstddef>
#include <optional>

#include "report/report_json.h"
#include "report/report_results.h"

namespace invr::report {

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

}  // namespace invr::report
