// Numbers for people: levels in their unit, relative changes, intervals and
// the estimate cells every table uses.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/report_html.h"

namespace invr::report {

std::string format_level(Unit unit, double x) {
  switch (unit) {
    case Unit::kShare:
      return fmt::format("{:.2f}%", x * 100.0);
    case Unit::kPercent:
      return fmt::format("{:.1f}%", x);
    case Unit::kIndex:
      return fmt::format("{:.3f}", x);
    case Unit::kPerUser:
      break;
  }
  const double size = std::fabs(x);
  return fmt::format("{:.{}f}", x, size < 1 ? 3 : size < 10 ? 2 : size < 100 ? 1 : 0);
}

namespace {
// One decimal below ±100%, none from there on ("+742%", "-1.8%").
int change_decimals(double fraction) { return std::fabs(fraction) >= 1.0 ? 0 : 1; }
}  // namespace

std::string format_change(double fraction) {
  return fmt::format("{:+.{}f}%", fraction * 100.0, change_decimals(fraction));
}

std::string format_interval(double low, double high) {
  const int decimals = change_decimals(std::max(std::fabs(low), std::fabs(high)));
  return fmt::format("[{:+.{}f}, {:+.{}f}]", low * 100.0, decimals, high * 100.0, decimals);
}

PointsText format_points(double x, const std::optional<double>& low,
                         const std::optional<double>& high) {
  double largest = std::fabs(x);
  if (low && high) largest = std::max({largest, std::fabs(*low), std::fabs(*high)});
  const int decimals = largest < 10 ? 2 : largest < 100 ? 1 : 0;
  // A value that rounds to zero is "+0.00", never "-0.00".
  const auto signed_fixed = [&](double v) {
    if (std::fabs(v) < 0.5 * std::pow(10.0, -decimals)) v = 0.0;
    return fmt::format("{:+.{}f}", v, decimals);
  };
  PointsText text{signed_fixed(x) + " pp", ""};
  if (low && high) text.interval = "[" + signed_fixed(*low) + ", " + signed_fixed(*high) + "]";
  return text;
}

std::string format_p_value(double p) {
  if (p >= 0.001) return fmt::format("{:.3g}", p);
  if (p == 0) return "0";  // below the smallest double: a huge mismatch
  return fmt::format("{:.1e}", p);
}

std::string levels_text(const Estimate& e, const RelativeMetric& metric) {
  if (!e.control || !e.arm) return "";
  return format_level(metric.unit, *e.control) + " → " + format_level(metric.unit, *e.arm);
}

std::string change_text(const Estimate& e) {
  if (!e.change) return e.control && *e.control == 0 ? "n/a (control 0)" : "n/a";
  std::string text = format_change(*e.change);
  if (e.ci_low && e.ci_high) text += " " + format_interval(*e.ci_low, *e.ci_high);
  return text;
}

std::string estimate_text(const Estimate& e, const RelativeMetric& metric) {
  const std::string levels = levels_text(e, metric);
  return levels.empty() ? change_text(e) : levels + " (" + change_text(e) + ")";
}

// "better" or "worse" when the cell is shaded, else "".
std::string shading(const Estimate& e, const RelativeMetric& metric) {
  if (!e.change || !e.ci_low || !e.ci_high) return "";
  // Version 2 says which results count; version 1 files shade by interval.
  const bool counts = e.significant ? *e.significant : (*e.ci_low > 0 || *e.ci_high < 0);
  if (!counts) return "";
  const bool up = *e.ci_low > 0;
  return up == metric.higher_is_better ? "better" : "worse";
}

std::string estimate_cell(const Estimate& e, const RelativeMetric& metric, std::string_view note) {
  const std::string cls = shading(e, metric);
  std::string html = cls.empty() ? "<td>" : "<td class=\"" + cls + "\">";
  const std::string levels = levels_text(e, metric);
  if (!levels.empty()) html += "<span class=\"levels\">" + levels + "</span>";
  if (e.change) {
    html += format_change(*e.change);
    if (e.ci_low && e.ci_high)
      html += " <span class=\"ci\">" + format_interval(*e.ci_low, *e.ci_high) + "</span>";
  } else {
    html += "<span class=\"muted\">" + change_text(e) + "</span>";
  }
  if (!note.empty()) html += "<span class=\"estimator\">" + std::string(note) + "</span>";
  return html + "</td>";
}

}  // namespace invr::report
