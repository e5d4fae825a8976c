// The report in a real browser: headless Chromium renders the fixture's page
// with no console errors, every chart draws, and a screenshot is kept.
// The page's own script records window errors, console.error and console.warn
// in the DOM (#report-errors, data-errors) and counts drawn charts in
// #report-status, so --dump-dom shows the outcome.
#include "invr/report.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <regex>
#include <string>

#include "invr/error.h"
#include "report/report_json.h"
#include "sweep_fixture.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

std::optional<fs::path> find_chromium() {
  if (const char* env = std::getenv("INVR_CHROMIUM"); env && *env) return fs::path(env);
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (fs::exists(candidate)) return fs::path(candidate);
  return std::nullopt;
}

// Where the screenshot and page stay after the test: $INVR_TEST_OUTPUT_DIR,
// else test_output/simulation under the working directory (the build tree
// when run by ctest).
fs::path output_dir() {
  const char* env = std::getenv("INVR_TEST_OUTPUT_DIR");
  fs::path dir = env && *env ? fs::path(env) : fs::current_path() / "test_output" / "simulation";
  fs::create_directories(dir);
  return fs::absolute(dir);
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class ReportBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto chromium = find_chromium();
    if (!chromium)
      GTEST_SKIP() << "chromium not found at /usr/bin/chromium (install Debian's chromium, as "
                      "scripts/install-deps.sh does, or set INVR_CHROMIUM)";
    chromium_ = *chromium;
    try {
      chartjs_path();
    } catch (const IoError& e) {
      GTEST_SKIP() << "Chart.js not available: " << e.what();
    }
  }

  // Runs headless Chromium on `page` with extra flags; stdout into `out`.
  int run_chromium(const fs::path& page, const std::string& flags, const fs::path& out) {
    // A private profile, so parallel runs do not fight over one.
    const std::string command =
        "timeout 120 " + quote(chromium_.string()) +
        " --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars"
        " --user-data-dir=" +
        quote((tmp_ / "profile").string()) + " --virtual-time-budget=5000 " + flags + " " +
        quote("file://" + page.string()) + " >" + quote(out.string()) + " 2>>" +
        quote((tmp_ / "chromium.log").string());
    return std::system(command.c_str());
  }

  struct Status {
    std::string ready, expected, drawn, errors, error_list;
  };

  // Loads `page`, dumps its DOM after the scripts ran and, if `screenshot` is
  // given, saves a 1200x3000 PNG of it from the same load.
  Status render_and_read(const fs::path& page, const fs::path& screenshot = {}) {
    const fs::path dom = tmp_ / "dom.html";
    std::string flags = "--dump-dom";
    if (!screenshot.empty())
      flags += " --window-size=1200,3000 --screenshot=" + quote(screenshot.string());
    EXPECT_EQ(run_chromium(page, flags, dom), 0) << test::read_file(tmp_ / "chromium.log");
    // Chromium builds that take one action per run: take the picture on its own.
    if (!screenshot.empty() && !fs::exists(screenshot)) {
      EXPECT_EQ(
          run_chromium(page, "--window-size=1200,3000 --screenshot=" + quote(screenshot.string()),
                       tmp_ / "screenshot.out"),
          0);
    }
    const std::string html = test::read_file(dom);
    Status status;
    std::smatch m;
    const std::regex element("<div id=\"report-status\"([^>]*)>");
    if (!std::regex_search(html, m, element)) {
      ADD_FAILURE() << "no #report-status in the DOM dump:\n" << html.substr(0, 2000);
      return status;
    }
    const std::string attributes = m[1];
    auto attribute = [&](const std::string& name) {
      std::smatch a;
      const std::regex re(name + "=\"([^\"]*)\"");
      return std::regex_search(attributes, a, re) ? std::string(a[1]) : std::string("(absent)");
    };
    status.ready = attribute("data-ready");
    status.expected = attribute("data-charts-expected");
    status.drawn = attribute("data-charts-drawn");
    status.errors = attribute("data-errors");
    const auto list = html.find("<ul id=\"report-errors\"");
    if (list != std::string::npos)
      status.error_list = html.substr(list, html.find("</ul>", list) + 5 - list);
    dom_ = html;
    return status;
  }

  fs::path chromium_;
  test::TempDir tmp_;
  std::string dom_;
};

TEST_F(ReportBrowserTest, FixtureRendersEveryChartWithoutErrors) {
  const fs::path out = output_dir();
  const fs::path page = out / "report.html";
  write_report(test::testdata_dir() / "simulation" / "results.json", page);

  const fs::path screenshot = out / "report.png";
  fs::remove(screenshot);
  const Status status = render_and_read(page, screenshot);
  EXPECT_EQ(status.errors, "0") << status.error_list;
  EXPECT_EQ(status.error_list, "<ul id=\"report-errors\" hidden=\"\"></ul>");
  // 6 relative + lorenz + 3 daily + treated exposure + users + 4 + 2 in experiments.
  EXPECT_EQ(status.expected, "18");
  EXPECT_EQ(status.drawn, "18");
  EXPECT_EQ(status.ready, "true");

  std::cout << "report screenshot: " << screenshot.string() << "\n";
  RecordProperty("screenshot", screenshot.string());
  ASSERT_TRUE(fs::exists(screenshot)) << test::read_file(tmp_ / "chromium.log");
  const std::string png = test::read_file(screenshot);
  ASSERT_GE(png.size(), 24u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](std::size_t at) {
    return (static_cast<unsigned>(static_cast<unsigned char>(png[at])) << 24) |
           (static_cast<unsigned>(static_cast<unsigned char>(png[at + 1])) << 16) |
           (static_cast<unsigned>(static_cast<unsigned char>(png[at + 2])) << 8) |
           static_cast<unsigned>(static_cast<unsigned char>(png[at + 3]));
  };
  EXPECT_EQ(be32(16), 1200u);  // IHDR width
  EXPECT_EQ(be32(20), 3000u);  // IHDR height
  // A blank 1200x3000 page compresses to a few KiB; tables and charts do not.
  EXPECT_GT(png.size(), 100u * 1024) << "screenshot looks empty";
}

// Version 2: the headline, SRM, A/A, trend and trust sections add tables
// only; every chart still draws and nothing logs an error. A flagged SRM
// test shows its warning in the rendered page.
TEST_F(ReportBrowserTest, VersionTwoFixtureRendersEveryChartWithoutErrors) {
  const fs::path out = output_dir();
  const fs::path page = out / "report_v2.html";
  report::Json json =
      report::Json::parse(test::read_file(test::testdata_dir() / "simulation" / "results_v2.json"));
  json["srm"]["flagged"] = true;
  json["srm"]["users"]["p_value"] = 2.1e-6;
  test::write_file(tmp_ / "results_v2.json", json.dump());
  write_report(tmp_ / "results_v2.json", page);

  const fs::path screenshot = out / "report_v2.png";
  fs::remove(screenshot);
  const Status status = render_and_read(page, screenshot);
  EXPECT_EQ(status.errors, "0") << status.error_list;
  // 5 relative (item B50PS is n/a) + Lorenz + 3 daily + treated exposure +
  // users + 5 in the experiment.
  EXPECT_EQ(status.expected, "16");
  EXPECT_EQ(status.drawn, "16");
  EXPECT_EQ(status.ready, "true");
  EXPECT_NE(dom_.find("id=\"srm-warning\" role=\"alert\""), std::string::npos);
  EXPECT_NE(dom_.find("<h2>How much to trust this</h2>"), std::string::npos);
  EXPECT_NE(dom_.find("0.15% → 1.27%"), std::string::npos);
  std::cout << "version 2 report screenshot: " << screenshot.string() << "\n";
  EXPECT_TRUE(fs::exists(screenshot)) << test::read_file(tmp_ / "chromium.log");
}

// A knob sweep (sweep_fixture.h: control + 5 methods x 3 values): every
// frontier chart draws, with whiskers, labels and budget lines, and nothing
// logs an error. The page and a screenshot of the frontier stay in the
// output folder.
TEST_F(ReportBrowserTest, SweepRendersEveryFrontierChartWithoutErrors) {
  const fs::path out = output_dir();
  const fs::path page = out / "report_sweep.html";
  test::write_file(tmp_ / "results_sweep.json", test::sweep_fixture().dump(1));
  write_report(tmp_ / "results_sweep.json", page);

  const fs::path screenshot = out / "report_sweep.png";
  fs::remove(screenshot);
  const Status status = render_and_read(page, screenshot);
  EXPECT_EQ(status.errors, "0") << status.error_list;
  EXPECT_EQ(status.error_list, "<ul id=\"report-errors\" hidden=\"\"></ul>");
  // 3 frontier + 4 relative (CTR, producer B50PS/T1PS, PSEI) + 3 daily.
  EXPECT_EQ(status.expected, "10");
  EXPECT_EQ(status.drawn, "10");
  EXPECT_EQ(status.ready, "true");
  for (const char* metric : {"psei", "producer_b50ps", "producer_t1ps"})
    EXPECT_NE(dom_.find(std::string("<canvas id=\"chart-frontier-") + metric), std::string::npos)
        << metric;
  EXPECT_NE(dom_.find("<table class=\"sweep-verdict\">"), std::string::npos);
  std::cout << "sweep report screenshot: " << screenshot.string() << "\n";
  EXPECT_TRUE(fs::exists(screenshot)) << test::read_file(tmp_ / "chromium.log");

  // Points with a null CTR change or difference are left off without
  // breaking the chart.
  std::vector<test::SweepFixturePoint> points = test::sweep_fixture_points();
  points[14].psei.change.reset();
  points[4].ctr.change.reset();
  test::write_file(tmp_ / "results_sweep.json", test::sweep_fixture(points).dump(1));
  write_report(tmp_ / "results_sweep.json", tmp_ / "left_off.html");
  const Status left_off = render_and_read(tmp_ / "left_off.html");
  EXPECT_EQ(left_off.errors, "0") << left_off.error_list;
  EXPECT_EQ(left_off.drawn, "10");
  EXPECT_EQ(left_off.ready, "true");

  // Control's producer B50PS at 0: no relative change anywhere, every point
  // still on the chart by its difference (the relative B50PS bar chart has
  // nothing to draw, so 9 charts).
  points = test::sweep_fixture_points();
  for (auto& p : points) {
    p.b50ps.difference = *p.b50ps.change * 0.0015;
    p.b50ps.difference_half = p.b50ps.half * 0.0015;
  }
  test::SweepFixtureLevels levels;
  levels.b50ps = 0;
  test::write_file(tmp_ / "results_sweep.json", test::sweep_fixture(points, levels).dump(1));
  write_report(tmp_ / "results_sweep.json", out / "report_sweep_control0.html");
  const Status control0 = render_and_read(out / "report_sweep_control0.html");
  EXPECT_EQ(control0.errors, "0") << control0.error_list;
  EXPECT_EQ(control0.expected, "9");
  EXPECT_EQ(control0.drawn, "9");
  EXPECT_EQ(control0.ready, "true");
  EXPECT_NE(dom_.find("<canvas id=\"chart-frontier-producer_b50ps\""), std::string::npos);
}

TEST_F(ReportBrowserTest, ScriptInNamesDoesNotBreakThePage) {
  const std::string hostile = "evil</script><script>document.title='pwned'</script><!--";
  std::string text = test::read_file(test::testdata_dir() / "simulation" / "results.json");
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"invr-score", hostile},
                                 {"all_items", hostile + " experiment"}}) {
    const std::string quoted_from = report::Json(from).dump();
    const std::string quoted_to = report::Json(to).dump();
    for (auto at = text.find(quoted_from); at != std::string::npos;
         at = text.find(quoted_from, at + quoted_to.size()))
      text.replace(at, quoted_from.size(), quoted_to);
  }
  test::write_file(tmp_ / "results.json", text);
  const fs::path page = tmp_ / "hostile.html";
  write_report(tmp_ / "results.json", page);

  const Status status = render_and_read(page);
  EXPECT_EQ(status.errors, "0") << status.error_list;
  EXPECT_EQ(status.drawn, "18");
  EXPECT_EQ(status.ready, "true");
  // The name is text in the table, and its script never ran.
  EXPECT_NE(dom_.find("<th scope=\"row\">evil&lt;/script&gt;&lt;script&gt;document.title='pwned'"),
            std::string::npos);
  EXPECT_NE(dom_.find("<title>InvR A/B simulation: fixture-world</title>"), std::string::npos);
}

// The harness itself: a page whose Chart.js throws must show the error and
// no ready marker, or the tests above could pass on a broken page.
TEST_F(ReportBrowserTest, BrokenChartjsIsReported) {
  test::write_file(tmp_ / "broken-chart.js", "throw new Error('chart.js exploded');");
  ReportOptions options;
  options.chartjs = tmp_ / "broken-chart.js";
  const fs::path page = tmp_ / "broken.html";
  write_report(test::testdata_dir() / "simulation" / "results.json", page, options);

  const Status status = render_and_read(page);
  EXPECT_EQ(status.errors, "2") << status.error_list;
  EXPECT_NE(status.error_list.find("chart.js exploded"), std::string::npos) << status.error_list;
  EXPECT_NE(status.error_list.find("Chart.js did not load"), std::string::npos)
      << status.error_list;
  EXPECT_EQ(status.drawn, "0");
  EXPECT_EQ(status.ready, "false");
}

}  // namespace
}  // namespace invr
