#include "report/report_charts.h"

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
