// The page's text: escaping of everything that comes from results.json, the
// numbers in the tables and the chart specifications.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "invr/report.h"
#include "report/report_charts.h"
#include "report/report_html.h"
#include "report/report_results.h"
#include "test_util.h"

namespace invr::report {
namespace {
using test::count;

const std::string kHostile = "evil</script><script>document.title='pwned'</script><!--&\"'";

std::string fixture_text() {
  return test::read_file(test::testdata_dir() / "simulation" / "results.json");
}

// The fixture with every "from" string value or key replaced by `to`.
std::string rename(std::string text, const std::string& from, const std::string& to) {
  const std::string quoted_from = Json(from).dump();
  const std::string quoted_to = Json(to).dump();
  for (auto at = text.find(quoted_from); at != std::string::npos;
       at = text.find(quoted_from, at + quoted_to.size()))
    text.replace(at, quoted_from.size(), quoted_to);
  return text;
}

TEST(ReportEscape, Html) {
  EXPECT_EQ(html_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(html_escape("plain ünïcode"), "plain ünïcode");
}

TEST(ReportEscape, JsonForScriptReadsBackTheSameValue) {
  const Json value = {{"name", kHostile}, {"n", 1.5}};
  const std::string escaped = json_for_script(value);
  EXPECT_EQ(escaped.find('<'), std::string::npos);
  EXPECT_EQ(escaped.find('>'), std::string::npos);
  EXPECT_EQ(escaped.find('&'), std::string::npos);
  EXPECT_NE(escaped.find("evil\\u003c/script\\u003e"), std::string::npos) << escaped;
  EXPECT_EQ(Json::parse(escaped), value);
}

TEST(ReportEscape, InlinedJavaScriptCannotCloseItsElement) {
  EXPECT_EQ(js_for_script("var a = '</SCRIPT>'; // <!-- x </script"),
            "var a = '<\\/SCRIPT>'; // <\\!-- x <\\/script");
  EXPECT_EQ(js_for_script("a < b && c </ d"), "a < b && c </ d");
  // The stub Chart.js below ends up inside the page's <script>, neutralised.
  const std::string html =
      render_report(fixture_text(), "results.json", "var s = '</script><b>oops</b>';");
  EXPECT_NE(html.find("var s = '<\\/script><b>oops</b>';"), std::string::npos);
}

TEST(ReportEscape, ScriptInANameIsEscapedEverywhere) {
  std::string text = rename(fixture_text(), "invr-score", kHostile);
  text = rename(text, "all_items", kHostile + " experiment");
  const std::string html = render_report(text, "results.json", "/* chart.js */");

  // Every "</script" in the page closes one of the page's own four scripts:
  // error capture, Chart.js, data, charts.
  EXPECT_EQ(count(html, "<script"), 4);
  EXPECT_EQ(count(html, "</script"), 4);
  EXPECT_EQ(html.find("<!--"), std::string::npos);
  // In tables and headings: HTML entities.
  EXPECT_NE(
      html.find("<th scope=\"row\">evil&lt;/script&gt;&lt;script&gt;document.title=&#39;pwned&#39;"
                "&lt;/script&gt;&lt;!--&amp;&quot;&#39;</th>"),
      std::string::npos);
  EXPECT_NE(html.find("<h3>evil&lt;/script&gt;"), std::string::npos);

  // In the data block: JSON that reads back as the original name.
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const auto begin = html.find(open) + open.size();
  const Json data = Json::parse(html.substr(begin, html.find("</script>", begin) - begin));
  int in_series = 0;  // line charts, Lorenz curves, histograms
  int in_labels = 0;  // relative-change bars: one label per arm
  for (const auto& chart : data["charts"]) {
    if (chart.contains("series"))
      for (const auto& series : chart["series"]) in_series += series["label"] == kHostile;
    if (chart["kind"] == "relative")
      for (const auto& label : chart["labels"]) in_labels += label == kHostile;
  }
  EXPECT_EQ(in_series, 6);  // lorenz, 3 daily, treated exposure, users
  EXPECT_EQ(in_labels, 6);  // 6 relative metrics
}

TEST(ReportPage, FetchesNothing) {
  const std::string html = render_report(fixture_text(), "results.json", "/* chart.js */");
  // Everything is inline: no external scripts, styles, fonts or images.
  for (const char* external : {"<link", " src=", "@import", "url(", "<img", "<iframe"})
    EXPECT_EQ(html.find(external), std::string::npos) << external;
  EXPECT_NE(html.find("/* chart.js */"), std::string::npos);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
}

TEST(ReportTables, PaperMetricsWithChangesAndIntervals) {
  const Results r = read_results(fixture_text(), "results.json");
  std::vector<std::string> arms;
  for (const auto& arm : r.arms) arms.push_back(arm.name);
  const std::string table = metrics_table(arms, r.totals, r.relative, &r);
  // invr-user-rank: CTR 0.0491, B50PS +34.4% [28.0, 41.0] (an improvement whose CI excludes 0).
  EXPECT_NE(table.find("<td>4.91%</td><td>-1.8% <span class=\"ci\">[-4.9, +1.3]</span></td>"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("<td>12.10%</td><td class=\"better\">+34.4% <span class=\"ci\">[+28.0, "
                       "+41.0]</span></td>"),
            std::string::npos);
  // invr-random: CTR -4.0% with an interval below 0: worse.
  EXPECT_NE(table.find("<td class=\"worse\">-4.0% <span class=\"ci\">[-7.1, -1.0]</span></td>"),
            std::string::npos);
  // T1PS falling is the good direction.
  EXPECT_NE(table.find("<td class=\"better\">-15.7%"), std::string::npos);
  // PSEI is a percentage already: 33.0 -> "33.0%".
  EXPECT_NE(table.find("<td>33.0%</td>"), std::string::npos);
  EXPECT_NE(table.find("<td>8,940</td>"), std::string::npos);
  EXPECT_EQ(count(table, "<td class=\"muted\">control</td>"), 4);
}

TEST(ReportCharts, RelativeChartInPercentWithMissingIntervals) {
  const Results r = read_results(fixture_text(), "results.json");
  ArmColors colors(r);
  const std::vector<std::string> arms = {"invr-random", "invr-score", "invr-user-rank"};
  const Json b50ps = relative_chart(arms, r.relative, relative_metrics()[1], colors);
  EXPECT_EQ(b50ps["labels"], Json(arms));
  // invr-user-rank: +34.4% [28.0, 41.0].
  EXPECT_NEAR(b50ps["values"][2].get<double>(), 34.4, 1e-9);
  EXPECT_NEAR(b50ps["low"][2].get<double>(), 28.0, 1e-9);
  EXPECT_NEAR(b50ps["high"][2].get<double>(), 41.0, 1e-9);
  EXPECT_EQ(b50ps["colors"][2], colors.of("invr-user-rank"));
  const Json gini = relative_chart(arms, r.relative, relative_metrics()[5], colors);
  EXPECT_TRUE(gini["low"][2].is_null());  // invr-user-rank's producer_gini interval is null
  // No arm of cold_start_embeddings reports producer B50PS: no chart.
  EXPECT_TRUE(relative_chart(r.experiments[1].arms, r.experiments[1].relative,
                             relative_metrics()[1], colors)
                  .is_null());
  EXPECT_EQ(colors.of("control"), "#6b6b6b");
  EXPECT_NE(colors.of("invr-random"), colors.of("invr-score"));
}

TEST(ReportCharts, DailySeriesAlignByDay) {
  std::string text = fixture_text();
  Json json = Json::parse(text);
  json["daily"].erase(json["daily"].begin() + 4);  // invr-random, day 1
  const Results r = read_results(json.dump(), "results.json");
  ArmColors colors(r);
  const Json chart = daily_chart(r, "psei", colors);
  EXPECT_EQ(chart["labels"], Json({0, 1, 2}));
  EXPECT_EQ(chart["series"][1]["values"], Json({28.0, nullptr, 35.0}));
  const Json ctr = daily_chart(r, "ctr", colors);
  EXPECT_NEAR(ctr["series"][0]["values"][0].get<double>(), 5.03, 1e-9);
}

}  // namespace
}  // namespace invr::report
