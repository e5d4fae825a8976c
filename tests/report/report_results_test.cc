// results.json reading: every malformed file names the file and the JSON path
// at fault; optional sections only drop their charts.
#include "report/report_results.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "invr/error.h"
#include "invr/report.h"
#include "report/report_json.h"
#include "test_util.h"

namespace invr::report {
namespace {
using test::count;
namespace fs = std::filesystem;

fs::path fixture() { return test::testdata_dir() / "simulation" / "results.json"; }
Json load_fixture() { return Json::parse(test::read_file(fixture())); }

// The DataError message for results `json` written to a file, or "" if none.
std::string data_error(const Json& json, std::size_t* line = nullptr) {
  test::TempDir tmp;
  const fs::path results = tmp / "results.json";
  test::write_file(results, json.dump(2));
  test::write_file(tmp / "chart.js", "/* stub */");
  ReportOptions options;
  options.chartjs = tmp / "chart.js";
  try {
    write_report(results, tmp / "report.html", options);
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), results.string());
    if (line) *line = e.line();
    return e.what();
  }
  return "";
}

TEST(ReportResults, ReadsTheFixture) {
  const Results r = read_results(test::read_file(fixture()), "results.json");
  EXPECT_EQ(r.world.kind, "synthetic");
  EXPECT_EQ(r.world.users, 1200);
  ASSERT_EQ(r.arms.size(), 4u);
  EXPECT_EQ(r.control, "control");
  EXPECT_EQ(r.arms[3].name, "invr-user-rank");
  EXPECT_EQ(r.arms[3].ordering, "user_rank");
  EXPECT_EQ(r.arms[3].slots, (std::vector<long long>{3, 8}));
  EXPECT_DOUBLE_EQ(r.totals.at("invr-user-rank").producer.b50ps, 0.121);
  EXPECT_DOUBLE_EQ(*r.relative.at("invr-user-rank").at("psei").change, 0.5);
  EXPECT_EQ(r.version, 1);
  // Version 1 has no levels, estimators, SRM, trends, A/A or oracle.
  EXPECT_FALSE(r.relative.at("invr-user-rank").at("psei").control.has_value());
  EXPECT_FALSE(r.relative.at("invr-user-rank").at("psei").significant.has_value());
  EXPECT_TRUE(r.analysis.effects.empty());
  EXPECT_FALSE(r.analysis.srm.has_value());
  EXPECT_FALSE(r.aa.has_value());
  EXPECT_FALSE(r.world.oracle.has_value());
  // A null interval is read as "no interval", not an error.
  EXPECT_FALSE(r.relative.at("invr-user-rank").at("producer_gini").ci_low.has_value());
  ASSERT_EQ(r.daily.at("invr-score").size(), 3u);
  EXPECT_DOUBLE_EQ(r.daily.at("invr-score")[2].psei, 30.0);
  EXPECT_EQ(r.lorenz.size(), 4u);
  EXPECT_EQ(r.users.size(), 3u);
  ASSERT_EQ(r.experiments.size(), 2u);
  EXPECT_EQ(r.experiments[0].arms,
            (std::vector<std::string>{"invr-user-rank (selected producers)",
                                      "invr-user-rank (all items)", "control"}));
  EXPECT_TRUE(r.experiments[1].totals.empty());
}

TEST(ReportResults, MissingKeyNamesFileAndPath) {
  Json json = load_fixture();
  json["totals"]["control"].erase("ctr");
  const std::string message = data_error(json);
  EXPECT_NE(message.find("results.json: /totals/control: missing key \"ctr\""), std::string::npos)
      << message;
}

TEST(ReportResults, WrongTypeNamesThePath) {
  Json json = load_fixture();
  json["totals"]["invr-score"]["producer"]["b50ps"] = "high";
  const std::string message = data_error(json);
  EXPECT_NE(message.find("/totals/invr-score/producer/b50ps: expected a number, found a string"),
            std::string::npos)
      << message;
}

TEST(ReportResults, RelativeMetricWithoutChange) {
  Json json = load_fixture();
  json["relative"]["invr-random"]["psei"].erase("change");
  EXPECT_NE(data_error(json).find("/relative/invr-random/psei: missing key \"change\""),
            std::string::npos);
}

TEST(ReportResults, NullChangeIsShownAsMissing) {
  // The simulator writes arm/control - 1 as null when the control value is 0.
  Json json = load_fixture();
  json["relative"]["invr-random"]["item_b50ps"] = {
      {"change", nullptr}, {"ci_low", nullptr}, {"ci_high", nullptr}};
  const Results r = read_results(json.dump(), "results.json");
  EXPECT_EQ(r.relative.at("invr-random").count("item_b50ps"), 0u);
  EXPECT_EQ(r.relative.at("invr-random").count("psei"), 1u);
}

TEST(ReportResults, InvalidJsonNamesLineAndColumn) {
  test::TempDir tmp;
  const fs::path results = tmp / "results.json";
  test::write_file(results,
                   "{\n  \"format\": \"invr-simulation-results\",\n  \"version\": 1,,\n}\n");
  try {
    read_results(test::read_file(results), results.string());
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.column(), 16u);  // the second comma: `  "version": 1,,`
    EXPECT_NE(std::string(e.what()).find(results.string() + ":3:16:"), std::string::npos)
        << e.what();
  }
}

TEST(ReportResults, WrongFormatAndVersion) {
  Json json = load_fixture();
  json["format"] = "something-else";
  EXPECT_NE(data_error(json).find("/format: expected \"invr-simulation-results\""),
            std::string::npos);
  json = load_fixture();
  json["version"] = 3;
  EXPECT_NE(data_error(json).find("/version: unsupported version 3 (this build reads versions 1 "
                                  "to 2)"),
            std::string::npos)
      << data_error(json);
}

TEST(ReportResults, HistogramEdgesMustMatchCounts) {
  Json json = load_fixture();
  json["treated_exposure_histogram"]["control"]["edges"] = {0, 1, 2};
  EXPECT_NE(data_error(json).find("/treated_exposure_histogram/control/edges: expected 7 edges for "
                                  "6 counts, found 3"),
            std::string::npos);
  json = load_fixture();
  json["users"]["invr-score"]["ctr_change_histogram"]["edges"][2] = -0.2;
  EXPECT_NE(data_error(json).find("/users/invr-score/ctr_change_histogram/edges/2: expected edges "
                                  "in increasing order"),
            std::string::npos);
}

TEST(ReportResults, ArmsMustBeConsistent) {
  Json json = load_fixture();
  json["daily"][4]["arm"] = "invr-mystery";
  EXPECT_NE(data_error(json).find("/daily/4/arm: arm \"invr-mystery\" is not listed in /arms"),
            std::string::npos);
  json = load_fixture();
  json["lorenz"]["invr-mystery"] = json["lorenz"]["control"];
  EXPECT_NE(data_error(json).find("/lorenz/invr-mystery: arm \"invr-mystery\" is not listed"),
            std::string::npos);
  json = load_fixture();
  json["relative"].erase("invr-score");
  EXPECT_NE(data_error(json).find("/relative: missing key \"invr-score\""), std::string::npos);
  json = load_fixture();
  json["arms"][0]["ordering"] = "random";
  EXPECT_NE(data_error(json).find("/arms: expected a control arm"), std::string::npos);
}

// A competing method's arm (docs/methods.md) has no ordering but a method:
// it is a treated arm, shown by its method, never a second control.
TEST(ReportResults, AMethodArmWithoutOrderingIsNotAControl) {
  Json json = load_fixture();
  json["arms"][1]["ordering"] = nullptr;
  json["arms"][1]["method"] = "xquad";
  json["arms"][1]["lambda"] = 0.5;
  const Results r = read_results(json.dump(), "results.json");
  EXPECT_EQ(r.control, "control");
  EXPECT_EQ(r.arms[1].ordering, "xquad");
  json["arms"][1]["method"] = "control";
  EXPECT_NE(data_error(json).find("a second control arm"), std::string::npos);
}

TEST(ReportResults, PathSegmentsAreEscapedAsJsonPointer) {
  // RFC 6901: "/" in a key is written "~1", so the path stays unambiguous.
  std::string text = test::read_file(fixture());
  for (auto at = text.find("\"invr-score\""); at != std::string::npos;
       at = text.find("\"invr-score\""))
    text.replace(at, 12, "\"invr/score\"");
  Json json = Json::parse(text);
  json["totals"]["invr/score"].erase("clicks");
  EXPECT_NE(data_error(json).find("/totals/invr~1score: missing key \"clicks\""),
            std::string::npos);
}

TEST(ReportResults, ExtraKeysAreIgnored) {
  Json json = load_fixture();
  json["something_new"] = {{"a", 1}};
  json["totals"]["control"]["revenue"] = 3.5;
  json["relative"]["invr-score"]["revenue"] = {{"change", 0.1}};
  EXPECT_EQ(data_error(json), "");
}

TEST(ReportResults, MissingOptionalSectionsDropOnlyTheirCharts) {
  Json json = load_fixture();
  const std::string full = render_report(json.dump(), "results.json", "/* stub */");
  // 6 relative + lorenz + 3 daily + treated exposure + users + experiments
  // (all_items reports 4 metrics, cold_start_embeddings 2).
  EXPECT_EQ(count(full, "<canvas "), 18);
  EXPECT_NE(full.find("data-charts-expected=\"18\""), std::string::npos);

  for (const char* key : {"lorenz", "users", "experiments", "treated_exposure_histogram"})
    json.erase(key);
  const std::string minimal = render_report(json.dump(), "results.json", "/* stub */");
  EXPECT_EQ(count(minimal, "<canvas "), 9);
  EXPECT_NE(minimal.find("data-charts-expected=\"9\""), std::string::npos);
  EXPECT_EQ(minimal.find("chart-lorenz"), std::string::npos);
  EXPECT_EQ(minimal.find("id=\"experiments\""), std::string::npos);
  EXPECT_NE(minimal.find("chart-daily-psei"), std::string::npos);
}

TEST(ReportChartjs, MissingFileSaysHowToInstall) {
  ReportOptions options;
  options.chartjs = "/nonexistent/chart.min.js";
  try {
    chartjs_path(options);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("/nonexistent/chart.min.js"), std::string::npos) << message;
    EXPECT_NE(message.find("libjs-chart.js"), std::string::npos) << message;
  }
}

TEST(ReportChartjs, EnvironmentOverridesTheConfiguredFile) {
  test::TempDir tmp;
  test::write_file(tmp / "my-chart.js", "/* my chart build */");
  const char* old = std::getenv("INVR_CHARTJS");
  const std::string saved = old ? old : "";
  ::setenv("INVR_CHARTJS", (tmp / "my-chart.js").c_str(), 1);
  EXPECT_EQ(chartjs_path(), tmp / "my-chart.js");
  write_report(fixture(), tmp / "report.html");
  const std::string html = test::read_file(tmp / "report.html");
  EXPECT_NE(html.find("/* my chart build */"), std::string::npos);

  ::setenv("INVR_CHARTJS", (tmp / "absent.js").c_str(), 1);
  EXPECT_THROW(chartjs_path(), IoError);
  if (old)
    ::setenv("INVR_CHARTJS", saved.c_str(), 1);
  else
    ::unsetenv("INVR_CHARTJS");
}

}  // namespace
}  // namespace invr::report
