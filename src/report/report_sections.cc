// The version 2 sections of the page: the headline effects, exposure with
// levels, the SRM test, the A/A calibration, CTR trends, the oracle and the
// "How much to trust this" box.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/report_html.h"
#include "report/report_trust.h"

namespace invr::report {
namespace {

const char* arrow(const RelativeMetric& metric) { return metric.higher_is_better ? "↑" : "↓"; }

std::string arm_header(const std::vector<std::string>& arms) {
  std::string html;
  for (const auto& arm : arms) html += "<th>" + html_escape(arm) + "</th>";
  return html;
}

const char* estimator_label(const std::string& key) {
  if (key == "paired") return "paired counterfactual";
  if (key == "cuped") return "CUPED";
  return "arm-level";
}

std::string interval_note(const Estimate& e) {
  return e.interval.empty() ? "" : e.interval + " interval";
}

}  // namespace

std::string srm_summary(const Srm& srm) {
  return fmt::format(
      "Sample ratio test (χ² against the arm weights): users per arm p = {}, visiting users p = "
      "{}; flagged below {}: <b>{}</b>.",
      format_p_value(srm.users.p_value), format_p_value(srm.visiting_users.p_value),
      format_p_value(srm.p_threshold), srm.flagged ? "mismatch" : "no mismatch");
}

std::string srm_warning(const RunAnalysis& analysis, const std::string& id) {
  if (!analysis.srm || !analysis.srm->flagged) return "";
  const Srm& srm = *analysis.srm;
  // Name the arm furthest from its expected users, the first place to look.
  std::string worst;
  double worst_gap = 0;
  for (std::size_t i = 0; i < srm.users.observed.size(); ++i) {
    const double expected = srm.users.expected[i];
    if (expected <= 0) continue;
    const double gap = srm.users.observed[i] / expected - 1;
    if (worst.empty() || std::fabs(gap) > std::fabs(worst_gap)) {
      worst = i < analysis.srm_arms.size() ? analysis.srm_arms[i] : "";
      worst_gap = gap;
    }
  }
  std::string html = fmt::format(
      "<div class=\"warning srm-warning\" id=\"{}\" role=\"alert\"><b>Sample ratio mismatch.</b> "
      "The arms do not hold the shares of users their weights say (users per arm p = {}, "
      "visiting users p = {}; flagged below {}).",
      id, format_p_value(srm.users.p_value), format_p_value(srm.visiting_users.p_value),
      format_p_value(srm.p_threshold));
  if (!worst.empty())
    html += fmt::format(" Furthest off: {} with {} of its expected users.", html_escape(worst),
                        format_change(worst_gap));
  return html +
         " A split that does not follow the design can bias every comparison of this run: find "
         "the cause (bucketing, salt, users dropped by arm) before acting on its effects.</div>\n";
}

std::string srm_table(const RunAnalysis& analysis) {
  if (!analysis.srm) return "";
  const Srm& srm = *analysis.srm;
  std::string html =
      "<div class=\"table-wrap\"><table><thead><tr><th>Arm</th><th>Users</th><th>Expected</th>"
      "<th>Difference</th><th>Visiting users</th><th>Expected</th><th>Difference</th></tr>"
      "</thead><tbody>\n";
  auto difference = [](double observed, double expected) {
    return expected > 0 ? format_change(observed / expected - 1) : std::string("–");
  };
  for (std::size_t i = 0; i < srm.users.observed.size(); ++i) {
    html += fmt::format(
        "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td></tr>\n",
        html_escape(analysis.srm_arms[i]), format_count(srm.users.observed[i]),
        format_count(srm.users.expected[i]),
        difference(srm.users.observed[i], srm.users.expected[i]),
        format_count(srm.visiting_users.observed[i]), format_count(srm.visiting_users.expected[i]),
        difference(srm.visiting_users.observed[i], srm.visiting_users.expected[i]));
  }
  html += "</tbody></table></div>\n";
  html += fmt::format(
      "<p>Users: χ² = {:.3g} with {} degrees of freedom, p = {}. Visiting users: χ² = {:.3g}, "
      "p = {}.</p>\n",
      srm.users.chi2, srm.users.dof, format_p_value(srm.users.p_value), srm.visiting_users.chi2,
      format_p_value(srm.visiting_users.p_value));
  return html;
}

std::string headline_table(const std::vector<std::string>& arms,
                           const std::map<std::string, ArmEffects>& effects) {
  std::vector<std::string> shown;
  for (const auto& arm : arms)
    if (effects.count(arm)) shown.push_back(arm);
  if (shown.empty()) return "";
  // One estimator name for the primary row when the arms agree on it.
  std::string primary = effects.at(shown.front()).primary;
  for (const auto& arm : shown)
    if (effects.at(arm).primary != primary) primary.clear();

  std::string html =
      "<div class=\"table-wrap\"><table class=\"headline\"><thead><tr><th>Metric</th>"
      "<th>Estimator</th>" +
      arm_header(shown) + "</tr></thead><tbody>\n";
  for (const char* key : {"ctr", "clicks_per_user"}) {
    const RelativeMetric& metric = *find_metric(key);
    auto effect = [&](const std::string& arm) -> const Effect& {
      const ArmEffects& e = effects.at(arm);
      return std::string_view(key) == "ctr" ? e.ctr : e.clicks_per_user;
    };
    // Primary row.
    html += fmt::format(
        "<tr class=\"primary\"><th scope=\"row\" rowspan=\"3\">{} {}</th><td class=\"text\">"
        "<b>primary</b>{}</td>",
        metric.label, arrow(metric),
        primary.empty() ? "" : fmt::format(": {}", estimator_label(primary)));
    for (const auto& arm : shown) {
      const ArmEffects& e = effects.at(arm);
      const Estimate& estimate = effect(arm).pick(e.primary);
      std::string note = interval_note(estimate);
      if (primary.empty()) note = std::string(estimator_label(e.primary)) + ", " + note;
      html += estimate_cell(estimate, metric, note);
    }
    html += "</tr>\n<tr><td class=\"text\">CUPED</td>";
    for (const auto& arm : shown)
      html += effects.at(arm).primary == "cuped"
                  ? std::string("<td class=\"muted\">the primary, above</td>")
                  : estimate_cell(effect(arm).cuped, metric);
    html += "</tr>\n<tr><td class=\"text\">arm-level</td>";
    for (const auto& arm : shown) html += estimate_cell(effect(arm).arm_level, metric);
    html += "</tr>\n";
  }
  return html + "</tbody></table></div>\n";
}

std::string exposure_table(const std::vector<std::string>& arms,
                           const std::map<std::string, Changes>& relative) {
  std::vector<std::string> shown;
  for (const auto& arm : arms)
    if (relative.count(arm)) shown.push_back(arm);
  if (shown.empty()) return "";
  std::string rows;
  for (const auto& metric : reported_metrics()) {
    const std::string_view key = metric.key;
    if (key == "ctr" || key == "clicks_per_user") continue;
    std::string row;
    bool any = false;
    for (const auto& arm : shown) {
      const Changes& changes = relative.at(arm);
      auto it = changes.find(metric.key);
      if (it == changes.end()) {
        row += "<td class=\"muted\">–</td>";
        continue;
      }
      any = true;
      row += estimate_cell(it->second, metric);
    }
    if (any)
      rows += fmt::format("<tr><th scope=\"row\">{} {}</th>{}</tr>\n", metric.label, arrow(metric),
                          row);
  }
  if (rows.empty()) return "";
  return "<div class=\"table-wrap\"><table class=\"exposure\"><thead><tr><th>Metric</th>" +
         arm_header(shown) + "</tr></thead><tbody>\n" + rows + "</tbody></table></div>\n";
}

std::string aa_section(const AaCalibration& aa) {
  std::string html = fmt::format(
      "<section id=\"aa\"><h2>A/A calibration</h2>\n<p>The same traffic with every arm serving "
      "control, its users bucketed again with {} salts: {} comparisons of an arm against control. "
      "With no true effect a 95% interval should exclude 0 in about {:.0f}% of them; {:.0f}% to "
      "{:.0f}% is accepted. Too many means intervals too narrow (false discoveries), too few "
      "means intervals wider than needed.</p>\n",
      aa.salts, format_count(static_cast<double>(aa.comparisons)), trust::kAaNominal * 100,
      trust::kAaLow * 100, trust::kAaHigh * 100);
  html +=
      "<div class=\"table-wrap\"><table class=\"aa\"><thead><tr><th>Metric</th><th>Intervals "
      "excluding 0</th><th>False-positive rate</th><th>Verdict</th></tr></thead><tbody>\n";
  for (std::size_t i = 0; i < aa.false_positive_rate.size(); ++i) {
    const auto& [metric, rate] = aa.false_positive_rate[i];
    const long long defined = i < aa.defined.size() ? aa.defined[i] : aa.comparisons;
    std::string label = metric;
    if (const RelativeMetric* m = find_metric(metric)) label = m->label;
    if (metric == "ctr_cuped") label = "CTR (CUPED)";
    if (metric == "clicks_per_user_cuped") label = "Clicks per user (CUPED)";
    if (defined == 0) {
      html += fmt::format(
          "<tr><th scope=\"row\">{}</th><td>0 of 0</td><td>n/a</td><td class=\"text\">not "
          "measured: 0 in control in every comparison</td></tr>\n",
          html_escape(label));
      continue;
    }
    const char* cls = rate > trust::kAaHigh ? "worse" : rate < trust::kAaLow ? "caution" : "";
    const char* verdict = rate > trust::kAaHigh  ? "too many"
                          : rate < trust::kAaLow ? "too few (conservative)"
                                                 : "as expected";
    html += fmt::format(
        "<tr><th scope=\"row\">{}</th><td>{} of {}</td><td{}>{:.1f}%</td><td class=\"text\">{}"
        "</td></tr>\n",
        html_escape(label), std::lround(rate * static_cast<double>(defined)), defined,
        *cls ? fmt::format(" class=\"{}\"", cls) : "", rate * 100, verdict);
  }
  html += "</tbody></table></div>\n";
  if (aa.comparisons < trust::kAaMinComparisons)
    html += fmt::format(
        "<p class=\"muted\">Only {} comparisons: one interval moves a rate by {:.1f} points, too "
        "coarse for the verdicts above to mean much. {} salts or more give at least {}.</p>\n",
        aa.comparisons, aa.comparisons > 0 ? 100.0 / static_cast<double>(aa.comparisons) : 100.0,
        aa_salts_needed(aa), trust::kAaMinComparisons);
  if (aa.out_of_range > 0)
    html += fmt::format(
        "<div class=\"warning\" role=\"alert\"><b>{} intervals fell outside their metric's "
        "range</b> (must be 0): the interval code has a bug.</div>\n",
        aa.out_of_range);
  else
    html += "<p>Intervals outside their metric's range: 0 (as required).</p>\n";
  html += fmt::format("<p>Salts whose sample-ratio test flagged: {} of {}.</p>\n", aa.srm_flagged,
                      aa.salts);

  // Per salt: its SRM p-value and how many intervals excluded 0, per metric.
  std::vector<std::string> metrics;
  for (const auto& salt : aa.per_salt)
    for (const auto& [metric, n] : salt.excluding)
      if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end())
        metrics.push_back(metric);
  html +=
      "<details><summary>Per salt</summary><div class=\"table-wrap\"><table><thead><tr>"
      "<th>Salt</th><th>SRM p</th>";
  for (const auto& metric : metrics) html += "<th>" + html_escape(metric) + "</th>";
  html += "</tr></thead><tbody>\n";
  for (const auto& salt : aa.per_salt) {
    html += fmt::format("<tr><th scope=\"row\">{}</th><td>{}</td>", html_escape(salt.salt),
                        format_p_value(salt.srm_p));
    for (const auto& metric : metrics) {
      auto it = std::find_if(salt.excluding.begin(), salt.excluding.end(),
                             [&](const auto& entry) { return entry.first == metric; });
      html += it == salt.excluding.end() ? std::string("<td class=\"muted\">–</td>")
                                         : fmt::format("<td>{}</td>", it->second);
    }
    html += "</tr>\n";
  }
  return html + "</tbody></table></div></details></section>\n";
}

std::string trend_section(const Results& r) {
  if (r.analysis.trend.empty()) return "";
  std::string html =
      "<section id=\"trend\"><h2>CTR over the run</h2>\n<p>Each arm's CTR over the first and the "
      "last three simulated days, and a straight-line slope per day as a share of the arm's mean "
      "CTR, with a 95% bootstrap interval. A drifting control means the effects average over a "
      "moving baseline.</p>\n";
  std::string rows;
  for (const auto& arm : r.arms) {
    auto it = r.analysis.trend.find(arm.name);
    if (it == r.analysis.trend.end()) continue;
    const Trend& t = it->second;
    const bool drifts = t.change && std::fabs(*t.change) > trust::kTrendLimit;
    std::string slope = format_change(t.slope_per_day);
    if (t.ci_low && t.ci_high)
      slope += " <span class=\"ci\">" + format_interval(*t.ci_low, *t.ci_high) + "</span>";
    rows += fmt::format(
        "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td></tr>\n",
        html_escape(arm.name), format_level(Unit::kShare, t.first3),
        format_level(Unit::kShare, t.last3), drifts ? " class=\"worse\"" : "",
        t.change ? format_change(*t.change) : std::string("n/a (first days 0)"), slope);
  }
  auto control = r.analysis.trend.find(r.control);
  if (control != r.analysis.trend.end() && control->second.change &&
      std::fabs(*control->second.change) > trust::kTrendLimit)
    html += fmt::format(
        "<div class=\"warning trend-warning\" role=\"alert\"><b>Control CTR drifts.</b> It went "
        "from {} over the first 3 days to {} over the last 3 ({}, more than ±{:.0f}%): compare "
        "the arms within days (Metrics over days) as well as over the whole run.</div>\n",
        format_level(Unit::kShare, control->second.first3),
        format_level(Unit::kShare, control->second.last3), format_change(*control->second.change),
        trust::kTrendLimit * 100);
  html +=
      "<div class=\"table-wrap\"><table><thead><tr><th>Arm</th><th>CTR, first 3 days</th>"
      "<th>CTR, last 3 days</th><th>Change</th><th>Slope per day</th></tr></thead><tbody>\n" +
      rows + "</tbody></table></div>\n";
  return html + "</section>\n";
}

std::string trust_section(const Results& r) {
  std::string html =
      "<section id=\"trust\" class=\"trust\"><h2>How much to trust this</h2>\n<ul>\n";
  for (const TrustLine& line : trust_lines(r)) {
    const char* cls = "trust-ok";
    const char* badge = "OK";
    switch (line.verdict) {
      case Verdict::kOk:
        break;
      case Verdict::kCaution:
        cls = "trust-caution";
        badge = "Caution";
        break;
      case Verdict::kWarning:
        cls = "trust-warning";
        badge = "Warning";
        break;
      case Verdict::kNote:
        cls = "trust-note";
        badge = "Note";
        break;
    }
    html += fmt::format(
        "<li class=\"{}\" data-topic=\"{}\"><span class=\"verdict\">{}</span> <b>{}</b>: {}</li>\n",
        cls, line.topic, badge, line.title, line.html);
  }
  return html +
         "</ul>\n<p class=\"muted\">Each line is generated from the figure it quotes; the "
         "thresholds are in docs/report.md.</p></section>\n";
}

std::string oracle_sentence(const WorldInfo& world) {
  if (!world.oracle) return "";
  const Oracle& o = *world.oracle;
  return fmt::format(
      "<p>The users' clicks come from a <b>{}</b> oracle fitted on the dataset; on held-out data "
      "({}, {} test users) it reaches Recall@20 {:.3f}, against {:.3f} for most popular.</p>\n",
      html_escape(o.kind), html_escape(o.protocol), format_count(o.test_users), o.recall_at_20,
      o.most_popular_recall_at_20);
}

}  // namespace invr::report
