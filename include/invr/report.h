// The A/B simulation report: one self-contained HTML page made from the
// simulator's results.json (format "invr-simulation-results", version 2 or
// 1; docs/report.md lists every key the report reads).
//
// Contract:
//  - The page works offline: Chart.js is inlined from Debian's libjs-chart.js
//    file, the results are inlined as JSON, and nothing is fetched at view time
//    (no network, no web fonts).
//  - Every chart is drawn by Chart.js; confidence-interval whiskers are a small
//    inline Chart.js plugin drawing on the chart's canvas.
//  - Text from results.json (arm and experiment names, descriptions, config) is
//    escaped for HTML, and the inlined JSON is escaped so that "</script>" or
//    "<!--" in a name cannot end or change a <script> element.
//  - Optional sections (lorenz, treated_exposure_histogram, users,
//    experiments, sweep) that are absent just leave out their chart; unknown
//    keys are ignored.
//  - A malformed results file throws DataError naming the file and the JSON
//    path at fault (for example "/totals/control/ctr: expected a number");
//    invalid JSON names the 1-based line and column.
//  - Pure functions of their inputs; safe to call from several threads.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace invr {

struct ReportOptions {
  // Chart.js UMD file to inline. Empty: $INVR_CHARTJS if set, else the file
  // found at configure time (/usr/share/javascript/chart.js/chart.min.js).
  std::filesystem::path chartjs;
};

// The Chart.js file write_report() would inline. IoError, saying how to
// install it, when it does not exist.
std::filesystem::path chartjs_path(const ReportOptions& options = {});

// Reads results_json, renders the page and writes it atomically to html_out.
// DataError for a malformed results file; IoError for unreadable or
// unwritable files and a missing Chart.js.
void write_report(const std::filesystem::path& results_json, const std::filesystem::path& html_out);
void write_report(const std::filesystem::path& results_json, const std::filesystem::path& html_out,
                  const ReportOptions& options);

// The page as a string: results_text is the content of results.json (named
// results_name in error messages), chartjs_source the Chart.js code to inline.
std::string render_report(std::string_view results_text, const std::string& results_name,
                          std::string_view chartjs_source);

// A knob sweep's verdict (results.json version 2, "sweep") as plain text:
// a title line, then one aligned row per CTR budget and metric with the
// winner, the runner-up of another method, their differences from control
// in the metric (arm - control in percentage points, the scale the
// simulator ranks on; the winner's levels control -> arm beside it) and
// their relative CTR changes, all with 95% intervals, and whether the lead
// is outside both difference intervals. ""
// when the results have no sweep. The whole file is checked as for
// render_report (DataError naming results_name and the JSON path).
std::string sweep_verdict_text(std::string_view results_text, const std::string& results_name);

}  // namespace invr
