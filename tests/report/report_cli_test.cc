// invr report on the command line: exit codes and messages.
#include <gtest/gtest.h>

#include <string>

#include "invr/report.h"
#include "sweep_fixture.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using test::count;

#define REQUIRE_CLI()             \
  if (!fs::exists(INVR_CLI_PATH)) \
  GTEST_SKIP() << "invr CLI not built at " << INVR_CLI_PATH << " (ninja invr_cli)"

// `invr report --results RESULTS` into tmp/report.html with a stub Chart.js
// (tmp/chart.js), so the page is small and its script recognisable.
test::CommandResult run_report(const test::TempDir& tmp, const fs::path& results) {
  test::write_file(tmp / "chart.js", "/* stub chart */");
  return test::run_cli("report --results " + results.string() + " --out " +
                       (tmp / "report.html").string() + " --chartjs " + (tmp / "chart.js").string());
}

TEST(ReportCli, WritesOnePage) {
  REQUIRE_CLI();
  test::TempDir tmp;
  const fs::path fixture = test::testdata_dir() / "simulation" / "results.json";
  const auto result = run_report(tmp, fixture);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("wrote " + (tmp / "report.html").string()), std::string::npos);
  const std::string html = test::read_file(tmp / "report.html");
  EXPECT_NE(html.find("/* stub chart */"), std::string::npos);
  EXPECT_NE(html.find("id=\"chart-lorenz\""), std::string::npos);
}

TEST(ReportCli, ReadsVersionTwo) {
  REQUIRE_CLI();
  test::TempDir tmp;
  const fs::path fixture = test::testdata_dir() / "simulation" / "results_v2.json";
  const auto result = run_report(tmp, fixture);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string html = test::read_file(tmp / "report.html");
  EXPECT_NE(html.find("id=\"headline\""), std::string::npos);
  EXPECT_NE(html.find("id=\"trust\""), std::string::npos);
}

TEST(ReportCli, SweepPrintsItsVerdictAfterTheWrite) {
  REQUIRE_CLI();
  test::TempDir tmp;
  test::write_file(tmp / "results.json", test::sweep_fixture().dump(1));
  const auto result = run_report(tmp, tmp / "results.json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto wrote = result.out.find("wrote " + (tmp / "report.html").string());
  const auto verdict = result.out.find("\nSweep verdict: invr-user-rank:n=50,100,200;");
  ASSERT_NE(wrote, std::string::npos) << result.out;
  ASSERT_NE(verdict, std::string::npos) << result.out;
  EXPECT_LT(wrote, verdict);
  // The same text as the library function's.
  EXPECT_EQ(
      result.out.substr(verdict + 1),
      sweep_verdict_text(test::read_file(tmp / "results.json"), (tmp / "results.json").string()));
  EXPECT_NE(test::read_file(tmp / "report.html").find("id=\"chart-frontier-psei\""),
            std::string::npos);
}

TEST(ReportCli, NoSweepNoVerdict) {
  REQUIRE_CLI();
  test::TempDir tmp;
  const fs::path fixture = test::testdata_dir() / "simulation" / "results_v2.json";
  const auto result = run_report(tmp, fixture);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find("Sweep verdict"), std::string::npos) << result.out;
  EXPECT_EQ(count(result.out, "\n"), 1);  // just "wrote ..."
}

TEST(ReportCli, BadVersionTwoValueExitsOneNamingTheKey) {
  REQUIRE_CLI();
  test::TempDir tmp;
  std::string text = test::read_file(test::testdata_dir() / "simulation" / "results_v2.json");
  const std::string from = "\"p_threshold\": 0.001";
  text.replace(text.find(from), from.size(), "\"p_threshold\": 5");
  test::write_file(tmp / "results.json", text);
  const auto result = run_report(tmp, tmp / "results.json");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find((tmp / "results.json").string() +
                            ": /srm/p_threshold: expected a number in (0, 1), found 5"),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(fs::exists(tmp / "report.html"));
}

TEST(ReportCli, MalformedResultsExitOneNamingTheKey) {
  REQUIRE_CLI();
  test::TempDir tmp;
  test::write_file(tmp / "results.json", R"({"format": "invr-simulation-results", "version": 1})");
  const auto result = run_report(tmp, tmp / "results.json");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find((tmp / "results.json").string() + ": /: missing key \"world\""),
            std::string::npos)
      << result.err;
  EXPECT_FALSE(fs::exists(tmp / "report.html"));
}

TEST(ReportCli, MissingResultsIsAUsageError) {
  REQUIRE_CLI();
  const auto result = test::run_cli("report --results /nonexistent/results.json --out /tmp/x.html");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("/nonexistent/results.json"), std::string::npos);
}

}  // namespace
}  // namespace invr
