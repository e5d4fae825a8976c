// A knob sweep in the report: results.json's "sweep" is read and checked
// (every bad value refused with its JSON path), the page gets a Frontier
// section with the verdict table and one chart per metric, and
// invr::sweep_verdict_text gives the same verdict as text. Metrics are
// differences arm - control in percentage points, as the simulator ranks and
// separates them (a relative change is undefined at a control level of 0).
// The fixture is made by sweep_fixture.h: control plus 5 methods x 3 knob
// values.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "invr/error.h"
#include "invr/report.h"
#include "report/report_charts.h"
#include "report/report_html.h"
#include "report/report_json.h"
#include "report/report_results.h"
#include "sweep_fixture.h"
#include "report_test_read.h"
#include "test_util.h"

namespace invr::report {
namespace {
using test::count;

using test_read::page;
using test_read::read;
using test_read::read_error;
using test_read::section;

Json charts_of(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"report-data\">";
  const auto begin = html.find(open) + open.size();
  return Json::parse(html.substr(begin, html.find("</script>", begin) - begin))["charts"];
}

Json chart(const std::string& html, const std::string& canvas) {
  for (const auto& c : charts_of(html))
    if (c["canvas"] == canvas) return c;
  return nullptr;
}

// ---------------------------------------------------------------- reading

TEST(ReportSweepResults, ReadsTheSweep) {
  const Results r = read(test::sweep_fixture());
  ASSERT_TRUE(r.sweep.has_value());
  const Sweep& s = *r.sweep;
  EXPECT_EQ(s.spec,
            "invr-user-rank:n=50,100,200;invr-score:n=50,100,200;forward-longtail:slots=3,3/8,"
            "3/5/8;popularity-penalty:lambda=0.1,0.3,0.5;xquad:lambda=0.25,0.5,0.75");
  EXPECT_EQ(s.ctr_estimator, "paired");
  ASSERT_EQ(s.points.size(), 15u);
  EXPECT_EQ(s.points[7].arm, "forward-longtail:slots=3/8");
  EXPECT_EQ(s.points[7].method, "forward-longtail");
  EXPECT_EQ(*s.points[7].knob, "slots");
  EXPECT_EQ(*s.points[7].value, "3/8");
  ASSERT_EQ(s.metrics.size(), 3u);
  EXPECT_EQ(s.metrics[2].key, "producer_t1ps");
  EXPECT_FALSE(s.metrics[2].higher_is_better);
  EXPECT_TRUE(s.metrics[0].higher_is_better);
  // PSEI: forward-longtail slots=3 (-0.6% CTR, +20%) is dominated by user rank
  // n=50 (-0.4%, +40%); popularity-penalty:lambda=0.1 (+0.1% CTR) is not.
  ASSERT_EQ(s.dominated.size(), 3u);
  EXPECT_EQ(std::count(s.dominated[0].begin(), s.dominated[0].end(), "forward-longtail:slots=3"),
            1);
  EXPECT_EQ(std::count(s.dominated[0].begin(), s.dominated[0].end(), "invr-user-rank:n=100"), 0);
  EXPECT_EQ(
      std::count(s.dominated[0].begin(), s.dominated[0].end(), "popularity-penalty:lambda=0.1"), 0);

  ASSERT_EQ(s.verdict.size(), 9u);
  // Budget 0, PSEI: one point within it, no runner-up.
  EXPECT_EQ(s.verdict[0].ctr_budget, 0.0);
  EXPECT_EQ(s.verdict[0].eligible, 1);
  ASSERT_TRUE(s.verdict[0].winner.has_value());
  EXPECT_EQ(s.points[s.verdict[0].winner->point].arm, "popularity-penalty:lambda=0.1");
  EXPECT_FALSE(s.verdict[0].runner_up.has_value());
  // Budget -1%, PSEI: user rank n=100 (+70%) leads score n=100 (+55%) inside the intervals.
  const SweepVerdict& close = s.verdict[3];
  EXPECT_DOUBLE_EQ(close.ctr_budget, -0.01);
  EXPECT_EQ(close.metric, 0u);
  EXPECT_EQ(close.eligible, 9);
  EXPECT_EQ(s.points[close.winner->point].arm, "invr-user-rank:n=100");
  EXPECT_EQ(s.points[close.runner_up->point].arm, "invr-score:n=100");
  EXPECT_DOUBLE_EQ(*close.winner->change, 0.70);
  EXPECT_DOUBLE_EQ(*close.winner->ci_low, 0.58);
  EXPECT_DOUBLE_EQ(*close.winner->ctr_change, -0.008);
  EXPECT_DOUBLE_EQ(*close.winner->ctr_ci_high, -0.005);
  // PSEI's difference is in percentage points already: 1.3% x 0.70 = 0.91 points.
  EXPECT_NEAR(close.winner->difference, 0.91, 1e-12);
  EXPECT_NEAR(*close.winner->difference_ci_low, 0.91 - 0.156, 1e-12);
  EXPECT_NEAR(*close.winner->control_level, 1.3, 1e-12);
  EXPECT_NEAR(*close.winner->arm_level, 2.21, 1e-12);
  EXPECT_FALSE(close.separated);
  // Producer B50PS, a fraction: 0.15% x 4.0 = 0.006 = 0.6 points.
  EXPECT_EQ(s.metrics[1].unit, Unit::kShare);
  EXPECT_EQ(s.metrics[1].to_points, 100.0);
  EXPECT_EQ(s.metrics[0].to_points, 1.0);
  EXPECT_EQ(s.points[s.verdict[4].winner->point].arm, "forward-longtail:slots=3");
  EXPECT_NEAR(s.verdict[4].winner->difference, 0.6, 1e-12);
  EXPECT_NEAR(*s.verdict[4].winner->difference_ci_high, 0.69, 1e-12);
  EXPECT_NEAR(*s.verdict[4].winner->control_level, 0.0015, 1e-15);
  // Budget -3%, PSEI: user rank n=200 [+95, +125] clear of score n=200 [+66, +94].
  EXPECT_EQ(s.points[s.verdict[6].winner->point].arm, "invr-user-rank:n=200");
  EXPECT_TRUE(s.verdict[6].separated);
  // T1PS: lower is better, so the largest fall wins.
  EXPECT_EQ(s.points[s.verdict[8].winner->point].arm, "forward-longtail:slots=3/5/8");
  EXPECT_EQ(s.points[s.verdict[8].runner_up->point].arm, "xquad:lambda=0.75");
}

// Every permutation-tested E carries arm - control in its own unit.
TEST(ReportSweepResults, EstimatesCarryTheirDifference) {
  const Results r = read(test::sweep_fixture());
  const Estimate& e = r.relative.at("forward-longtail:slots=3/8").at("producer_b50ps");
  EXPECT_NEAR(*e.difference, 0.0015 * 7.0, 1e-15);
  EXPECT_NEAR(*e.difference_ci_low, 0.0015 * 6.2, 1e-15);
  EXPECT_NEAR(*e.difference_ci_high, 0.0015 * 7.8, 1e-15);
  // Files before the difference keys read, without one.
  Json json = test::sweep_fixture();
  json.erase("sweep");
  for (const char* key : {"difference", "difference_ci_low", "difference_ci_high"})
    json["relative"]["xquad:lambda=0.5"]["psei"].erase(key);
  EXPECT_FALSE(read(json).relative.at("xquad:lambda=0.5").at("psei").difference.has_value());
}

TEST(ReportSweepResults, NoSweepKeyNoSweep) {
  Json json = test::sweep_fixture();
  json.erase("sweep");
  EXPECT_FALSE(read(json).sweep.has_value());
  json["sweep"] = nullptr;  // null reads as absent, as elsewhere
  EXPECT_FALSE(read(json).sweep.has_value());
}

TEST(ReportSweepResults, KnoblessMethodAndCupedAxis) {
  std::vector<test::SweepFixturePoint> points = test::sweep_fixture_points();
  points.resize(3);
  points.push_back(points[0]);
  points.back().method = "forward-longtail";
  points.back().knob = "";
  points.back().value = "";
  points.back().ordering = "";
  Json json = test::sweep_fixture(points);
  json["sweep"]["ctr_estimator"] = "cuped";
  const Results r = read(json);
  EXPECT_EQ(r.sweep->ctr_estimator, "cuped");
  EXPECT_EQ(r.sweep->points[3].arm, "forward-longtail");
  EXPECT_FALSE(r.sweep->points[3].knob.has_value());
}

struct BadSweep {
  std::function<void(Json&)> change;
  std::string message;  // expected in the DataError's text
};

TEST(ReportSweepResults, BadValuesNameTheirPath) {
  const std::vector<BadSweep> cases = {
      {[](Json& j) { j["sweep"]["spec"] = 3; }, "/sweep/spec: expected a string, found a number"},
      {[](Json& j) { j["sweep"]["control"] = "ctl"; },
       "/sweep/control: expected \"control\", the control arm of /arms, found \"ctl\""},
      {[](Json& j) { j["sweep"]["ctr_estimator"] = "arm_level"; },
       "/sweep/ctr_estimator: expected \"paired\" or \"cuped\", found \"arm_level\""},
      {[](Json& j) { j["sweep"]["points"] = Json::array(); },
       "/sweep/points: expected at least one point"},
      {[](Json& j) { j["sweep"]["points"][2]["arm"] = "invr-user-rank:n=400"; },
       "/sweep/points/2/arm: arm \"invr-user-rank:n=400\" is not listed in /arms"},
      {[](Json& j) { j["sweep"]["points"][0]["arm"] = "control"; },
       "/sweep/points/0/arm: \"control\" is the control arm, not a point"},
      {[](Json& j) { j["sweep"]["points"][1]["arm"] = "invr-user-rank:n=50"; },
       "/sweep/points/1/arm: arm \"invr-user-rank:n=50\" is a point already"},
      {[](Json& j) { std::swap(j["sweep"]["points"][2], j["sweep"]["points"][3]); },
       "/sweep/points/3/method: points of method \"invr-user-rank\" are not consecutive"},
      {[](Json& j) { j["sweep"]["points"][1]["value"] = nullptr; },
       "/sweep/points/1/value: expected a string: knob and value are both strings or both null"},
      {[](Json& j) { j["sweep"]["points"][1]["knob"] = 5; },
       "/sweep/points/1/knob: expected a string, found a number"},
      {[](Json& j) { j["sweep"]["metrics"][0]["key"] = "ctr"; },
       "/sweep/metrics/0/key: expected an exposure metric of \"relative\""},
      {[](Json& j) { j["sweep"]["metrics"][1]["key"] = "psei"; },
       "/sweep/metrics/1/key: metric \"psei\" is listed already"},
      {[](Json& j) { j["sweep"]["metrics"][2]["better"] = "higher"; },
       "/sweep/metrics/2/better: expected \"lower\": lower is better for Producer T1PS"},
      {[](Json& j) { j["sweep"]["metrics"][0]["better"] = "up"; },
       "/sweep/metrics/0/better: expected \"higher\" or \"lower\", found \"up\""},
      {[](Json& j) { j["sweep"]["dominated"].erase("producer_t1ps"); },
       "/sweep/dominated: missing key \"producer_t1ps\""},
      {[](Json& j) { j["sweep"]["dominated"]["psei"].push_back("control"); },
       "/sweep/dominated/psei/"},
      {[](Json& j) { j["sweep"]["verdict"][0]["ctr_budget"] = 0.01; },
       "/sweep/verdict/0/ctr_budget: expected a CTR change in [-1, 0] (a loss allowed), found "
       "0.01"},
      {[](Json& j) { j["sweep"]["verdict"][0]["metric"] = "item_gini"; },
       "/sweep/verdict/0/metric: metric \"item_gini\" is not listed in /sweep/metrics"},
      {[](Json& j) { j["sweep"]["verdict"][3]["eligible"] = 16; },
       "/sweep/verdict/3/eligible: expected a count in [0, 15] (the points), found 16"},
      {[](Json& j) { j["sweep"]["verdict"][0]["eligible"] = 0; },
       "/sweep/verdict/0/eligible: expected at least 1: there is a winner"},
      {[](Json& j) { j["sweep"]["verdict"][3]["winner"]["arm"] = "control"; },
       "/sweep/verdict/3/winner/arm: arm \"control\" is not a point of /sweep/points"},
      {[](Json& j) { j["sweep"]["verdict"][3]["winner"]["method"] = "invr-score"; },
       "/sweep/verdict/3/winner/method: expected \"invr-user-rank\", the method of point "
       "\"invr-user-rank:n=100\""},
      {[](Json& j) { j["sweep"]["verdict"][3]["winner"]["value"] = "200"; },
       "/sweep/verdict/3/winner/value: expected the knob and value of point"},
      {[](Json& j) { j["sweep"]["verdict"][3]["winner"]["change"] = 0.75; },
       "/sweep/verdict/3/winner/change: expected 0.7 (/relative/invr-user-rank:n=100/psei/change), "
       "found 0.75"},
      {[](Json& j) { j["sweep"]["verdict"][4]["runner_up"]["ci_high"] = 4.5; },
       "/sweep/verdict/4/runner_up/ci_high: expected 4.1 "
       "(/relative/invr-user-rank:n=100/producer_b50ps/ci_high), found 4.5"},
      {[](Json& j) { j["sweep"]["verdict"][4]["winner"]["ctr_ci_low"] = -0.01; },
       "/sweep/verdict/4/winner/ctr_ci_low: expected -0.009 "
       "(/effects/forward-longtail:slots=3/ctr/paired/ci_low), found -0.01"},
      {[](Json& j) { j["sweep"]["verdict"][4]["winner"]["ctr_ci_low"] = nullptr; },
       "/sweep/verdict/4/winner/ctr_ci_low: expected a number: ctr_ci_low and ctr_ci_high are "
       "both numbers or both null"},
      {[](Json& j) { j["sweep"]["verdict"][4]["winner"]["change"] = -1.5; },
       "/sweep/verdict/4/winner/change: expected a relative change of at least -1 (-100%), found "
       "-1.5"},
      {[](Json& j) { j["sweep"]["verdict"][3]["ctr_budget"] = -0.005; },
       "/sweep/verdict/3/winner/ctr_change: expected a CTR change within the budget (>= -0.005), "
       "found -0.008"},
      {[](Json& j) { j["sweep"]["verdict"][3]["runner_up"] = j["sweep"]["verdict"][3]["winner"]; },
       "/sweep/verdict/3/runner_up/method: expected another method than the winner's"},
      {[](Json& j) { j["sweep"]["verdict"][3]["winner"] = nullptr; },
       "/sweep/verdict/3/winner: expected a winner: there is a runner-up"},
      {[](Json& j) { j["sweep"]["verdict"][3]["separated"] = true; },
       "/sweep/verdict/3/separated: expected false: the difference intervals [0.754, 1.066] and "
       "[0.585, 0.845] (percentage points) overlap"},
      {[](Json& j) { j["sweep"]["verdict"][6]["separated"] = false; },
       "/sweep/verdict/6/separated: expected true: the difference intervals"},
      // A pick's difference is its E's in percentage points: x 1 for PSEI, x 100 for a share.
      {[](Json& j) { j["sweep"]["verdict"][3]["winner"]["difference"] = 0.95; },
       "/sweep/verdict/3/winner/difference: expected 0.91 "
       "(/relative/invr-user-rank:n=100/psei/difference), found 0.95"},
      {[](Json& j) { j["sweep"]["verdict"][4]["winner"]["difference"] = 0.006; },
       "/sweep/verdict/4/winner/difference: expected 0.6 "
       "(/relative/forward-longtail:slots=3/producer_b50ps/difference × 100), found 0.006"},
      {[](Json& j) { j["sweep"]["verdict"][4]["runner_up"]["difference_ci_low"] = 0.4; },
       "/sweep/verdict/4/runner_up/difference_ci_low: expected 0.435 "
       "(/relative/invr-user-rank:n=100/producer_b50ps/difference_ci_low × 100), found 0.4"},
      {[](Json& j) { j["sweep"]["verdict"][3]["winner"]["difference"] = nullptr; },
       "/sweep/verdict/3/winner/difference: expected 0.91"},
      {[](Json& j) { j["sweep"]["verdict"][3]["winner"].erase("difference_ci_high"); },
       "/sweep/verdict/3/winner: missing key \"difference_ci_high\""},
      {[](Json& j) {
         for (const char* key : {"difference", "difference_ci_low", "difference_ci_high"}) {
           j["relative"]["invr-user-rank:n=100"]["psei"][key] = nullptr;
           j["sweep"]["verdict"][3]["winner"][key] = nullptr;
         }
       },
       "/sweep/verdict/3/winner/difference: expected a number: a winner or runner-up has a "
       "defined difference"},
      // The relative change is still checked against the E, null or not.
      {[](Json& j) { j["sweep"]["verdict"][3]["winner"]["change"] = nullptr; },
       "/sweep/verdict/3/winner/change: expected 0.7 "
       "(/relative/invr-user-rank:n=100/psei/change), found null"},
      {[](Json& j) { j["relative"]["xquad:lambda=0.5"]["psei"]["difference"] = 120.0; },
       "/relative/xquad:lambda=0.5/psei/difference: expected a PSEI difference in [-100, 100], "
       "found 120"},
      {[](Json& j) { j["relative"]["xquad:lambda=0.5"]["psei"]["difference_ci_low"] = 5.0; },
       "/relative/xquad:lambda=0.5/psei/difference_ci_low: expected difference_ci_low <= "
       "difference_ci_high"},
      {[](Json& j) { j["relative"]["xquad:lambda=0.5"]["psei"]["difference_ci_high"] = nullptr; },
       "/relative/xquad:lambda=0.5/psei/difference_ci_high: expected a number: "
       "difference_ci_low and difference_ci_high are both numbers or both null"},
      {[](Json& j) { j["relative"]["xquad:lambda=0.5"]["psei"]["difference"] = nullptr; },
       "/relative/xquad:lambda=0.5/psei/difference_ci_low: expected null: the difference is null"},
      {[](Json& j) { j["sweep"]["metrics"][2]["key"] = "producer_gini"; },
       "/sweep/metrics/2/key: expected a share or a percentage (PSEI) for a difference in "
       "percentage points, found \"producer_gini\" (Producer Gini)"},
      {[](Json& j) { j["sweep"]["verdict"][0]["separated"] = true; },
       "/sweep/verdict/0/separated: expected false: separation needs a winner and a runner-up"},
      {[](Json& j) { j["sweep"]["verdict"][0]["separated"] = "no"; },
       "/sweep/verdict/0/separated: expected true or false, found a string"},
      {[](Json& j) { j["sweep"]["verdict"][0].erase("eligible"); },
       "/sweep/verdict/0: missing key \"eligible\""},
      {[](Json& j) {
         j["effects"]["xquad:lambda=0.5"]["primary"] = "cuped";
         j["effects"]["xquad:lambda=0.5"]["ctr"]["paired"] = nullptr;
         j["effects"]["xquad:lambda=0.5"]["ctr"]["cuped"]["significant"] = true;
         j["effects"]["xquad:lambda=0.5"]["clicks_per_user"] =
             j["effects"]["xquad:lambda=0.5"]["ctr"];
       },
       "/sweep/points/13/arm: ctr_estimator is \"paired\" but "
       "/effects/xquad:lambda=0.5/ctr/paired is null"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Json json = test::sweep_fixture();
    cases[i].change(json);
    const std::string error = read_error(json);
    EXPECT_NE(error.find("results.json: " + cases[i].message), std::string::npos)
        << "case " << i << ": " << (error.empty() ? "(read without error)" : error);
  }
}

// "separated" is decided on the difference intervals, not the relative ones.
TEST(ReportSweepResults, SeparatedIsCheckedOnTheDifferences) {
  // Budget -1%, PSEI: the relative intervals overlap ([+58, +82] against
  // [+45, +65]), the difference intervals (0.91 +- 0.01, 0.715 +- 0.01) do not.
  std::vector<test::SweepFixturePoint> points = test::sweep_fixture_points();
  points[1].psei.difference_half = 0.01;  // invr-user-rank:n=100
  points[4].psei.difference_half = 0.01;  // invr-score:n=100
  Json json = test::sweep_fixture(points);
  ASSERT_EQ(json["sweep"]["verdict"][3]["separated"], true);
  ASSERT_LT(json["sweep"]["verdict"][3]["winner"]["ci_low"].get<double>(),
            json["sweep"]["verdict"][3]["runner_up"]["ci_high"].get<double>());
  EXPECT_TRUE(read(json).sweep->verdict[3].separated);
  json["sweep"]["verdict"][3]["separated"] = false;
  EXPECT_NE(read_error(json).find("results.json: /sweep/verdict/3/separated: expected true: the "
                                  "difference intervals [0.9, 0.92] and [0.705, 0.725] "
                                  "(percentage points) do not overlap"),
            std::string::npos)
      << read_error(json);

  // Budget -3%, PSEI: the relative intervals are apart ([+95, +125] against
  // [+66, +94]); the difference intervals (1.43 +- 0.5, 1.04 +- 0.5) overlap.
  points = test::sweep_fixture_points();
  points[2].psei.difference_half = 0.5;  // invr-user-rank:n=200
  points[5].psei.difference_half = 0.5;  // invr-score:n=200
  json = test::sweep_fixture(points);
  ASSERT_EQ(json["sweep"]["verdict"][6]["separated"], false);
  ASSERT_GT(json["sweep"]["verdict"][6]["winner"]["ci_low"].get<double>(),
            json["sweep"]["verdict"][6]["runner_up"]["ci_high"].get<double>());
  EXPECT_FALSE(read(json).sweep->verdict[6].separated);
  json["sweep"]["verdict"][6]["separated"] = true;
  EXPECT_NE(read_error(json).find("results.json: /sweep/verdict/6/separated: expected false: the "
                                  "difference intervals [0.93, 1.93] and [0.54, 1.54] "
                                  "(percentage points) overlap"),
            std::string::npos)
      << read_error(json);
}

// A share whose control level is 0 (as producer B50PS often is in a sweep's
// small arms): every relative change is null, yet every point has a
// difference, so every point is plotted and each row names a winner.
TEST(ReportSweepResults, ControlLevelZeroStillRanksOnTheDifference) {
  std::vector<test::SweepFixturePoint> points = test::sweep_fixture_points();
  for (auto& p : points) {
    p.b50ps.difference = *p.b50ps.change * 0.0015;
    p.b50ps.difference_half = p.b50ps.half * 0.0015;
  }
  test::SweepFixtureLevels levels;
  levels.b50ps = 0;
  const Json json = test::sweep_fixture(points, levels);
  ASSERT_TRUE(json["relative"]["xquad:lambda=0.5"]["producer_b50ps"]["change"].is_null());
  const Results r = read(json);
  const SweepVerdict& row = r.sweep->verdict[4];  // -1%, producer B50PS
  ASSERT_TRUE(row.winner.has_value());
  EXPECT_EQ(r.sweep->points[row.winner->point].arm, "forward-longtail:slots=3");
  EXPECT_FALSE(row.winner->change.has_value());
  EXPECT_NEAR(row.winner->difference, 0.6, 1e-12);
  EXPECT_EQ(*row.winner->control_level, 0.0);
  ASSERT_TRUE(row.runner_up.has_value());
  EXPECT_EQ(r.sweep->points[row.runner_up->point].arm, "invr-user-rank:n=100");

  const std::string html = page(json);
  const std::string s = section(html, "<section id=\"frontier\"");
  EXPECT_EQ(s.find("frontier-left-off"), std::string::npos) << s;
  const Json b50ps = chart(html, "chart-frontier-producer_b50ps");
  ASSERT_FALSE(b50ps.is_null());
  std::size_t plotted = 0;
  for (const auto& series : b50ps["series"]) plotted += series["points"].size();
  EXPECT_EQ(plotted, 15u);
  EXPECT_NEAR(b50ps["series"][2]["points"][0]["y"].get<double>(), 0.6, 1e-12);
  EXPECT_TRUE(b50ps["series"][2]["points"][0]["change"].is_null());
  // The table: levels from 0, the difference, the relative change undefined.
  const std::string table = section(html, "<table class=\"sweep-verdict\">", "</table>");
  EXPECT_NE(table.find("<td title=\"relative change undefined (control 0)\"><span "
                       "class=\"levels\">0.00% → 0.60%</span>+0.60 pp <span class=\"ci\">[+0.51, "
                       "+0.69]</span></td>"),
            std::string::npos)
      << table;
  const std::string text = sweep_verdict_text(json.dump(), "results.json");
  EXPECT_NE(text.find("forward-longtail slots=3       +0.60 pp [+0.51, +0.69]  0.00% → 0.60%"),
            std::string::npos)
      << text;
}

// An arm name with "/" is written "~1" in the paths the messages name.
TEST(ReportSweepResults, PathsEscapeSlashesInArmNames) {
  Json json = test::sweep_fixture();
  // Budget -3%, producer B50PS: forward-longtail:slots=3/5/8 wins with +950%.
  json["sweep"]["verdict"][7]["winner"]["change"] = 1.0;
  EXPECT_NE(read_error(json).find("/sweep/verdict/7/winner/change: expected 9.5 "
                                  "(/relative/forward-longtail:slots=3~15~18/producer_b50ps/"
                                  "change), found 1"),
            std::string::npos)
      << read_error(json);
}

// ---------------------------------------------------------------- the page

TEST(ReportSweepPage, FrontierSectionAfterTheTrustBox) {
  const std::string html = page(test::sweep_fixture());
  const auto trust = html.find("<section id=\"trust\"");
  const auto frontier = html.find("<section id=\"frontier\"");
  const auto summary = html.find("<section id=\"summary\"");
  ASSERT_NE(frontier, std::string::npos);
  EXPECT_LT(trust, frontier);
  EXPECT_LT(frontier, summary);
  const std::string s = section(html, "<section id=\"frontier\"");
  EXPECT_NE(s.find("<code>invr-user-rank:n=50,100,200;invr-score"), std::string::npos);
  EXPECT_NE(s.find("15 points"), std::string::npos);
  EXPECT_NE(s.find("the y axis is reversed"), std::string::npos);
  // One chart per metric, in the file's order.
  const auto psei = s.find("id=\"chart-frontier-psei\"");
  const auto b50ps = s.find("id=\"chart-frontier-producer_b50ps\"");
  const auto t1ps = s.find("id=\"chart-frontier-producer_t1ps\"");
  ASSERT_NE(psei, std::string::npos);
  EXPECT_LT(psei, b50ps);
  EXPECT_LT(b50ps, t1ps);
  EXPECT_NE(s.find("<figcaption>producer T1PS, arm − control (percentage points) ↓ (axis "
                   "reversed: up is better) against CTR change →</figcaption>"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("frontier-left-off"), std::string::npos);  // every point plotted
}

TEST(ReportSweepPage, FrontierChartSpec) {
  const Json json = test::sweep_fixture();
  const std::string html = page(json);
  const Json psei = chart(html, "chart-frontier-psei");
  ASSERT_FALSE(psei.is_null());
  EXPECT_EQ(psei["kind"], "frontier");
  EXPECT_EQ(psei["reverse_y"], false);
  EXPECT_EQ(psei["budgets"], Json({-3.0, -1.0, 0.0}));
  EXPECT_EQ(psei["control"]["label"], "control");
  EXPECT_EQ(psei["control"]["legend"], "control");
  EXPECT_EQ(psei["control"]["color"], "#6b6b6b");
  EXPECT_EQ(psei["x_title"], "→ better: CTR change against control (%, paired counterfactual)");
  // Short enough to fit beside a 420-pixel chart; the caption spells out "percentage points".
  EXPECT_EQ(psei["y_title"], "↑ better: PSEI, arm − control (pp)");
  EXPECT_EQ(psei["y_unit"], "pp");
  // One series per method, with its own colour, its points in knob order.
  ASSERT_EQ(psei["series"].size(), 5u);
  std::set<std::string> colors;
  for (const auto& series : psei["series"]) colors.insert(series["color"].get<std::string>());
  EXPECT_EQ(colors.size(), 5u);
  EXPECT_EQ(colors.count("#6b6b6b"), 0u);
  const Json& longtail = psei["series"][2];
  EXPECT_EQ(longtail["label"], "forward-longtail (slots)");
  ASSERT_EQ(longtail["points"].size(), 3u);
  EXPECT_EQ(longtail["points"][1]["arm"], "forward-longtail:slots=3/8");
  EXPECT_EQ(longtail["points"][1]["value"], "3/8");
  // CTR -1.2% [-1.5, -0.9] in percent; PSEI 1.3% x (+35% [+26, +44]) =
  // +0.455 points [+0.338, +0.572], with the relative +35% for the tooltip.
  const Json& p = longtail["points"][1];
  EXPECT_NEAR(p["x"].get<double>(), -1.2, 1e-9);
  EXPECT_NEAR(p["x_low"].get<double>(), -1.5, 1e-9);
  EXPECT_NEAR(p["x_high"].get<double>(), -0.9, 1e-9);
  EXPECT_NEAR(p["y"].get<double>(), 0.455, 1e-9);
  EXPECT_NEAR(p["y_low"].get<double>(), 0.338, 1e-9);
  EXPECT_NEAR(p["y_high"].get<double>(), 0.572, 1e-9);
  EXPECT_NEAR(p["change"].get<double>(), 35.0, 1e-9);
  // A share's difference times 100: B50PS 0.15% x (+700% +- 80) = +1.05 points +- 0.12.
  const Json b50ps = chart(html, "chart-frontier-producer_b50ps");
  const Json& q = b50ps["series"][2]["points"][1];
  EXPECT_NEAR(q["y"].get<double>(), 1.05, 1e-9);
  EXPECT_NEAR(q["y_low"].get<double>(), 0.93, 1e-9);
  EXPECT_NEAR(q["y_high"].get<double>(), 1.17, 1e-9);
  // Faded exactly where the file says dominated.
  for (const auto& series : psei["series"])
    for (const auto& point : series["points"]) {
      bool listed = false;
      for (const auto& arm : json["sweep"]["dominated"]["psei"]) listed |= arm == point["arm"];
      EXPECT_EQ(point["dominated"].get<bool>(), listed) << point["arm"];
    }
  EXPECT_EQ(psei["series"][0]["points"][2]["dominated"], false);  // user rank n=200: the top
  const Json t1ps = chart(html, "chart-frontier-producer_t1ps");
  EXPECT_EQ(t1ps["reverse_y"], true);
  EXPECT_EQ(t1ps["y_title"], "↑ better (reversed axis): producer T1PS, arm − control (pp)");
  // T1PS keeps its sign (a fall is negative); the reversed axis puts it up.
  EXPECT_LT(t1ps["series"][0]["points"][0]["y"].get<double>(), 0);
}

TEST(ReportSweepPage, VerdictRows) {
  const std::string html = page(test::sweep_fixture());
  const std::string table = section(html, "<table class=\"sweep-verdict\">", "</table>");
  EXPECT_EQ(count(table, "<tr data-budget="), 9);
  EXPECT_EQ(count(table, "<th scope=\"row\">CTR budget 0%</th>"), 3);
  EXPECT_EQ(count(table, "<th scope=\"row\">CTR budget −1%</th>"), 3);
  EXPECT_EQ(count(table, "<th scope=\"row\">CTR budget −3%</th>"), 3);
  // Budget -1%, PSEI: winner, its difference (pp) under its levels, the
  // relative change as the tooltip, its CTR change, runner-up, lead inside
  // the intervals.
  EXPECT_NE(table.find("<tr data-budget=\"-0.01\" data-metric=\"psei\"><th scope=\"row\">CTR "
                       "budget −1%</th><td class=\"text\">PSEI ↑</td><td>9 of 15</td>"
                       "<td class=\"text\" title=\"invr-user-rank:n=100\"><b>invr-user-rank</b>"
                       "<span class=\"knob\">n=100</span></td>"
                       "<td title=\"relative change +70.0% [+58.0, +82.0]\"><span "
                       "class=\"levels\">1.3% → 2.2%</span>+0.91 pp <span class=\"ci\">[+0.75, "
                       "+1.07]</span></td>"
                       "<td>-0.8% <span class=\"ci\">[-1.1, -0.5]</span></td>"
                       "<td class=\"text\" title=\"invr-score:n=100\"><b>invr-score</b><span "
                       "class=\"knob\">n=100</span></td>"
                       "<td title=\"relative change +55.0% [+45.0, +65.0]\"><span "
                       "class=\"levels\">1.3% → 2.0%</span>+0.72 pp <span class=\"ci\">[+0.59, "
                       "+0.85]</span></td>"
                       "<td>-0.7% <span class=\"ci\">[-1.0, -0.4]</span></td><td>no</td></tr>"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("<th>Winner</th><th>Arm − control</th><th>CTR change</th>"),
            std::string::npos);
  // A share's difference is times 100: producer B50PS 0.15% → 0.75% is +0.60 points.
  EXPECT_NE(table.find("<span class=\"levels\">0.15% → 0.75%</span>+0.60 pp <span "
                       "class=\"ci\">[+0.51, +0.69]</span>"),
            std::string::npos);
  // Budget 0: one point, no other method.
  EXPECT_EQ(count(table, "no other method within the budget"), 3);
  EXPECT_NE(table.find("<b>popularity-penalty</b><span class=\"knob\">lambda=0.1</span>"),
            std::string::npos);
  // PSEI and producer B50PS at -3% lead outside the intervals.
  EXPECT_EQ(count(table, "<td class=\"better\">yes</td>"), 2);
  EXPECT_NE(table.find("data-metric=\"producer_t1ps\"><th scope=\"row\">CTR budget −3%</th>"
                       "<td class=\"text\">producer T1PS ↓</td>"),
            std::string::npos);
}

TEST(ReportSweepPage, NoPointWithinTheBudget) {
  std::vector<test::SweepFixturePoint> points = test::sweep_fixture_points();
  points[9].ctr.change = -0.001;  // popularity-penalty:lambda=0.1, the only point at CTR >= 0
  const std::string html = page(test::sweep_fixture(points));
  const std::string table = section(html, "<table class=\"sweep-verdict\">", "</table>");
  EXPECT_EQ(count(table, "<td class=\"text muted\" colspan=\"7\">no point within the budget</td>"),
            3);
  EXPECT_NE(table.find("<td>0 of 15</td>"), std::string::npos);
}

// Only a null CTR change or a null difference (not computed) leaves a point
// off; a null relative change does not (ControlLevelZeroStillRanksOnTheDifference).
TEST(ReportSweepPage, PointsWithoutADifferenceAreLeftOffAndCounted) {
  std::vector<test::SweepFixturePoint> points = test::sweep_fixture_points();
  points[14].psei.change.reset();  // xquad:lambda=0.75: neither winner nor runner-up for PSEI
  points[4].ctr.change.reset();    // invr-score:n=100: off every chart (and the verdict)
  for (auto& p : points) p.b50ps.change.reset();  // producer B50PS: no chart at all
  const Json json = test::sweep_fixture(points);
  ASSERT_TRUE(json["relative"]["xquad:lambda=0.75"]["psei"]["difference"].is_null());
  const std::string html = page(json);
  const std::string s = section(html, "<section id=\"frontier\"");
  EXPECT_NE(s.find("<p class=\"muted frontier-left-off\" data-metric=\"psei\">2 of 15 points "
                   "left off the PSEI chart, their CTR change or PSEI difference being undefined: "
                   "invr-score:n=100: CTR change undefined; xquad:lambda=0.75: PSEI difference "
                   "not computed.</p>"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("data-metric=\"producer_t1ps\">1 of 15 points left off"), std::string::npos);
  EXPECT_NE(s.find("<p class=\"muted frontier-left-off\" data-metric=\"producer_b50ps\">No "
                   "producer B50PS frontier: no point has both a CTR change and a producer B50PS "
                   "difference.</p>"),
            std::string::npos);
  EXPECT_EQ(s.find("id=\"chart-frontier-producer_b50ps\""), std::string::npos);
  const Json psei = chart(html, "chart-frontier-psei");
  std::size_t plotted = 0;
  for (const auto& series : psei["series"]) plotted += series["points"].size();
  EXPECT_EQ(plotted, 13u);
  EXPECT_EQ(psei["series"][4]["points"].size(), 2u);  // xquad: 0.25 and 0.5
}

TEST(ReportSweepPage, NoSweepNoSection) {
  Json json = test::sweep_fixture();
  json.erase("sweep");
  const std::string html = page(json);
  EXPECT_EQ(html.find("id=\"frontier\""), std::string::npos);
  EXPECT_EQ(html.find("chart-frontier-"), std::string::npos);
  EXPECT_EQ(html.find("class=\"sweep-verdict\""), std::string::npos);
  EXPECT_EQ(sweep_verdict_text(json.dump(), "results.json"), "");
}

// Names from the file are escaped in the section and the table.
TEST(ReportSweepPage, NamesAreEscaped) {
  std::vector<test::SweepFixturePoint> points = test::sweep_fixture_points();
  for (int i = 0; i < 3; ++i) points[i].method = "<b>rank</b>";
  const std::string html = page(test::sweep_fixture(points));
  EXPECT_EQ(html.find("<b>rank</b>"), std::string::npos);
  EXPECT_NE(html.find("<b>&lt;b&gt;rank&lt;/b&gt;</b><span class=\"knob\">n=100</span>"),
            std::string::npos);
  EXPECT_NE(html.find("<code>&lt;b&gt;rank&lt;/b&gt;:n=50,100,200;"), std::string::npos);
}

// ---------------------------------------------------------------- the text

// Every row, aligned; values worked out from sweep_fixture_points() (e.g.
// budget -1%, PSEI: user rank n=100 at 1.3% x (+70% +- 12) = +0.91 points
// +- 0.156 against score n=100 at +0.715 +- 0.13: the intervals overlap, so
// "no"; producer B50PS: 0.15% x 4.0 = +0.60 points, 0.15% → 0.75%).
TEST(ReportSweepText, VerdictTable) {
  const std::string expected =
      "Sweep verdict: "
      "invr-user-rank:n=50,100,200;invr-score:n=50,100,200;forward-longtail:slots=3,3/8,3/5/"
      "8;popularity-penalty:lambda=0.1,0.3,0.5;xquad:lambda=0.25,0.5,0.75 against control "
      "(metrics: arm - control in percentage points, levels control → arm; CTR: change relative "
      "to control, paired counterfactual; 95% intervals)\n"
      "CTR budget  Metric          Eligible  Winner                         Arm - control          "
      "  Levels           CTR change          Runner-up                 Arm - control            "
      "CTR change          Lead outside intervals\n"
      "0%          PSEI            1 of 15   popularity-penalty lambda=0.1  +0.07 pp [-0.04, "
      "+0.17]  1.3% → 1.4%      +0.1% [-0.2, +0.4]  none from another method\n"
      "0%          producer B50PS  1 of 15   popularity-penalty lambda=0.1  +0.12 pp [+0.06, "
      "+0.18]  0.15% → 0.27%    +0.1% [-0.2, +0.4]  none from another method\n"
      "0%          producer T1PS   1 of 15   popularity-penalty lambda=0.1  -1.10 pp [-1.65, "
      "-0.55]  91.80% → 90.70%  +0.1% [-0.2, +0.4]  none from another method\n"
      "-1%         PSEI            9 of 15   invr-user-rank n=100           +0.91 pp [+0.75, "
      "+1.07]  1.3% → 2.2%      -0.8% [-1.1, -0.5]  invr-score n=100          +0.72 pp [+0.59, "
      "+0.85]  -0.7% [-1.0, -0.4]  no\n"
      "-1%         producer B50PS  9 of 15   forward-longtail slots=3       +0.60 pp [+0.51, "
      "+0.69]  0.15% → 0.75%    -0.6% [-0.9, -0.3]  invr-user-rank n=100      +0.53 pp [+0.44, "
      "+0.61]  -0.8% [-1.1, -0.5]  no\n"
      "-1%         producer T1PS   9 of 15   xquad lambda=0.5               -4.13 pp [-4.87, "
      "-3.40]  91.80% → 87.67%  -0.9% [-1.2, -0.6]  forward-longtail slots=3  -3.67 pp [-4.41, "
      "-2.94]  -0.6% [-0.9, -0.3]  no\n"
      "-3%         PSEI            15 of 15  invr-user-rank n=200           +1.43 pp [+1.24, "
      "+1.63]  1.3% → 2.7%      -1.5% [-1.8, -1.2]  invr-score n=200          +1.04 pp [+0.86, "
      "+1.22]  -1.3% [-1.6, -1.0]  yes\n"
      "-3%         producer B50PS  15 of 15  forward-longtail slots=3/5/8   +1.43 pp [+1.28, "
      "+1.57]  0.15% → 1.57%    -2.5% [-2.8, -2.2]  xquad lambda=0.75         +0.90 pp [+0.78, "
      "+1.02]  -2.8% [-3.1, -2.5]  yes\n"
      "-3%         producer T1PS   15 of 15  forward-longtail slots=3/5/8   -8.72 pp [-9.64, "
      "-7.80]  91.80% → 83.08%  -2.5% [-2.8, -2.2]  xquad lambda=0.75         -7.80 pp [-8.72, "
      "-6.88]  -2.8% [-3.1, -2.5]  no\n";
  EXPECT_EQ(sweep_verdict_text(test::sweep_fixture().dump(), "results.json"), expected);
}

// Decimals follow the largest magnitude shown; a value that rounds to 0 is +0.
TEST(ReportSweepText, PointsFormat) {
  EXPECT_EQ(format_points(13.54, 10.61, 15.2).value, "+13.5 pp");
  EXPECT_EQ(format_points(13.54, 10.61, 15.2).interval, "[+10.6, +15.2]");
  EXPECT_EQ(format_points(0.3, 0.16, 0.431).interval, "[+0.16, +0.43]");
  EXPECT_EQ(format_points(-0.001, -0.2, 0.1).value, "+0.00 pp");
  EXPECT_EQ(format_points(120.4, std::nullopt, std::nullopt).value, "+120 pp");
  EXPECT_EQ(format_points(120.4, std::nullopt, std::nullopt).interval, "");
}

TEST(ReportSweepText, RowsWithoutAWinner) {
  std::vector<test::SweepFixturePoint> points = test::sweep_fixture_points();
  points[9].ctr.change = -0.001;  // no point at CTR >= 0
  for (auto& p : points) p.b50ps.change.reset();
  const std::string text = sweep_verdict_text(test::sweep_fixture(points).dump(), "results.json");
  EXPECT_NE(text.find("\n0%          PSEI            0 of 15   no point within the budget\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(count(text, "no point within the budget\n"), 3);
  EXPECT_NE(text.find("\n-1%         producer B50PS  9 of 15   no point within the budget improves "
                      "producer B50PS\n"),
            std::string::npos)
      << text;
}

TEST(ReportSweepText, BadSweepIsADataError) {
  Json json = test::sweep_fixture();
  json["sweep"]["verdict"][3]["separated"] = true;
  EXPECT_THROW(sweep_verdict_text(json.dump(), "results.json"), DataError);
}

// Control characters in a name cannot move the terminal's cursor.
TEST(ReportSweepText, ControlCharactersArePrinted) {
  std::vector<test::SweepFixturePoint> points = test::sweep_fixture_points();
  for (int i = 9; i < 12; ++i) points[i].method = "pop\x1b[2Jular";
  const std::string text = sweep_verdict_text(test::sweep_fixture(points).dump(), "results.json");
  EXPECT_EQ(text.find('\x1b'), std::string::npos);
  EXPECT_NE(text.find("pop?[2Jular lambda=0.1"), std::string::npos) << text;
}

}  // namespace
}  // namespace invr::report
