// results.json version 2 in the report: the hand-written fixture
// tests/testdata/simulation/results_v2.json (a dataset world, 4 arms, 7 days,
// the paired counterfactual, an A/A run of 40 salts and one experiment) is
// read, bad values are refused with their JSON path, and the page shows the
// headline effects with their levels, the SRM test, the A/A rates, the CTR
// trend, the oracle and the "How much to trust this" lines.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "invr/error.h"
#include "invr/report.h"
#include "report/report_charts.h"
#include "report/report_html.h"
#include "report/report_json.h"
#include "report/report_results.h"
#include "report/report_trust.h"
#include "report_test_read.h"
#include "test_util.h"

namespace invr::report {
namespace {
using test::count;

Json load_v2() {
  return Json::parse(test::read_file(test::testdata_dir() / "simulation" / "results_v2.json"));
}
Json load_v1() {
  return Json::parse(test::read_file(test::testdata_dir() / "simulation" / "results.json"));
}

using test_read::page;
using test_read::read;
using test_read::read_error;
using test_read::section;

// The trust line about `topic`, or an empty line.
TrustLine trust_line(const Results& r, const std::string& topic) {
  for (const auto& line : trust_lines(r))
    if (line.topic == topic) return line;
  return {};
}

// ---------------------------------------------------------------- reading

TEST(ReportV2Results, ReadsTheFixture) {
  const Results r = read(load_v2());
  EXPECT_EQ(r.version, 2);
  EXPECT_EQ(r.world.kind, "dataset");
  ASSERT_TRUE(r.world.oracle.has_value());
  EXPECT_EQ(r.world.oracle->kind, "two-tower");
  EXPECT_DOUBLE_EQ(r.world.oracle->recall_at_20, 0.142);
  EXPECT_DOUBLE_EQ(r.world.oracle->most_popular_recall_at_20, 0.097);
  EXPECT_EQ(r.world.oracle->test_users, 4800);

  const Estimate& b50ps = r.relative.at("invr-user-rank").at("producer_b50ps");
  EXPECT_DOUBLE_EQ(*b50ps.control, 0.0015);
  EXPECT_DOUBLE_EQ(*b50ps.arm, 0.0127);
  EXPECT_DOUBLE_EQ(*b50ps.ci_low, 5.89);
  EXPECT_EQ(b50ps.interval, "permutation");
  EXPECT_TRUE(*b50ps.significant);
  // A null change (control level 0) is kept with its levels, unlike version 1.
  const Estimate& item = r.relative.at("invr-user-rank").at("item_b50ps");
  EXPECT_FALSE(item.change.has_value());
  EXPECT_DOUBLE_EQ(*item.control, 0.0);

  ASSERT_EQ(r.analysis.effects.size(), 3u);
  const ArmEffects& e = r.analysis.effects.at("invr-user-rank");
  EXPECT_EQ(e.primary, "paired");
  ASSERT_TRUE(e.ctr.paired.has_value());
  EXPECT_DOUBLE_EQ(*e.primary_ctr().ci_high, -0.019);
  EXPECT_DOUBLE_EQ(*e.ctr.cuped.change, -0.0112);
  EXPECT_DOUBLE_EQ(*e.clicks_per_user.paired->control, 1.8405);

  ASSERT_TRUE(r.analysis.srm.has_value());
  EXPECT_FALSE(r.analysis.srm->flagged);
  EXPECT_EQ(r.analysis.srm->users.observed, (std::vector<double>{6012, 5978, 6031, 5979}));
  EXPECT_EQ(r.analysis.srm->users.dof, 3);
  EXPECT_EQ(r.analysis.srm_arms,
            (std::vector<std::string>{"control", "invr-random", "invr-score", "invr-user-rank"}));
  EXPECT_DOUBLE_EQ(r.analysis.trend.at("control").first3, 0.0611);
  EXPECT_EQ(r.analysis.trend.size(), 4u);

  ASSERT_TRUE(r.aa.has_value());
  EXPECT_EQ(r.aa->salts, 40);
  EXPECT_EQ(r.aa->comparisons, 120);
  EXPECT_EQ(r.aa->per_salt.size(), 40u);
  EXPECT_EQ(r.aa->false_positive_rate.size(), 11u);
  EXPECT_EQ(r.aa->false_positive_rate.back().first, "clicks_per_user_cuped");

  ASSERT_TRUE(r.daily.at("control")[6].producer_7d.has_value());
  ASSERT_EQ(r.experiments.size(), 1u);
  const RunAnalysis& x = r.experiments[0].analysis;
  EXPECT_EQ(x.srm_arms, (std::vector<std::string>{"control", "invr-user-rank"}));
  EXPECT_EQ(x.effects.count("invr-user-rank"), 1u);
  EXPECT_EQ(x.trend.size(), 2u);
}

TEST(ReportV2Results, BadValuesAreRefusedNamingTheirPath) {
  struct Case {
    const char* pointer;  // JSON Pointer of the value to set
    Json value;
    const char* message;  // expected in the error
  };
  const std::vector<Case> cases = {
      {"/relative/invr-score/psei/change", -1.5,
       "/relative/invr-score/psei/change: expected a relative change of at least -1 (-100%), "
       "found -1.5"},
      {"/relative/invr-score/psei/ci_low", -2,
       "/relative/invr-score/psei/ci_low: expected a relative change of at least -1"},
      {"/relative/invr-score/producer_b50ps/control", 1.2,
       "/relative/invr-score/producer_b50ps/control: expected a Producer B50PS level in [0, 1] "
       "(a fraction), found 1.2"},
      {"/relative/invr-score/psei/arm", 130,
       "/relative/invr-score/psei/arm: expected a PSEI level in [0, 100] (a percentage)"},
      {"/relative/invr-score/clicks_per_user/arm", -0.5,
       "/relative/invr-score/clicks_per_user/arm: expected a Clicks per user level in [0, inf)"},
      {"/relative/invr-score/psei/ci_low", 4.6,
       "/relative/invr-score/psei/ci_low: expected ci_low <= ci_high, found 4.6 > 4.51"},
      {"/relative/invr-score/psei/ci_high", nullptr,
       "/relative/invr-score/psei/ci_high: expected a number: ci_low and ci_high are both numbers "
       "or both null"},
      {"/relative/invr-score/item_b50ps",
       {{"change", nullptr},
        {"ci_low", 0.1},
        {"ci_high", 0.2},
        {"control", 0.0},
        {"arm", 0.0031},
        {"interval", "permutation"},
        {"significant", false}},
       "/relative/invr-score/item_b50ps/ci_low: expected null: the change is null"},
      {"/relative/invr-score/psei/interval", "normal",
       "/relative/invr-score/psei/interval: expected \"percentile\" or \"permutation\", found "
       "\"normal\""},
      {"/relative/invr-score/psei/significant", "yes",
       "/relative/invr-score/psei/significant: expected true or false, found a string"},
      // Only the primary estimator may be significant: CTR's is in effects.
      {"/relative/invr-score/ctr/significant", true,
       "/relative/invr-score/ctr/significant: expected false: \"significant\" is set only on the "
       "primary estimator"},
      {"/effects/invr-score/ctr/cuped/significant", true,
       "/effects/invr-score/ctr/cuped/significant: expected false: \"significant\" is set only "
       "on the primary estimator"},
      {"/effects/invr-score/ctr/paired/ci_high", 0.01,
       "/effects/invr-score/ctr/paired/significant: expected false: the interval [-0.026, 0.01] "
       "includes 0"},
      {"/effects/invr-score/primary", "bayes",
       "/effects/invr-score/primary: expected \"paired\" or \"cuped\", found \"bayes\""},
      {"/effects/invr-score/ctr/paired", nullptr,
       "/effects/invr-score/ctr/paired: expected an estimate: \"primary\" is \"paired\""},
      {"/effects/invr-score", nullptr,
       "/effects/invr-score: expected the effects of an InvR arm, found null"},
      {"/srm/users/observed", Json::array({6012, 5978, 6031}),
       "/srm/users/observed: expected 4 values, one per arm, found 3"},
      {"/srm/users/p_value", 1.5, "/srm/users/p_value: expected a number in [0, 1] (a p-value)"},
      {"/srm/users/dof", 4, "/srm/users/dof: expected 3 (arms - 1), found 4"},
      {"/srm/flagged", "no", "/srm/flagged: expected true or false"},
      {"/srm/p_threshold", 0, "/srm/p_threshold: expected a number in (0, 1)"},
      {"/trend/control/ctr/first3", 2, "/trend/control/ctr/first3: expected a number in [0, 1]"},
      {"/trend/control/ctr/ci_low", 0.5,
       "/trend/control/ctr/ci_low: expected ci_low <= ci_high, found 0.5 > 0.0213"},
      {"/trend/invr-mystery", Json::object(),
       "/trend/invr-mystery: arm \"invr-mystery\" is not listed in /arms"},
      {"/aa/comparisons", 100,
       "/aa/comparisons: expected 120 (salts x non-control arms = 40 x 3), found 100"},
      {"/aa/false_positive_rate/psei", 1.2,
       "/aa/false_positive_rate/psei: expected a number in [0, 1]"},
      {"/aa/per_salt/3/excluding/ctr", 4,
       "/aa/per_salt/3/excluding/ctr: expected a count in [0, 3], found 4"},
      {"/aa/srm_flagged", 41, "/aa/srm_flagged: expected a count in [0, 40], found 41"},
      {"/aa/out_of_range", -1, "/aa/out_of_range: expected a count of at least 0, found -1"},
      {"/world/oracle/kind", "bert",
       "/world/oracle/kind: expected \"two-tower\", \"ease\" or \"item-knn\", found \"bert\""},
      {"/world/oracle/holdout/recall_at_20", 1.5,
       "/world/oracle/holdout/recall_at_20: expected a number in [0, 1]"},
      {"/daily/5/producer_7d/b50ps", -0.1,
       "/daily/5/producer_7d/b50ps: expected a number in [0, 1]"},
      {"/experiments/0/srm/users/observed", Json::array({1, 2, 3}),
       "/experiments/0/srm/users/observed: expected 2 values, one per arm, found 3"},
      {"/experiments/0/effects/invr-user-rank/ctr/arm_level/significant", true,
       "/experiments/0/effects/invr-user-rank/ctr/arm_level/significant: expected false"},
  };
  for (const Case& c : cases) {
    Json json = load_v2();
    json[Json::json_pointer(c.pointer)] = c.value;
    const std::string message = read_error(json);
    EXPECT_NE(message.find(std::string("results.json: ") + c.message), std::string::npos)
        << c.pointer << " = " << c.value.dump() << "\n  got: " << message;
  }
}

TEST(ReportV2Results, MissingSectionsAndEntries) {
  struct Case {
    const char* parent;
    const char* key;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"", "effects", "/: missing key \"effects\""},
      {"", "srm", "/: missing key \"srm\""},
      {"", "trend", "/: missing key \"trend\""},
      {"/effects", "invr-score", "/effects: missing key \"invr-score\""},
      {"/srm", "visiting_users", "/srm: missing key \"visiting_users\""},
      {"/relative/invr-score/psei", "significant",
       "/relative/invr-score/psei: missing key \"significant\""},
      {"/relative/invr-score/psei", "control",
       "/relative/invr-score/psei: missing key \"control\""},
      {"/aa", "per_salt", "/aa: missing key \"per_salt\""},
      {"/world/oracle", "holdout", "/world/oracle: missing key \"holdout\""},
  };
  for (const Case& c : cases) {
    Json json = load_v2();
    json[Json::json_pointer(c.parent)].erase(c.key);
    const std::string message = read_error(json);
    EXPECT_NE(message.find(std::string("results.json: ") + c.message), std::string::npos)
        << c.parent << "/" << c.key << "\n  got: " << message;
  }
  // Optional: the A/A run, the oracle (a synthetic world), the 7-day window,
  // and every version 2 section of an experiment.
  Json json = load_v2();
  json.erase("aa");
  json["world"]["oracle"] = nullptr;
  json["daily"][0].erase("producer_7d");
  for (const char* key : {"effects", "srm", "trend", "arms"}) json["experiments"][0].erase(key);
  EXPECT_EQ(read_error(json), "");
}

TEST(ReportV2Results, CupedIsThePrimaryWithoutTheCounterfactual) {
  Json json = load_v2();
  for (auto& [arm, e] : json["effects"].items()) {
    e["primary"] = "cuped";
    for (const char* metric : {"ctr", "clicks_per_user"}) {
      e[metric]["paired"] = nullptr;
      auto& cuped = e[metric]["cuped"];
      cuped["significant"] = cuped["ci_high"].get<double>() < 0;
    }
  }
  // CUPED of invr-random's CTR: [-0.041, -0.003] excludes 0, significant.
  json["effects"]["invr-random"]["ctr"]["cuped"]["ci_high"] = -0.003;
  json["effects"]["invr-random"]["ctr"]["cuped"]["significant"] = true;
  const Results r = read(json);
  EXPECT_DOUBLE_EQ(*r.analysis.effects.at("invr-random").primary_ctr().ci_high, -0.003);

  const std::string html = page(json);
  const std::string headline = section(html, "<section id=\"headline\"");
  EXPECT_NE(headline.find("<b>primary</b>: CUPED"), std::string::npos) << headline;
  EXPECT_EQ(count(headline, "the primary, above"), 6);  // the CUPED row of 2 metrics x 3 arms
  EXPECT_NE(headline.find("<td class=\"worse\"><span class=\"levels\">6.24% → 6.13%</span>-1.6% "
                          "<span class=\"ci\">[-4.1, -0.3]</span>"),
            std::string::npos)
      << headline;
  EXPECT_NE(trust_line(r, "ctr_resolution").html.find("headline CTR intervals (CUPED)"),
            std::string::npos);
  // Writing the primary as "paired" with a null paired estimate is refused.
  json["effects"]["invr-random"]["primary"] = "paired";
  EXPECT_NE(read_error(json).find("/effects/invr-random/ctr/paired: expected an estimate"),
            std::string::npos);
}

// ---------------------------------------------------------------- the page

TEST(ReportV2Page, HeadlineHasThePrimaryBesideCupedAndArmLevel) {
  const std::string html = page(load_v2());
  const std::string headline = section(html, "<section id=\"headline\"");
  ASSERT_FALSE(headline.empty());
  EXPECT_NE(headline.find("<b>primary</b>: paired counterfactual"), std::string::npos);
  // invr-user-rank CTR: paired 6.31% -> 6.16%, -2.4% [-2.9, -1.9], significant (a loss: red).
  EXPECT_NE(headline.find("<td class=\"worse\"><span class=\"levels\">6.31% → 6.16%</span>-2.4% "
                          "<span class=\"ci\">[-2.9, -1.9]</span><span class=\"estimator\">"
                          "percentile interval</span></td>"),
            std::string::npos)
      << headline;
  // CUPED and arm-level: levels of the arms themselves, never shaded.
  EXPECT_NE(headline.find("<td><span class=\"levels\">6.24% → 6.18%</span>-1.1% <span "
                          "class=\"ci\">[-3.6, +1.4]</span></td>"),
            std::string::npos);
  EXPECT_NE(headline.find("<td><span class=\"levels\">6.24% → 6.18%</span>-0.9% <span "
                          "class=\"ci\">[-4.3, +1.9]</span></td>"),
            std::string::npos);
  // Clicks per user: a count per user, not a percentage.
  EXPECT_NE(headline.find("<span class=\"levels\">1.84 → 1.80</span>-2.4%"), std::string::npos);
  EXPECT_EQ(count(headline, "class=\"worse\""), 6);  // the primary rows: 2 metrics x 3 arms
  EXPECT_EQ(count(headline, "class=\"better\""), 0);
  // The headline comes before the trust box and the paper's table.
  EXPECT_LT(html.find("id=\"headline\""), html.find("id=\"exposure\""));
  EXPECT_LT(html.find("id=\"exposure\""), html.find("id=\"trust\""));
  EXPECT_LT(html.find("id=\"trust\""), html.find("id=\"summary\""));
}

TEST(ReportV2Page, LevelsStandBesideEveryChange) {
  const Json json = load_v2();
  const std::string html = page(json);
  const std::string exposure = section(html, "<section id=\"exposure\"");
  // Producer B50PS of invr-user-rank: 0.15% -> 1.27% (+747% [+589, +1022]).
  EXPECT_NE(exposure.find("<td class=\"better\"><span class=\"levels\">0.15% → 1.27%</span>+747% "
                          "<span class=\"ci\">[+589, +1022]</span></td>"),
            std::string::npos)
      << exposure;
  // A null change: the levels stay, the change reads n/a.
  EXPECT_NE(
      exposure.find("<td><span class=\"levels\">0.00% → 0.38%</span><span class=\"muted\">n/a "
                    "(control 0)</span></td>"),
      std::string::npos);
  EXPECT_NE(exposure.find("Producer coverage ↑"), std::string::npos);
  EXPECT_NE(exposure.find("Item Gini ↓"), std::string::npos);
  EXPECT_NE(exposure.find("<span class=\"levels\">0.962 → 0.945</span>-1.8%"), std::string::npos);
  EXPECT_NE(exposure.find("<span class=\"levels\">1.3% → 6.2%</span>+377%"), std::string::npos);

  // The paper's table shows the primary CTR, with its levels too.
  const std::string summary = section(html, "<section id=\"summary\"");
  EXPECT_NE(summary.find("<td class=\"worse\"><span class=\"levels\">6.31% → 6.16%</span>-2.4%"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("<span class=\"levels\">0.15% → 1.27%</span>+747%"), std::string::npos);

  const Results r = read(json);
  EXPECT_EQ(estimate_text(r.relative.at("invr-user-rank").at("producer_b50ps"),
                          *find_metric("producer_b50ps")),
            "0.15% → 1.27% (+747% [+589, +1022])");
  EXPECT_EQ(
      estimate_text(r.relative.at("invr-user-rank").at("item_b50ps"), *find_metric("item_b50ps")),
      "0.00% → 0.38% (n/a (control 0))");
}

TEST(ReportV2Page, ShadingOnlyWhereSignificant) {
  Json json = load_v2();
  // PSEI of invr-score: [+298, +451] excludes 0, but the file says not significant.
  json["relative"]["invr-score"]["psei"]["significant"] = false;
  const std::string exposure = section(page(json), "<section id=\"exposure\"");
  EXPECT_NE(exposure.find("<td><span class=\"levels\">1.3% → 6.4%</span>+392%"), std::string::npos)
      << exposure;
  EXPECT_NE(exposure.find("<td class=\"better\"><span class=\"levels\">1.3% → 6.2%</span>+377%"),
            std::string::npos);
}

TEST(ReportV2Page, AssignmentTruthRunsAreFlaggedAsDiagnostics) {
  Json json = load_v2();
  EXPECT_EQ(page(json).find("truth-warning"), std::string::npos);
  json["config"]["simulation"]["assignment_truth"] = true;
  const std::string flagged = page(json);
  const std::string warning = section(flagged, "<div class=\"warning truth-warning\"", "</div>");
  ASSERT_FALSE(warning.empty());
  EXPECT_NE(warning.find("role=\"alert\""), std::string::npos);
  EXPECT_NE(warning.find("not the model"), std::string::npos) << warning;
}

TEST(ReportV2Page, BlockedAssignmentIsNamedInTheSampleRatioLine) {
  Json json = load_v2();
  EXPECT_EQ(page(json).find("blocks of similar activity"), std::string::npos);
  json["config"]["simulation"]["blocked_assignment"] = true;
  const std::string blocked = page(json);
  const std::string line = section(blocked, "<li class=\"trust-ok\" data-topic=\"srm\">", "</li>");
  ASSERT_FALSE(line.empty());
  EXPECT_NE(line.find("blocks of similar activity"), std::string::npos) << line;
}

TEST(ReportV2Page, SrmWarningOnlyWhenFlagged) {
  Json json = load_v2();
  const std::string calm = page(json);
  EXPECT_EQ(calm.find("srm-warning"), std::string::npos);
  EXPECT_EQ(calm.find("Sample ratio mismatch"), std::string::npos);
  EXPECT_NE(section(calm, "<section id=\"srm\"").find("<b>no mismatch</b>"), std::string::npos);
  EXPECT_NE(calm.find("<li class=\"trust-ok\" data-topic=\"srm\">"), std::string::npos);

  json["srm"]["flagged"] = true;
  json["srm"]["users"]["observed"] = {6012, 5478, 6031, 5979};
  json["srm"]["users"]["expected"] = {5875, 5875, 5875, 5875};
  json["srm"]["users"]["p_value"] = 2.1e-6;
  const std::string flagged = page(json);
  const std::string warning =
      section(flagged, "<div class=\"warning srm-warning\" id=\"srm-warning\"", "</div>");
  ASSERT_FALSE(warning.empty());
  EXPECT_NE(warning.find("role=\"alert\""), std::string::npos);
  EXPECT_NE(warning.find("users per arm p = 2.1e-06"), std::string::npos) << warning;
  EXPECT_NE(warning.find("Furthest off: invr-random with -6.8% of its expected users"),
            std::string::npos)
      << warning;
  // Prominent: the first thing in <main>.
  EXPECT_EQ(flagged.find("<main>\n<div class=\"warning srm-warning\""), flagged.find("<main>"));
  EXPECT_NE(flagged.find("<li class=\"trust-warning\" data-topic=\"srm\">"), std::string::npos);

  // An experiment's SRM is its own: the warning sits in its article only.
  json = load_v2();
  json["experiments"][0]["srm"]["flagged"] = true;
  json["experiments"][0]["srm"]["visiting_users"]["p_value"] = 0.0002;
  const std::string experiment = page(json);
  EXPECT_EQ(count(experiment, "class=\"warning srm-warning\""), 1);
  EXPECT_NE(experiment.find("id=\"srm-warning-experiment-0\""), std::string::npos);
  EXPECT_EQ(experiment.find("id=\"srm-warning\""), std::string::npos);
  EXPECT_LT(experiment.find("id=\"experiment-0\""), experiment.find("srm-warning-experiment-0"));
}

TEST(ReportV2Page, TrustBoxLinesQuoteTheirFigures) {
  const Results r = read(load_v2());
  std::vector<std::string> topics;
  for (const auto& line : trust_lines(r)) {
    topics.push_back(line.topic);
    EXPECT_EQ(line.verdict, Verdict::kOk) << line.topic << ": " << line.html;
  }
  EXPECT_EQ(topics,
            (std::vector<std::string>{"users", "srm", "aa", "ctr_resolution", "psei", "trend",
                                      "oracle"}));
  EXPECT_NE(trust_line(r, "psei").html.find("18 of 1,415 treated items (1.3%) reached"),
            std::string::npos)
      << trust_line(r, "psei").html;
  EXPECT_NE(trust_line(r, "users").html.find("5,978 to 6,031 users per arm"), std::string::npos);
  EXPECT_NE(trust_line(r, "srm").html.find("users per arm p = 0.953, visiting users p = 0.972"),
            std::string::npos);
  EXPECT_NE(trust_line(r, "aa").html.find("40 salts, 120 comparisons: 95% intervals excluded 0 "
                                          "in 3.3% to 7.5% of comparisons over 11 metrics"),
            std::string::npos)
      << trust_line(r, "aa").html;
  const std::string resolution = trust_line(r, "ctr_resolution").html;
  EXPECT_NE(resolution.find("headline CTR intervals (paired counterfactual) are ±0.50% wide"),
            std::string::npos)
      << resolution;
  EXPECT_NE(resolution.find("6.31% → 6.16% (-2.4% [-2.9, -1.9])"), std::string::npos);
  EXPECT_NE(resolution.find("resolves a 1% change"), std::string::npos);
  EXPECT_NE(trust_line(r, "trend")
                .html.find("6.11% over the first 3 days, 6.42% over the last 3 "
                           "(+5.1%)"),
            std::string::npos)
      << trust_line(r, "trend").html;
  EXPECT_NE(trust_line(r, "oracle")
                .html.find("Recall@20 0.142 against 0.097 for most popular "
                           "(1.46×"),
            std::string::npos)
      << trust_line(r, "oracle").html;

  const std::string box = section(page(load_v2()), "<section id=\"trust\"");
  EXPECT_EQ(count(box, "<li class=\"trust-ok\""), 7) << box;
  EXPECT_NE(box.find("<h2>How much to trust this</h2>"), std::string::npos);
}

TEST(ReportV2Page, TrustBoxTurnsOnItsAaThresholds) {
  // No A/A run: say how to run one.
  Json json = load_v2();
  json.erase("aa");
  TrustLine line = trust_line(read(json), "aa");
  EXPECT_EQ(line.verdict, Verdict::kCaution);
  EXPECT_NE(line.html.find("no A/A run"), std::string::npos);
  EXPECT_NE(line.html.find("<code>invr simulate ... --aa-salts 40</code>"), std::string::npos);
  EXPECT_NE(line.html.find("40 salts × 3 non-control arms = 120 comparisons"), std::string::npos);
  EXPECT_EQ(page(json).find("id=\"aa\""), std::string::npos);

  // A/A rates outside 2-9%, and intervals out of range.
  json = load_v2();
  json["aa"]["false_positive_rate"]["psei"] = 0.125;
  json["aa"]["false_positive_rate"]["item_b50ps"] = 0.0083;
  line = trust_line(read(json), "aa");
  EXPECT_EQ(line.verdict, Verdict::kWarning);
  EXPECT_NE(line.html.find("too often for PSEI 12.5%"), std::string::npos) << line.html;
  EXPECT_NE(line.html.find("rarely for Item B50PS 0.8%"), std::string::npos) << line.html;
  const std::string aa = section(page(json), "<section id=\"aa\"");
  EXPECT_NE(aa.find("<td>15 of 120</td><td class=\"worse\">12.5%</td><td class=\"text\">too many"),
            std::string::npos)
      << aa;
  // A metric never defined (0 in control every time) is not measured: no
  // rate, no verdict, said in the line; a partly defined one is a share of
  // its defined comparisons.
  json = load_v2();
  json["aa"]["defined"] = nlohmann::json::object();
  for (auto& [metric, rate] : json["aa"]["false_positive_rate"].items())
    json["aa"]["defined"][metric] = json["aa"]["comparisons"];
  json["aa"]["false_positive_rate"]["producer_b50ps"] = nullptr;
  json["aa"]["defined"]["producer_b50ps"] = 0;
  json["aa"]["false_positive_rate"]["psei"] = 0.05;
  json["aa"]["defined"]["psei"] = 60;
  line = trust_line(read(json), "aa");
  EXPECT_NE(line.html.find("not measured for Producer B50PS (0 in control in every comparison"),
            std::string::npos)
      << line.html;
  const std::string partly = section(page(json), "<section id=\"aa\"");
  EXPECT_NE(partly.find("<td>0 of 0</td><td>n/a</td>"), std::string::npos) << partly;
  EXPECT_NE(partly.find("<td>3 of 60</td><td>5.0%</td>"), std::string::npos) << partly;
  // A null rate where comparisons are defined is a broken file.
  json["aa"]["defined"]["producer_b50ps"] = 3;
  EXPECT_THROW(read(json), DataError);
  json = load_v2();
  json["aa"]["out_of_range"] = 2;
  line = trust_line(read(json), "aa");
  EXPECT_EQ(line.verdict, Verdict::kWarning);
  EXPECT_NE(line.html.find("2 intervals fell outside their metric's range (must be 0)"),
            std::string::npos);

  // A small A/A run is too coarse to judge: at most a caution, with advice.
  json = load_v2();
  json["aa"]["salts"] = 5;
  json["aa"]["comparisons"] = 15;
  json["aa"]["per_salt"].erase(json["aa"]["per_salt"].begin() + 5, json["aa"]["per_salt"].end());
  json["aa"]["false_positive_rate"]["psei"] = 2.0 / 15;
  line = trust_line(read(json), "aa");
  EXPECT_EQ(line.verdict, Verdict::kCaution);
  EXPECT_NE(line.html.find("too often for PSEI 13.3%"), std::string::npos) << line.html;
  EXPECT_NE(line.html.find("only 15 comparisons, so one interval moves a rate by 6.7 points: too "
                           "coarse to judge, run at least 34 salts"),
            std::string::npos)
      << line.html;
  EXPECT_NE(section(page(json), "<section id=\"aa\"").find("Only 15 comparisons"),
            std::string::npos);
}

TEST(ReportV2Page, TrustBoxTurnsOnItsOtherThresholds) {
  // A wide headline CTR interval: cannot resolve a 1% change; borderline at ±0.9%.
  Json json = load_v2();
  auto& paired = json["effects"]["invr-score"]["ctr"]["paired"];
  paired["ci_low"] = -0.056;
  paired["ci_high"] = 0.014;
  paired["significant"] = false;
  TrustLine line = trust_line(read(json), "ctr_resolution");
  EXPECT_EQ(line.verdict, Verdict::kWarning);
  EXPECT_NE(line.html.find("are ±0.50% to ±3.50% wide; widest: invr-score"), std::string::npos)
      << line.html;
  EXPECT_NE(line.html.find("cannot resolve a 1% change: ±3.50% is 3.5× the bar. About 25.0× the "
                           "users, about 150,"),
            std::string::npos)
      << line.html;
  paired["ci_low"] = -0.030;
  paired["ci_high"] = -0.012;
  paired["significant"] = true;
  line = trust_line(read(json), "ctr_resolution");
  EXPECT_EQ(line.verdict, Verdict::kCaution);
  EXPECT_NE(line.html.find("borderline"), std::string::npos);

  // A drifting control CTR: a warning line and a warning in the trend section.
  json = load_v2();
  json["trend"]["control"]["ctr"]["last3"] = 0.0855;
  json["trend"]["control"]["ctr"]["change"] = 0.4;
  line = trust_line(read(json), "trend");
  EXPECT_EQ(line.verdict, Verdict::kWarning);
  EXPECT_NE(line.html.find("6.11% over the first 3 days, 8.55% over the last 3 (+40.0%)"),
            std::string::npos);
  const std::string trend = section(page(json), "<section id=\"trend\"");
  EXPECT_NE(trend.find("class=\"warning trend-warning\""), std::string::npos);
  EXPECT_NE(trend.find("<td class=\"worse\">+40.0%</td>"), std::string::npos) << trend;
  EXPECT_EQ(section(page(load_v2()), "<section id=\"trend\"").find("trend-warning"),
            std::string::npos);

  // The oracle: under popularity is a warning, barely above a caution; a
  // synthetic world has none to check.
  json = load_v2();
  json["world"]["oracle"]["holdout"]["recall_at_20"] = 0.088;
  json["world"]["oracle"]["holdout"]["most_popular_recall_at_20"] = 0.089;
  line = trust_line(read(json), "oracle");
  EXPECT_EQ(line.verdict, Verdict::kWarning);
  EXPECT_NE(line.html.find("(0.99×"), std::string::npos) << line.html;
  json["world"]["oracle"]["holdout"]["recall_at_20"] = 0.1;
  EXPECT_EQ(trust_line(read(json), "oracle").verdict, Verdict::kCaution);
  json["world"]["kind"] = "synthetic";
  json["world"]["oracle"] = nullptr;
  line = trust_line(read(json), "oracle");
  EXPECT_EQ(line.verdict, Verdict::kOk);
  EXPECT_NE(line.html.find("synthetic world"), std::string::npos);

  // PSEI resting on a handful of items (5 of 174, MovieLens by country) is
  // coarse; no treated items, no line.
  json = load_v2();
  json["totals"]["control"]["psei"] = 100.0 * 5 / 174;
  json["totals"]["control"]["treated_items"] = 174;
  line = trust_line(read(json), "psei");
  EXPECT_EQ(line.verdict, Verdict::kCaution);
  EXPECT_NE(line.html.find("5 of 174 treated items (2.9%) reached"), std::string::npos)
      << line.html;
  EXPECT_NE(line.html.find("Fewer than 10"), std::string::npos) << line.html;
  json["totals"]["control"]["psei"] = 0;
  json["totals"]["control"]["treated_items"] = 0;
  EXPECT_EQ(trust_line(read(json), "psei").topic, "");

  // Few users.
  json = load_v2();
  json["arms"][2]["users"] = 640;
  line = trust_line(read(json), "users");
  EXPECT_EQ(line.verdict, Verdict::kCaution);
  EXPECT_NE(line.html.find("640 to 6,012 users per arm (18,609 in all; smallest: invr-score)"),
            std::string::npos)
      << line.html;
  EXPECT_NE(line.html.find("--blocked-assignment true"), std::string::npos) << line.html;
  json["config"]["simulation"]["blocked_assignment"] = true;  // already blocked: no advice
  line = trust_line(read(json), "users");
  EXPECT_EQ(line.verdict, Verdict::kCaution);
  EXPECT_EQ(line.html.find("--blocked-assignment true"), std::string::npos) << line.html;
}

TEST(ReportV2Page, NamesInTheNewSectionsAreEscaped) {
  const std::string hostile = "evil</script><script>alert(1)</script><!--&";
  std::string text = load_v2().dump();
  const std::string quoted = Json("invr-score").dump();
  for (auto at = text.find(quoted); at != std::string::npos; at = text.find(quoted, at + 1))
    text.replace(at, quoted.size(), Json(hostile).dump());
  Json json = Json::parse(text);
  json["aa"]["per_salt"][0]["salt"] = hostile;
  json["aa"]["false_positive_rate"][hostile] = 0.2;
  json["world"]["oracle"]["holdout"]["protocol"] = hostile;
  json["srm"]["flagged"] = true;
  json["arms"][2]["users"] = 10;  // the hostile arm is the smallest and furthest off
  json["srm"]["users"]["observed"][2] = 10;
  const std::string html = page(json);
  EXPECT_EQ(count(html, "<script"), 4);  // the page's own four
  EXPECT_EQ(count(html, "</script"), 4);
  EXPECT_EQ(html.find("<!--"), std::string::npos);
  const std::string escaped =
      "evil&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;!--&amp;";
  EXPECT_NE(section(html, "<section id=\"headline\"").find("<th>" + escaped + "</th>"),
            std::string::npos);
  EXPECT_NE(section(html, "<section id=\"srm\"").find("<th scope=\"row\">" + escaped),
            std::string::npos);
  EXPECT_NE(section(html, "<section id=\"trend\"").find("<th scope=\"row\">" + escaped),
            std::string::npos);
  EXPECT_NE(section(html, "<section id=\"aa\"").find("<th scope=\"row\">" + escaped),
            std::string::npos);
  EXPECT_NE(section(html, "<section id=\"trust\"").find("smallest: " + escaped), std::string::npos);
  EXPECT_NE(html.find("Furthest off: " + escaped), std::string::npos);
}

TEST(ReportV2Page, OracleAndChecksAreShown) {
  const std::string html = page(load_v2());
  EXPECT_NE(html.find("<b>two-tower</b> oracle fitted on the dataset"), std::string::npos);
  EXPECT_NE(html.find("it reaches Recall@20 0.142, against 0.097 for most popular"),
            std::string::npos);
  const std::string srm = section(html, "<section id=\"srm\"");
  EXPECT_NE(srm.find("<tr><th scope=\"row\">invr-random</th><td>5,978</td><td>6,000</td>"
                     "<td>-0.4%</td><td>5,262</td><td>5,280.8</td><td>-0.4%</td></tr>"),
            std::string::npos)
      << srm;
  EXPECT_NE(srm.find("Users: χ² = 0.338 with 3 degrees of freedom, p = 0.953"), std::string::npos);
  const std::string aa = section(html, "<section id=\"aa\"");
  EXPECT_NE(aa.find("<tr><th scope=\"row\">PSEI</th><td>8 of 120</td><td>6.7%</td>"),
            std::string::npos)
      << aa;
  EXPECT_NE(aa.find("<th scope=\"row\">CTR (CUPED)</th>"), std::string::npos);
  EXPECT_NE(aa.find("<th scope=\"row\">invr-sim/aa39</th>"), std::string::npos);
  EXPECT_NE(aa.find("Salts whose sample-ratio test flagged: 0 of 40."), std::string::npos);
  const std::string trend = section(html, "<section id=\"trend\"");
  EXPECT_NE(trend.find("<tr><th scope=\"row\">control</th><td>6.11%</td><td>6.42%</td><td>+5.1%"
                       "</td><td>+0.9% <span class=\"ci\">[-0.4, +2.1]</span></td></tr>"),
            std::string::npos)
      << trend;
  // The experiment has its SRM line, its headline and its paired CTR in the table.
  const std::string experiment = section(html, "<article id=\"experiment-0\"", "</article>");
  EXPECT_NE(experiment.find("users per arm p = "), std::string::npos);
  EXPECT_NE(experiment.find("<table class=\"headline\">"), std::string::npos);
  EXPECT_NE(experiment.find("<span class=\"levels\">6.31% → 6.20%</span>-1.8%"), std::string::npos)
      << experiment;
}

TEST(ReportV2Page, DailyProducerB50psUsesTheSevenDayWindow) {
  Json json = load_v2();
  Results r = read(json);
  ArmColors colors(r);
  const Json chart = daily_chart(r, "producer_b50ps", colors);
  // Series follow the arms; day 6 of control.
  const double window = json["daily"][24]["producer_7d"]["b50ps"].get<double>();
  ASSERT_EQ(json["daily"][24]["arm"], "control");
  EXPECT_NEAR(chart["series"][0]["values"][6].get<double>(), window * 100, 1e-9);
  EXPECT_NE(page(json).find("Producer B50PS over the 7 days up to each day"), std::string::npos);

  // A row without the window: every arm falls back to single days.
  json["daily"][3].erase("producer_7d");
  r = read(json);
  const Json single = daily_chart(r, "producer_b50ps", colors);
  EXPECT_NEAR(single["series"][0]["values"][6].get<double>(),
              json["daily"][24]["producer"]["b50ps"].get<double>() * 100, 1e-9);
  EXPECT_NE(page(json).find("Producer B50PS per day"), std::string::npos);
}

TEST(ReportV2Page, ChartsSkipUndefinedChanges) {
  const std::string html = page(load_v2());
  // 5 relative (item B50PS is n/a in every arm) + Lorenz + 3 daily + treated
  // exposure + users + 5 in the experiment.
  EXPECT_EQ(count(html, "<canvas "), 16);
  EXPECT_NE(html.find("data-charts-expected=\"16\""), std::string::npos);
  EXPECT_EQ(html.find("id=\"chart-relative-item_b50ps\""), std::string::npos);
}

TEST(ReportV2Page, VersionOneFilesStillRender) {
  const std::string html = page(load_v1());
  for (const char* absent : {"id=\"headline\"", "id=\"exposure\"", "id=\"srm\"", "id=\"aa\"",
                             "id=\"trend\"", "srm-warning", "class=\"levels\""})
    EXPECT_EQ(html.find(absent), std::string::npos) << absent;
  const std::string box = section(html, "<section id=\"trust\"");
  EXPECT_NE(box.find("data-topic=\"users\""), std::string::npos);
  EXPECT_NE(box.find("data-topic=\"ctr_resolution\""), std::string::npos);
  EXPECT_NE(box.find("headline CTR intervals (arm-level)"), std::string::npos) << box;
  EXPECT_NE(box.find("data-topic=\"version\""), std::string::npos);
  EXPECT_EQ(box.find("data-topic=\"aa\""), std::string::npos);
  EXPECT_EQ(box.find("data-topic=\"srm\""), std::string::npos);
  // A version 1 file's 18 charts, as before.
  EXPECT_NE(html.find("data-charts-expected=\"18\""), std::string::npos);
}

}  // namespace
}  // namespace invr::report
