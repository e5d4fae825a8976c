// HTML pieces of the report page: escaping, tables and the page itself.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/report_json.h"
#include "report/report_results.h"

namespace invr::report {

// Text for HTML element content or a quoted attribute value.
std::string html_escape(std::string_view text);
// JSON to place inside <script type="application/json">: "<", ">" and "&" are
// written as \u003c, \u003e, \u0026, so no string can close the element or
// open a comment; JSON.parse reads the same values back.
std::string json_for_script(const Json& json);
// JavaScript source to place inside <script>: "</script" becomes "<\/script"
// and "<!--" becomes "<\!--" (the same string in JS literals and comments).
std::string js_for_script(std::string_view source);

// 1234567 -> "1,234,567"; non-integers keep one decimal.
std::string format_count(double x);

// Numbers (report_format.cc). A level in its unit: "6.24%" (a share), "6.2%"
// (PSEI), "1.62" (per user), "0.962" (Gini).
std::string format_level(Unit unit, double x);
// A relative change: "+1.8%", "-4.0%"; no decimals from +-100% on ("+742%").
std::string format_change(double fraction);
// Interval bounds in percent, signed: "[-4.9, +1.3]", "[+589, +1022]".
std::string format_interval(double low, double high);
// A difference in percentage points and its interval: {"+13.5 pp",
// "[+10.6, +15.2]"}; the interval "" without bounds. Decimals follow the
// largest magnitude shown: 2 below 10 points, 1 below 100, else none.
struct PointsText {
  std::string value;
  std::string interval;
};
PointsText format_points(double x, const std::optional<double>& low,
                         const std::optional<double>& high);
// "0.95", "0.0012", "3.2e-07".
std::string format_p_value(double p);
// "0.15% → 1.27%", or "" without both levels (version 1).
std::string levels_text(const Estimate& e, const RelativeMetric& metric);
// "+742% [+589, +1022]"; "n/a (control 0)" when the change is undefined.
std::string change_text(const Estimate& e);
// "0.15% → 1.27% (+742% [+589, +1022])": levels beside the change.
std::string estimate_text(const Estimate& e, const RelativeMetric& metric);
// A table cell: levels (when known), change and interval, shaded green or
// red when it counts: "significant" in version 2, an interval excluding 0
// in version 1. `note` (HTML) goes below, e.g. the estimator's name.
std::string estimate_cell(const Estimate& e, const RelativeMetric& metric,
                          std::string_view note = "");

// Tables (report_tables.cc). Cells are escaped; numbers formatted for people.
std::string arms_table(const Results& results);
// The paper's three metrics and CTR per arm, with relative changes and CIs.
// A non-null volume adds users (from its arms) and impressions columns.
// `relative` is what the Δ columns show (see display_changes).
std::string metrics_table(const std::vector<std::string>& arms,
                          const std::map<std::string, ArmTotals>& totals,
                          const std::map<std::string, Changes>& relative, const Results* volume);
std::string concentration_table(const Results& results);
std::string users_table(const Results& results);

// The changes the page shows per arm: `relative`, with CTR and clicks per
// user replaced by their primary estimate where `effects` has one (version
// 2), so every table and chart agrees with the headline.
std::map<std::string, Changes> display_changes(const std::map<std::string, Changes>& relative,
                                               const std::map<std::string, ArmEffects>& effects);

// Version 2 sections (report_sections.cc). Each returns "" when its data is
// absent.
// The warning block for a flagged SRM test (id: the element's id).
std::string srm_warning(const RunAnalysis& analysis, const std::string& id);
// One line: the SRM test's p-values and verdict.
std::string srm_summary(const Srm& srm);
// Observed against expected users and visiting users per arm.
std::string srm_table(const RunAnalysis& analysis);
// CTR and clicks per user per InvR arm: the primary estimate, CUPED and
// arm-level, each with the levels beside the change.
std::string headline_table(const std::vector<std::string>& arms,
                           const std::map<std::string, ArmEffects>& effects);
// The exposure metrics (every metric of "relative" but CTR and clicks per
// user), one row each, with levels beside the change.
std::string exposure_table(const std::vector<std::string>& arms,
                           const std::map<std::string, Changes>& relative);
// The A/A calibration: per-metric false-positive rates and the per-salt table.
std::string aa_section(const AaCalibration& aa);
// CTR of the first and last three days and the slope per day, per arm.
std::string trend_section(const Results& results);
// "How much to trust this" (report_trust.h makes the lines).
std::string trust_section(const Results& results);
// The oracle's kind and holdout fit, one sentence; "" for a synthetic world.
std::string oracle_sentence(const WorldInfo& world);

// A knob sweep (report_frontier.cc); callers check results.sweep first.
// The paragraph that opens the Frontier section: what the charts show.
std::string frontier_intro(const Results& results);
// The verdict rows: per CTR budget and metric, winner and runner-up with
// their changes and intervals, and whether the lead is outside both.
std::string verdict_table(const Sweep& sweep);
// The same rows as plain text with aligned columns and a title line; "" when
// the results have no sweep.
std::string verdict_text(const Results& results);

// The whole page (report_page.cc).
std::string render_page(const Results& results, std::string_view chartjs_source);

}  // namespace invr::report
