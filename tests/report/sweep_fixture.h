// A knob sweep's results.json for the report tests, made here rather than
// checked in so a test can change a point's numbers and get a consistent
// file back: control plus 5 methods x 3 knob values as arms of one run
// (the header, world and config of tests/testdata/simulation/results_v2.json),
// with every section the reader requires, and "sweep" with its dominated
// points and verdict worked out from the points' numbers the way the
// simulator defines them (docs/report.md, "Frontier"): on the CTR change
// and the difference arm - control in percentage points.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "report/report_json.h"
#include "test_util.h"

namespace invr::test {

// One metric of one point, as a fraction of the control level (the
// fixture's SweepFixtureLevels). The file's estimate E has the relative
// change `change` with interval change +- half (both null where the control
// level is 0) and the difference arm - control = control x change (the
// metric's unit) with interval control x (change +- half), unless
// `difference` and `difference_half` give them: a control level of 0 needs
// them. No change and no difference: not computed, everything null.
struct SweepFixtureChange {
  std::optional<double> change;
  double half = 0;
  std::optional<double> difference;       // arm - control, the metric's unit
  std::optional<double> difference_half;  // its interval's half-width
};

// Control's levels: CTR and the shares are fractions, PSEI a percentage.
struct SweepFixtureLevels {
  double ctr = 0.062;
  double psei = 1.3;
  double b50ps = 0.0015;
  double t1ps = 0.918;
};

struct SweepFixturePoint {
  std::string method, knob, value;  // knob "" for a method without one
  std::string ordering;             // InvR arms: the ordering; "" for other methods
  SweepFixtureChange ctr, psei, b50ps, t1ps;

  std::string arm() const { return knob.empty() ? method : method + ":" + knob + "=" + value; }
};

// Chosen so the verdict has every kind of row: at a 0% budget one eligible
// point and no runner-up; at -1% close leads (intervals overlap); at -3% a
// PSEI lead outside the intervals. Every metric's difference is control x
// its relative change, so both scales rank the points alike.
inline std::vector<SweepFixturePoint> sweep_fixture_points() {
  auto p = [](std::string method, std::string knob, std::string value, std::string ordering,
              double ctr, double psei, double psei_half, double b50ps, double b50ps_half,
              double t1ps, double t1ps_half) {
    const auto c = [](double change, double half) {
      return SweepFixtureChange{change, half, std::nullopt, std::nullopt};
    };
    return SweepFixturePoint{std::move(method),      std::move(knob),  std::move(value),
                             std::move(ordering),    c(ctr, 0.003),    c(psei, psei_half),
                             c(b50ps, b50ps_half), c(t1ps, t1ps_half)};
  };
  return {
      p("invr-user-rank", "n", "50", "user_rank", -0.004, 0.40, 0.10, 2.0, 0.5, -0.010, 0.006),
      p("invr-user-rank", "n", "100", "user_rank", -0.008, 0.70, 0.12, 3.5, 0.6, -0.018, 0.006),
      p("invr-user-rank", "n", "200", "user_rank", -0.015, 1.10, 0.15, 5.0, 0.7, -0.030, 0.007),
      p("invr-score", "n", "50", "score", -0.003, 0.30, 0.10, 1.5, 0.5, -0.008, 0.006),
      p("invr-score", "n", "100", "score", -0.007, 0.55, 0.10, 2.8, 0.6, -0.015, 0.006),
      p("invr-score", "n", "200", "score", -0.013, 0.80, 0.14, 4.0, 0.6, -0.026, 0.007),
      p("forward-longtail", "slots", "3", "", -0.006, 0.20, 0.08, 4.0, 0.6, -0.040, 0.008),
      p("forward-longtail", "slots", "3/8", "", -0.012, 0.35, 0.09, 7.0, 0.8, -0.070, 0.009),
      p("forward-longtail", "slots", "3/5/8", "", -0.025, 0.45, 0.10, 9.5, 1.0, -0.095, 0.010),
      p("popularity-penalty", "lambda", "0.1", "", 0.001, 0.05, 0.08, 0.8, 0.4, -0.012, 0.006),
      p("popularity-penalty", "lambda", "0.3", "", -0.005, 0.12, 0.08, 2.2, 0.5, -0.035, 0.008),
      p("popularity-penalty", "lambda", "0.5", "", -0.020, 0.25, 0.09, 5.5, 0.7, -0.080, 0.010),
      p("xquad", "lambda", "0.25", "", -0.002, 0.15, 0.08, 1.2, 0.5, -0.020, 0.006),
      p("xquad", "lambda", "0.5", "", -0.009, 0.30, 0.09, 3.0, 0.6, -0.045, 0.008),
      p("xquad", "lambda", "0.75", "", -0.028, 0.50, 0.10, 6.0, 0.8, -0.085, 0.010),
  };
}

namespace sweep_fixture_detail {

using report::Json;

inline Json number_or_null(const std::optional<double>& x) { return x ? Json(*x) : Json(nullptr); }

// arm - control in the metric's unit, and its interval's half-width.
inline std::optional<double> difference(const SweepFixtureChange& c, double control) {
  if (c.difference) return c.difference;
  if (!c.change) return std::nullopt;
  return control * *c.change;
}

inline double difference_half(const SweepFixtureChange& c, double control) {
  return c.difference_half ? *c.difference_half : control * c.half;
}

// The relative change, undefined when the control level is 0.
inline std::optional<double> relative(const SweepFixtureChange& c, double control) {
  return control == 0 ? std::nullopt : c.change;
}

// An estimate object E; `may_be_significant`: the primary estimator.
inline Json estimate(const SweepFixtureChange& c, double control, const char* interval,
                     bool may_be_significant) {
  const std::optional<double> change = relative(c, control);
  const std::optional<double> d = difference(c, control);
  const double d_half = difference_half(c, control);
  const auto bound = [](const std::optional<double>& x, double offset) {
    return x ? Json(*x + offset) : Json(nullptr);
  };
  const bool excludes_zero = change && (*change - c.half > 0 || *change + c.half < 0);
  return {{"change", number_or_null(change)},
          {"ci_low", bound(change, -c.half)},
          {"ci_high", bound(change, c.half)},
          {"control", control},
          {"arm", d ? Json(control + *d) : Json(nullptr)},
          {"interval", interval},
          {"significant", may_be_significant && excludes_zero},
          {"difference", number_or_null(d)},
          {"difference_ci_low", bound(d, -d_half)},
          {"difference_ci_high", bound(d, d_half)}};
}

inline Json totals(double ctr, double psei, double b50ps, double t1ps) {
  return {{"impressions", 48000},
          {"clicks", std::round(48000 * ctr)},
          {"ctr", ctr},
          {"psei", psei},
          {"treated_items", 1415},
          {"item", {{"b50ps", 0.001}, {"t1ps", 0.31}, {"gini", 0.93}, {"coverage", 0.41}}},
          {"producer", {{"b50ps", b50ps}, {"t1ps", t1ps}, {"gini", 0.96}, {"coverage", 0.88}}}};
}

inline double level(double control, const SweepFixtureChange& c) {
  const std::optional<double> d = difference(c, control);
  return d ? control + *d : control;
}

inline const SweepFixtureChange& change_of(const SweepFixturePoint& p, const std::string& metric) {
  return metric == "psei" ? p.psei : metric == "producer_b50ps" ? p.b50ps : p.t1ps;
}

inline double control_of(const SweepFixtureLevels& levels, const std::string& metric) {
  return metric == "psei" ? levels.psei : metric == "producer_b50ps" ? levels.b50ps : levels.t1ps;
}

// Percentage points per unit: PSEI is a percentage already, the shares fractions.
inline double to_points(const std::string& metric) { return metric == "psei" ? 1.0 : 100.0; }

// The difference in the good direction (T1PS: lower is better), the scale
// the simulator ranks on.
inline std::optional<double> gain(const SweepFixturePoint& p, const std::string& metric,
                                  const SweepFixtureLevels& levels) {
  const std::optional<double> d = difference(change_of(p, metric), control_of(levels, metric));
  if (!d) return std::nullopt;
  return metric == "producer_t1ps" ? -*d : *d;
}

inline Json pick(const SweepFixturePoint& p, const std::string& metric,
                 const SweepFixtureLevels& levels) {
  const SweepFixtureChange& c = change_of(p, metric);
  const double control = control_of(levels, metric);
  const Json e = estimate(c, control, "permutation", true);
  const Json ctr = estimate(p.ctr, levels.ctr, "percentile", true);
  const auto points = [&](const Json& x) {
    return x.is_null() ? x : Json(x.get<double>() * to_points(metric));
  };
  return {{"arm", p.arm()},
          {"method", p.method},
          {"knob", p.knob.empty() ? Json(nullptr) : Json(p.knob)},
          {"value", p.knob.empty() ? Json(nullptr) : Json(p.value)},
          {"ctr_change", ctr["change"]},
          {"ctr_ci_low", ctr["ci_low"]},
          {"ctr_ci_high", ctr["ci_high"]},
          {"change", e["change"]},
          {"ci_low", e["ci_low"]},
          {"ci_high", e["ci_high"]},
          {"difference", points(e["difference"])},
          {"difference_ci_low", points(e["difference_ci_low"])},
          {"difference_ci_high", points(e["difference_ci_high"])}};
}

// Points no other point (or control at (0, 0)) matches or beats on both
// CTR change and the metric's gain, being strictly better on one.
inline Json dominated(const std::vector<SweepFixturePoint>& points, const std::string& metric,
                      const SweepFixtureLevels& levels) {
  Json out = Json::array();
  for (const auto& p : points) {
    const std::optional<double> g = gain(p, metric, levels);
    if (!p.ctr.change || !g) continue;
    auto beats = [&](double ctr, double other) {
      return ctr >= *p.ctr.change && other >= *g && (ctr > *p.ctr.change || other > *g);
    };
    bool beaten = beats(0, 0);
    for (const auto& q : points)
      if (q.ctr.change && gain(q, metric, levels))
        beaten = beaten || beats(*q.ctr.change, *gain(q, metric, levels));
    if (beaten) out.push_back(p.arm());
  }
  return out;
}

inline Json verdict_row(const std::vector<SweepFixturePoint>& points, double budget,
                        const std::string& metric, const SweepFixtureLevels& levels) {
  const SweepFixturePoint* winner = nullptr;
  long long eligible = 0;
  auto better = [&](const SweepFixturePoint& a, const SweepFixturePoint* b) {
    return gain(a, metric, levels) && (!b || *gain(a, metric, levels) > *gain(*b, metric, levels));
  };
  for (const auto& p : points)
    if (p.ctr.change && *p.ctr.change >= budget) {
      ++eligible;
      if (better(p, winner)) winner = &p;
    }
  const SweepFixturePoint* runner_up = nullptr;
  if (winner)
    for (const auto& p : points)
      if (p.ctr.change && *p.ctr.change >= budget && p.method != winner->method &&
          better(p, runner_up))
        runner_up = &p;
  // On the difference intervals, as the simulator decides it.
  bool separated = false;
  if (winner && runner_up) {
    const double control = control_of(levels, metric);
    const SweepFixtureChange& w = change_of(*winner, metric);
    const SweepFixtureChange& u = change_of(*runner_up, metric);
    const double w_d = *difference(w, control), w_half = difference_half(w, control);
    const double u_d = *difference(u, control), u_half = difference_half(u, control);
    separated = metric == "producer_t1ps" ? w_d + w_half < u_d - u_half
                                          : w_d - w_half > u_d + u_half;
  }
  return {{"ctr_budget", budget},
          {"metric", metric},
          {"eligible", eligible},
          {"winner", winner ? pick(*winner, metric, levels) : Json(nullptr)},
          {"runner_up", runner_up ? pick(*runner_up, metric, levels) : Json(nullptr)},
          {"separated", separated}};
}

inline std::string spec(const std::vector<SweepFixturePoint>& points) {
  std::string out;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    const bool first = i == 0 || points[i - 1].method != p.method;
    if (first)
      out += (out.empty() ? "" : ";") + p.method + (p.knob.empty() ? "" : ":" + p.knob + "=");
    else
      out += ",";
    out += p.value;
  }
  return out;
}

inline Json sweep(const std::vector<SweepFixturePoint>& points, const SweepFixtureLevels& levels) {
  Json point_list = Json::array();
  for (const auto& p : points)
    point_list.push_back({{"arm", p.arm()},
                          {"method", p.method},
                          {"knob", p.knob.empty() ? Json(nullptr) : Json(p.knob)},
                          {"value", p.knob.empty() ? Json(nullptr) : Json(p.value)}});
  const std::vector<std::string> metrics = {"psei", "producer_b50ps", "producer_t1ps"};
  Json verdict = Json::array();
  for (double budget : {0.0, -0.01, -0.03})
    for (const auto& metric : metrics)
      verdict.push_back(verdict_row(points, budget, metric, levels));
  return {{"spec", spec(points)},
          {"control", "control"},
          {"ctr_estimator", "paired"},
          {"points", point_list},
          {"metrics",
           {{{"key", "psei"}, {"label", "PSEI"}, {"better", "higher"}, {"unit", "percentage points"}},
            {{"key", "producer_b50ps"},
             {"label", "producer B50PS"},
             {"better", "higher"},
             {"unit", "percentage points"}},
            {{"key", "producer_t1ps"},
             {"label", "producer T1PS"},
             {"better", "lower"},
             {"unit", "percentage points"}}}},
          {"dominated",
           {{"psei", dominated(points, "psei", levels)},
            {"producer_b50ps", dominated(points, "producer_b50ps", levels)},
            {"producer_t1ps", dominated(points, "producer_t1ps", levels)}}},
          {"verdict", verdict}};
}

}  // namespace sweep_fixture_detail

// The results file of a sweep over `points` against control at `levels`
// (parse with report::Json).
inline report::Json sweep_fixture(
    const std::vector<SweepFixturePoint>& points = sweep_fixture_points(),
    const SweepFixtureLevels& levels = {}) {
  using namespace sweep_fixture_detail;
  const Json base = Json::parse(read_file(testdata_dir() / "simulation" / "results_v2.json"));
  Json out = {{"format", base["format"]},
              {"version", 2},
              {"config", base["config"]},
              {"world", base["world"]}};
  Json arms = Json::array(), totals_json = Json::object(), relative = Json::object();
  Json effects = Json::object(), daily = Json::array(), observed = Json::array();
  arms.push_back({{"name", "control"},
                  {"ordering", nullptr},
                  {"method", "control"},
                  {"slots", Json::array()},
                  {"users", 1500}});
  totals_json["control"] = totals(levels.ctr, levels.psei, levels.b50ps, levels.t1ps);
  for (const auto& p : points) {
    const std::string arm = p.arm();
    arms.push_back({{"name", arm},
                    {"ordering", p.ordering.empty() ? Json(nullptr) : Json(p.ordering)},
                    {"method", p.ordering.empty() ? p.method : std::string("invr")},
                    {"slots", {3, 8}},
                    {"users", 1500}});
    totals_json[arm] = totals(level(levels.ctr, p.ctr), level(levels.psei, p.psei),
                              level(levels.b50ps, p.b50ps), level(levels.t1ps, p.t1ps));
    relative[arm] = {{"ctr", estimate(p.ctr, levels.ctr, "permutation", false)},
                     {"psei", estimate(p.psei, levels.psei, "permutation", true)},
                     {"producer_b50ps", estimate(p.b50ps, levels.b50ps, "permutation", true)},
                     {"producer_t1ps", estimate(p.t1ps, levels.t1ps, "permutation", true)}};
    const Json ctr = {{"paired", estimate(p.ctr, levels.ctr, "percentile", true)},
                      {"cuped", estimate(p.ctr, levels.ctr, "permutation", false)},
                      {"arm_level", estimate(p.ctr, levels.ctr, "permutation", false)}};
    effects[arm] = {{"primary", "paired"}, {"ctr", ctr}, {"clicks_per_user", ctr}};
  }
  for (const auto& arm : arms) {
    observed.push_back(1500);
    const Json& t = totals_json[arm["name"].get<std::string>()];
    for (int day = 0; day < 3; ++day)
      daily.push_back({{"day", day},
                       {"arm", arm["name"]},
                       {"ctr", t["ctr"]},
                       {"psei", t["psei"]},
                       {"producer", t["producer"]}});
  }
  const Json ratio = {{"observed", observed},
                      {"expected", observed},
                      {"chi2", 0.0},
                      {"dof", static_cast<int>(arms.size()) - 1},
                      {"p_value", 1.0}};
  out["arms"] = arms;
  out["totals"] = totals_json;
  out["daily"] = daily;
  out["relative"] = relative;
  out["effects"] = effects;
  out["srm"] = {
      {"p_threshold", 0.001}, {"flagged", false}, {"users", ratio}, {"visiting_users", ratio}};
  out["trend"] = {{"control",
                   {{"ctr",
                     {{"first3", 0.061},
                      {"last3", 0.063},
                      {"change", 0.0328},
                      {"slope_per_day", 0.005},
                      {"ci_low", -0.004},
                      {"ci_high", 0.014}}}}}};
  out["sweep"] = sweep(points, levels);
  return out;
}

}  // namespace invr::test
