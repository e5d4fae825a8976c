// Chart specifications for the report page: plain JSON the page's script
// turns into Chart.js charts (report_script.cc). Values are already in the
// unit the axis shows (percent where the axis says %), so the script does no
// arithmetic beyond laying out bins.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "report/report_json.h"
#include "report/report_results.h"

namespace invr::report {

// One colour per arm for the whole page; control is grey, treatment arms
// take a colour-blind-safe palette in the order they are first asked for.
class ArmColors {
 public:
  explicit ArmColors(const Results& results);
  const std::string& of(const std::string& arm);

 private:
  std::map<std::string, std::string> colors_;
  std::size_t next_ = 0;
};

// Each returns {"kind": ..., ...}; the caller adds "canvas" and "title".
// Lorenz curves of producer exposure, one per arm, plus the equality line.
Json lorenz_chart(const Results& results, ArmColors& colors);
// One metric's relative change (percent) as one bar per arm with CI
// whiskers; null when no arm reports the metric. One chart per metric, so
// each gets its own scale (a -2% CTR change stays visible next to +50% PSEI).
Json relative_chart(const std::vector<std::string>& arms,
                    const std::map<std::string, Changes>& relative, const RelativeMetric& metric,
                    ArmColors& colors);
// A sweep's frontier for results.sweep->metrics[metric]: x = the CTR change
// (the sweep's CTR estimator, percent), y = the metric's difference arm -
// control in percentage points (the simulator's scale for dominance and the
// verdict), each with its interval, and the relative change (percent, or
// null) for the tooltip; one series per method (its own colour), points in
// knob order and labelled with the knob value, `dominated` flagged; control
// at (0, 0); the verdict's CTR budgets as percent. A point whose CTR change
// or metric difference is null is left off and described in `left_off`
// ("ARM: why"). Null when no point is left.
Json frontier_chart(const Results& results, std::size_t metric, std::vector<std::string>& left_off);
// Whether every daily row has its 7-day producer window (version 2).
bool has_producer_window(const Results& results);
// A daily metric per arm: "ctr", "producer_b50ps" or "psei". Producer B50PS
// is over the 7-day window ending each day when has_producer_window(): a
// single day's impressions reach too few producers for a bottom half.
Json daily_chart(const Results& results, const std::string& metric, ArmColors& colors);
// Histograms, one series per arm, all with the same axis titles.
Json histogram_chart(const std::vector<std::pair<std::string, const Histogram*>>& series,
                     const std::string& x_title, const std::string& y_title, ArmColors& colors);

}  // namespace invr::report
