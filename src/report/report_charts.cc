#include "report/report_charts.h"

#include <algorithm>
#include <set>

namespace invr::report {
namespace {

// Okabe & Ito's palette, distinguishable with the common colour-vision
// deficiencies; grey is kept for control.
constexpr const char* kControlColor = "#6b6b6b";
constexpr const char* kPalette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                    "#D55E00", "#56B4E9", "#F0E442", "#000000"};

Json optional_number(const std::optional<double>& x, double scale) {
  return x ? Json(*x * scale) : Json(nullptr);
}

}  // namespace

ArmColors::ArmColors(const Results& results) {
  colors_[results.control] = kControlColor;
  for (const auto& arm : results.arms) of(arm.name);
}

const std::string& ArmColors::of(const std::string& arm) {
  auto it = colors_.find(arm);
  if (it != colors_.end()) return it->second;
  constexpr std::size_t n = sizeof(kPalette) / sizeof(kPalette[0]);
  return colors_[arm] = kPalette[next_++ % n];
}

Json lorenz_chart(const Results& results, ArmColors& colors) {
  Json series = Json::array();
  for (const auto& arm : results.arms) {
    auto it = results.lorenz.find(arm.name);
    if (it == results.lorenz.end()) continue;
    series.push_back({{"label", arm.name},
                      {"color", colors.of(arm.name)},
                      {"x", it->second.x},
                      {"y", it->second.y}});
  }
  return {{"kind", "lorenz"}, {"series", series}};
}

Json relative_chart(const std::vector<std::string>& arms,
                    const std::map<std::string, Changes>& relative, const RelativeMetric& metric,
                    ArmColors& colors) {
  Json labels = Json::array(), colors_json = Json::array();
  Json values = Json::array(), low = Json::array(), high = Json::array();
  for (const auto& arm : arms) {
    auto it = relative.find(arm);
    if (it == relative.end()) continue;
    auto c = it->second.find(metric.key);
    // An undefined change (control level 0) has no bar; the tables say n/a.
    if (c == it->second.end() || !c->second.change) continue;
    labels.push_back(arm);
    colors_json.push_back(colors.of(arm));
    values.push_back(*c->second.change * 100.0);
    low.push_back(optional_number(c->second.ci_low, 100.0));
    high.push_back(optional_number(c->second.ci_high, 100.0));
  }
  if (labels.empty()) return nullptr;
  return {{"kind", "relative"}, {"labels", labels}, {"colors", colors_json},
          {"values", values},   {"low", low},       {"high", high}};
}

namespace {

// Why a point cannot be plotted, or "" when it can: its CTR change (x) or
// its difference from control in the metric (y) is missing.
std::string missing_ctr(const Estimate& e) {
  if (e.change) return "";
  return std::string("CTR change undefined") + (e.control && *e.control == 0 ? " (control 0)" : "");
}

std::string missing_difference(const Estimate* e, const std::string& label) {
  if (!e) return "no " + label + " estimate";
  return e->difference ? "" : label + " difference not computed";
}

// x: the CTR change in percent; y: arm - control in percentage points, as
// the simulator ranks points. The relative change goes to the tooltip.
Json frontier_point(const SweepPoint& p, const Estimate& ctr, const Estimate& metric,
                    double to_points, bool dominated) {
  return {{"arm", p.arm},
          {"value", p.value ? *p.value : std::string()},
          {"x", *ctr.change * 100.0},
          {"x_low", optional_number(ctr.ci_low, 100.0)},
          {"x_high", optional_number(ctr.ci_high, 100.0)},
          {"y", *metric.difference * to_points},
          {"y_low", optional_number(metric.difference_ci_low, to_points)},
          {"y_high", optional_number(metric.difference_ci_high, to_points)},
          {"change", optional_number(metric.change, 100.0)},
          {"dominated", dominated}};
}

}  // namespace

Json frontier_chart(const Results& results, std::size_t metric_index,
                    std::vector<std::string>& left_off) {
  const Sweep& sweep = *results.sweep;
  const SweepMetric& metric = sweep.metrics[metric_index];
  const std::vector<std::string>& dominated = sweep.dominated[metric_index];
  constexpr std::size_t palette = sizeof(kPalette) / sizeof(kPalette[0]);
  Json series = Json::array();
  std::size_t methods = 0;
  for (std::size_t i = 0; i < sweep.points.size(); ++i) {
    const SweepPoint& p = sweep.points[i];
    // A new method starts a series (the reader keeps a method's points together).
    if (i == 0 || sweep.points[i - 1].method != p.method) {
      series.push_back({{"label", p.knob ? p.method + " (" + *p.knob + ")" : p.method},
                        {"color", kPalette[methods++ % palette]},
                        {"points", Json::array()}});
    }
    const Estimate& ctr = results.analysis.effects.at(p.arm).ctr.pick(sweep.ctr_estimator);
    const Estimate* change = nullptr;
    if (auto rel = results.relative.find(p.arm); rel != results.relative.end())
      if (auto e = rel->second.find(metric.key); e != rel->second.end()) change = &e->second;
    std::string why = missing_ctr(ctr);
    if (why.empty()) why = missing_difference(change, metric.label);
    if (!why.empty()) {
      left_off.push_back(p.arm + ": " + why);
      continue;
    }
    const bool faded = std::find(dominated.begin(), dominated.end(), p.arm) != dominated.end();
    series.back()["points"].push_back(frontier_point(p, ctr, *change, metric.to_points, faded));
  }
  if (left_off.size() == sweep.points.size()) return nullptr;
  std::set<double> budgets;
  for (const auto& row : sweep.verdict) budgets.insert(row.ctr_budget * 100.0);
  const std::string estimator = sweep.ctr_estimator == "paired" ? "paired counterfactual" : "CUPED";
  return {
      {"kind", "frontier"},
      {"metric", metric.label},
      {"x_title", "→ better: CTR change against control (%, " + estimator + ")"},
      {"y_title", (metric.higher_is_better ? "↑ better: " : "↑ better (reversed axis): ") +
                      metric.label + ", arm − control (pp)"},
      {"y_unit", "pp"},
      {"reverse_y", !metric.higher_is_better},
      {"budgets", Json(std::vector<double>(budgets.begin(), budgets.end()))},
      {"control",
       {{"label", results.control},
        {"legend", results.control == "control" ? results.control : results.control + " (control)"},
        {"color", kControlColor}}},
      {"series", series}};
}

bool has_producer_window(const Results& results) {
  bool any = false;
  for (const auto& [arm, points] : results.daily)
    for (const auto& p : points) {
      if (!p.producer_7d) return false;
      any = true;
    }
  return any;
}

Json daily_chart(const Results& results, const std::string& metric, ArmColors& colors) {
  const bool window = metric == "producer_b50ps" && has_producer_window(results);
  std::set<long long> day_set;
  for (const auto& [arm, points] : results.daily)
    for (const auto& p : points) day_set.insert(p.day);
  const std::vector<long long> days(day_set.begin(), day_set.end());

  Json series = Json::array();
  for (const auto& arm : results.arms) {
    auto it = results.daily.find(arm.name);
    if (it == results.daily.end()) continue;
    Json values = Json::array();
    std::size_t next = 0;
    for (long long day : days) {
      const auto& points = it->second;
      while (next < points.size() && points[next].day < day) ++next;
      if (next == points.size() || points[next].day != day) {
        values.push_back(nullptr);
        continue;
      }
      const DailyPoint& p = points[next];
      // CTR and B50PS are fractions, PSEI is already a percentage.
      if (metric == "ctr")
        values.push_back(p.ctr * 100.0);
      else if (metric == "producer_b50ps")
        values.push_back((window ? p.producer_7d->b50ps : p.producer_b50ps) * 100.0);
      else
        values.push_back(p.psei);
    }
    series.push_back({{"label", arm.name}, {"color", colors.of(arm.name)}, {"values", values}});
  }
  return {{"kind", "line"}, {"labels", days}, {"series", series}};
}

Json histogram_chart(const std::vector<std::pair<std::string, const Histogram*>>& series,
                     const std::string& x_title, const std::string& y_title, ArmColors& colors) {
  Json out = Json::array();
  for (const auto& [arm, histogram] : series)
    out.push_back({{"label", arm},
                   {"color", colors.of(arm)},
                   {"edges", histogram->edges},
                   {"counts", histogram->counts}});
  return {{"kind", "histogram"}, {"x_title", x_title}, {"y_title", y_title}, {"series", out}};
}

}  // namespace invr::report
