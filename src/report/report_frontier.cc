// A sweep's verdict, as the page's table and as plain text (the same rows,
// for invr report and invr simulate to print): per CTR budget and metric,
// the best point within the budget, the best point of another method, and
// whether the lead is outside both intervals. Metrics are shown as the
// simulator ranks them, arm - control in percentage points, with the levels
// beside them; CTR as a relative change.
#include <fmt/format.h>

#include <cmath>

#include "report/report_html.h"

namespace invr::report {
namespace {

// "0%", "-1%", "-0.5%"; `minus` is the sign to write.
std::string budget_text(double budget, std::string_view minus) {
  const double percent = std::fabs(budget) * 100.0;
  const std::string digits = fmt::format("{:.4g}%", percent);
  return budget < 0 && digits != "0%" ? std::string(minus) + digits : digits;
}

std::string knob_text(const SweepPoint& p) {
  return p.knob ? fmt::format("{}={}", *p.knob, *p.value) : std::string();
}

// "invr-user-rank n=100".
std::string point_text(const SweepPoint& p) {
  return p.knob ? p.method + " " + knob_text(p) : p.method;
}

// "+70.0% [+58.0, +82.0]"; "n/a" when undefined.
std::string change_with_interval(const std::optional<double>& change,
                                 const std::optional<double>& low,
                                 const std::optional<double>& high) {
  if (!change) return "n/a";
  std::string text = format_change(*change);
  if (low && high) text += " " + format_interval(*low, *high);
  return text;
}

std::string change_cell(const std::optional<double>& change, const std::optional<double>& low,
                        const std::optional<double>& high) {
  if (!change) return "<td class=\"muted\">n/a</td>";
  std::string html = "<td>" + format_change(*change);
  if (low && high) html += " <span class=\"ci\">" + format_interval(*low, *high) + "</span>";
  return html + "</td>";
}

// "+13.5 pp [+10.6, +15.2]".
std::string difference_text(const SweepPick& pick) {
  const PointsText t = format_points(pick.difference, pick.difference_ci_low,
                                     pick.difference_ci_high);
  return t.interval.empty() ? t.value : t.value + " " + t.interval;
}

// "1.7% → 15.3%" (control → arm), or "" without both levels.
std::string levels_of(const SweepPick& pick, const SweepMetric& metric) {
  if (!pick.control_level || !pick.arm_level) return "";
  return format_level(metric.unit, *pick.control_level) + " → " +
         format_level(metric.unit, *pick.arm_level);
}

// The difference with the levels above it (as the exposure table shows an
// estimate); the relative change, where defined, in the tooltip.
std::string difference_cell(const SweepPick& pick, const SweepMetric& metric) {
  const bool zero = pick.control_level && *pick.control_level == 0;
  const std::string relative =
      pick.change ? "relative change " + change_with_interval(pick.change, pick.ci_low, pick.ci_high)
                  : std::string("relative change undefined") + (zero ? " (control 0)" : "");
  const PointsText t = format_points(pick.difference, pick.difference_ci_low,
                                     pick.difference_ci_high);
  std::string html = "<td title=\"" + html_escape(relative) + "\">";
  const std::string levels = levels_of(pick, metric);
  if (!levels.empty()) html += "<span class=\"levels\">" + levels + "</span>";
  html += t.value;
  if (!t.interval.empty()) html += " <span class=\"ci\">" + t.interval + "</span>";
  return html + "</td>";
}

// Winner or runner-up: the point, its difference in the metric and its CTR change.
std::string pick_cells(const Sweep& sweep, const SweepPick& pick, const SweepMetric& metric) {
  const SweepPoint& p = sweep.points[pick.point];
  // The knob on its own line keeps the table narrow.
  std::string name = "<b>" + html_escape(p.method) + "</b>";
  if (p.knob) name += "<span class=\"knob\">" + html_escape(knob_text(p)) + "</span>";
  return fmt::format("<td class=\"text\" title=\"{}\">{}</td>", html_escape(p.arm), name) +
         difference_cell(pick, metric) +
         change_cell(pick.ctr_change, pick.ctr_ci_low, pick.ctr_ci_high);
}

std::string no_winner_text(const SweepVerdict& row, const SweepMetric& metric) {
  return row.eligible == 0
             ? std::string("no point within the budget")
             : fmt::format("no point within the budget improves {}", metric.label);
}

const char* estimator_text(const Sweep& sweep) {
  return sweep.ctr_estimator == "paired" ? "paired counterfactual" : "CUPED";
}

// Display width of UTF-8 text: its code points (the text has no wide characters
// but names may have accents).
std::size_t width(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

// Names from the file on one line of a terminal: control characters become '?'.
std::string printable(std::string text) {
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  return text;
}

}  // namespace

std::string frontier_intro(const Results& r) {
  const Sweep& sweep = *r.sweep;
  return fmt::format(
      "<p>A knob sweep (<code>{}</code>): {} points, each an arm of this run against "
      "<b>{}</b>. Each chart puts a point at its CTR change (x, relative to control, the {} "
      "estimate) and its difference from control in one metric (y, arm − control in percentage "
      "points: PSEI is a percentage, the producer shares are shown in percent), with 95% "
      "intervals as whiskers; these are the scales the simulator ranks the points on. A "
      "relative change would be undefined where control's level is 0, and large but "
      "meaningless from a level near 0. A method's points are joined in knob order and "
      "labelled with the knob value. Up and to the right is better: for a metric where lower is "
      "better (T1PS) the y axis is reversed, so up is still better. Faded points are dominated: "
      "another point, or control at (0, 0), is at least as good on both axes. Dashed lines mark "
      "the CTR budgets of the verdict.</p>\n",
      html_escape(sweep.spec), sweep.points.size(), html_escape(r.control), estimator_text(sweep));
}

std::string verdict_table(const Sweep& sweep) {
  std::string html =
      "<div class=\"table-wrap\"><table class=\"sweep-verdict\"><thead><tr><th>CTR budget</th>"
      "<th>Metric</th><th>Points within budget</th><th>Winner</th><th>Arm − control</th>"
      "<th>CTR change</th><th>Runner-up (another method)</th><th>Arm − control</th>"
      "<th>CTR change</th><th>Lead outside intervals</th></tr></thead><tbody>\n";
  for (const SweepVerdict& row : sweep.verdict) {
    const SweepMetric& metric = sweep.metrics[row.metric];
    html += fmt::format(
        "<tr data-budget=\"{}\" data-metric=\"{}\"><th scope=\"row\">CTR budget {}</th>"
        "<td class=\"text\">{} {}</td><td>{} of {}</td>",
        row.ctr_budget, html_escape(metric.key), budget_text(row.ctr_budget, "−"),
        html_escape(metric.label), metric.higher_is_better ? "↑" : "↓", row.eligible,
        sweep.points.size());
    if (!row.winner) {
      html += fmt::format("<td class=\"text muted\" colspan=\"7\">{}</td></tr>\n",
                          html_escape(no_winner_text(row, metric)));
      continue;
    }
    html += pick_cells(sweep, *row.winner, metric);
    if (!row.runner_up) {
      html +=
          "<td class=\"text muted\" colspan=\"3\">no other method within the budget</td>"
          "<td class=\"muted\">–</td></tr>\n";
      continue;
    }
    html += pick_cells(sweep, *row.runner_up, metric);
    html += row.separated ? "<td class=\"better\">yes</td>" : "<td>no</td>";
    html += "</tr>\n";
  }
  return html + "</tbody></table></div>\n";
}

std::string verdict_text(const Results& r) {
  if (!r.sweep) return "";
  const Sweep& sweep = *r.sweep;
  // Levels for the winner only: the runner-up is there for its difference.
  std::vector<std::vector<std::string>> rows = {
      {"CTR budget", "Metric", "Eligible", "Winner", "Arm - control", "Levels", "CTR change",
       "Runner-up", "Arm - control", "CTR change", "Lead outside intervals"}};
  for (const SweepVerdict& row : sweep.verdict) {
    const SweepMetric& metric = sweep.metrics[row.metric];
    std::vector<std::string> cells = {budget_text(row.ctr_budget, "-"), printable(metric.label),
                                      fmt::format("{} of {}", row.eligible, sweep.points.size())};
    auto add_pick = [&](const SweepPick& pick, bool levels) {
      cells.push_back(printable(point_text(sweep.points[pick.point])));
      cells.push_back(difference_text(pick));
      if (levels) {
        const std::string text = levels_of(pick, metric);
        cells.push_back(text.empty() ? "–" : text);
      }
      cells.push_back(change_with_interval(pick.ctr_change, pick.ctr_ci_low, pick.ctr_ci_high));
    };
    if (!row.winner) {
      cells.push_back(printable(no_winner_text(row, metric)));
    } else {
      add_pick(*row.winner, true);
      if (row.runner_up) {
        add_pick(*row.runner_up, false);
        cells.push_back(row.separated ? "yes" : "no");
      } else {
        cells.push_back("none from another method");
      }
    }
    rows.push_back(std::move(cells));
  }
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      // A row's last cell may run past the columns it spans.
      if (i + 1 < row.size() || row.size() == rows.front().size())
        widths[i] = std::max(widths[i], width(row[i]));
    }
  std::string out = fmt::format(
      "Sweep verdict: {} against {} (metrics: arm - control in percentage points, levels "
      "control → arm; CTR: change relative to control, {}; 95% intervals)\n",
      printable(sweep.spec), printable(r.control), estimator_text(sweep));
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace invr::report
