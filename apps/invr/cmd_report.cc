// invr report: the A/B simulation's results.json as one self-contained HTML page.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <memory>
#include <string>

#include "command.h"
#include "invr/error.h"
#include "invr/read_file.h"
#include "invr/report.h"

namespace invr::cli {
namespace {
namespace fs = std::filesystem;

struct ReportArgs {
  std::string results;
  std::string out = "report.html";
  std::string chartjs;
};

int run_report(const ReportArgs& args) {
  std::error_code ec;
  if (!fs::is_regular_file(args.results, ec))
    throw UsageError(fmt::format("--results {}: no such file", args.results));
  ReportOptions options;
  options.chartjs = args.chartjs;
  spdlog::info("report: inlining Chart.js from {}", chartjs_path(options).string());
  write_report(args.results, args.out, options);
  fmt::print("wrote {} ({} KiB, works offline)\n", args.out, fs::file_size(args.out) / 1024);
  // A sweep's verdict, also on the terminal (the page has it with the charts).
  const std::string verdict =
      sweep_verdict_text(read_whole_file(args.results, "the simulation results"), args.results);
  if (!verdict.empty()) fmt::print("\n{}", verdict);
  return 0;
}

std::function<int()> setup_report(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  app.footer(
      "The page opens with a sample-ratio warning when arms are unbalanced, the headline\n"
      "effects (paired counterfactual, CUPED, arm-level) with levels beside every change, and a\n"
      "'How much to trust this' box; then the SRM and A/A checks, the control CTR trend,\n"
      "Lorenz curves of producer exposure, relative changes with 95% CIs, metrics over days,\n"
      "treated-item exposure, user-side effects and one section per experiment (docs/report.md).\n"
      "A sweep run (invr simulate --sweep) adds a Frontier section (each exposure metric as\n"
      "arm - control in percentage points against the relative CTR change), and its verdict\n"
      "table is printed after the page is written.\n"
      "Chart.js comes from Debian's libjs-chart.js; INVR_CHARTJS or --chartjs overrides it.\n"
      "Example: invr report --results sim/results.json --out sim/report.html");
  app.add_option("--results", args->results, "results.json written by invr simulate")->required();
  app.add_option("--out", args->out, "HTML file to write")->capture_default_str();
  app.add_option("--chartjs", args->chartjs,
                 "Chart.js UMD file to inline (default: $INVR_CHARTJS, else the file found at "
                 "configure time)");
  return [args] { return run_report(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("report", "Self-contained HTML report of an A/B simulation's results.json",
             invr::cli::setup_report);
