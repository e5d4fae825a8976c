#include "invr/report.h"

#include <fmt/format.h>

#include <cstdlib>

#include "invr/atomic_file.h"
#include "invr/error.h"
#include "invr/read_file.h"
#include "report/report_html.h"
#include "report/report_results.h"

#ifndef INVR_CHARTJS_PATH
#define INVR_CHARTJS_PATH ""
#endif

namespace invr {
namespace fs = std::filesystem;

fs::path chartjs_path(const ReportOptions& options) {
  std::string source;
  fs::path path;
  if (!options.chartjs.empty()) {
    path = options.chartjs;
    source = "given explicitly";
  } else if (const char* env = std::getenv("INVR_CHARTJS"); env && *env) {
    path = env;
    source = "from $INVR_CHARTJS";
  } else {
    // CMake's find_file leaves "...-NOTFOUND" when the package was absent at configure time.
    path = INVR_CHARTJS_PATH;
    source = "found when invr was configured";
    if (path.empty() || path.string().find("NOTFOUND") != std::string::npos)
      throw IoError(
          "Chart.js not found: the report inlines Chart.js from Debian's libjs-chart.js "
          "(/usr/share/javascript/chart.js/chart.min.js), which was not installed when invr "
          "was configured; install it (scripts/install-deps.sh) and reconfigure, or set "
          "INVR_CHARTJS to a Chart.js UMD file");
  }
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw IoError(
        fmt::format("{}: Chart.js not found ({}); install Debian's libjs-chart.js "
                    "(scripts/install-deps.sh) or set INVR_CHARTJS to a Chart.js UMD file such as "
                    "/usr/share/javascript/chart.js/chart.min.js",
                    path.string(), source));
  return path;
}

std::string render_report(std::string_view results_text, const std::string& results_name,
                          std::string_view chartjs_source) {
  const report::Results results = report::read_results(results_text, results_name);
  return report::render_page(results, chartjs_source);
}

std::string sweep_verdict_text(std::string_view results_text, const std::string& results_name) {
  return report::verdict_text(report::read_results(results_text, results_name));
}

void write_report(const fs::path& results_json, const fs::path& html_out) {
  write_report(results_json, html_out, ReportOptions{});
}

void write_report(const fs::path& results_json, const fs::path& html_out,
                  const ReportOptions& options) {
  // Resolve Chart.js first: a missing package should not wait for a big parse.
  const fs::path chartjs = chartjs_path(options);
  const std::string results_text = read_whole_file(results_json, "the simulation results");
  const std::string chartjs_source = read_whole_file(chartjs, "Chart.js");
  const std::string html = render_report(results_text, results_json.string(), chartjs_source);
  write_text_atomically(html_out, html);
}

}  // namespace invr
