#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "report/report_html.h"

namespace invr::report {
namespace {

std::string percent_of_fraction(double x, int decimals = 2) {
  return fmt::format("{:.{}f}%", x * 100.0, decimals);
}

// "+33.1% [+30.2, +36.0]", with the levels above it when the file has them.
std::string change_cell(const Changes* changes, const RelativeMetric& metric, bool is_control) {
  if (is_control) return "<td class=\"muted\">control</td>";
  if (!changes) return "<td class=\"muted\">–</td>";
  auto it = changes->find(metric.key);
  if (it == changes->end()) return "<td class=\"muted\">–</td>";
  return estimate_cell(it->second, metric);
}

const RelativeMetric& metric(const char* key) {
  if (const RelativeMetric* m = find_metric(key)) return *m;
  throw std::logic_error("unknown relative metric");
}

}  // namespace

std::string format_count(double x) {
  if (std::fabs(x) >= 1e15) return fmt::format("{:.1f}", x);
  const bool whole = x == std::floor(x);
  // Non-integers keep one decimal: work in tenths so rounding carries over.
  const long long tenths = std::llround(std::fabs(x) * 10);
  const std::string digits =
      fmt::format("{}", whole ? static_cast<long long>(std::fabs(x)) : tenths / 10);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  if (!whole) out += fmt::format(".{}", tenths % 10);
  return x < 0 ? "-" + out : out;
}

std::string arms_table(const Results& results) {
  std::string html =
      "<div class=\"table-wrap\"><table><thead><tr><th>Arm</th><th>InvR candidates ordered "
      "by</th><th>Slate "
      "slots</th><th>Users</th></tr></thead><tbody>\n";
  for (const auto& arm : results.arms) {
    std::string slots;
    for (long long s : arm.slots) slots += (slots.empty() ? "" : ", ") + std::to_string(s);
    const bool control = arm.name == results.control;
    html += fmt::format(
        "<tr><th scope=\"row\">{}</th><td class=\"text\">{}</td><td>{}</td><td>{}</td></tr>\n",
        html_escape(arm.name),
        control ? "— (control: the main pipeline's slate)" : html_escape(arm.ordering),
        slots.empty() ? "—" : slots, format_count(arm.users));
  }
  return html + "</tbody></table></div>\n";
}

std::string metrics_table(const std::vector<std::string>& arms,
                          const std::map<std::string, ArmTotals>& totals,
                          const std::map<std::string, Changes>& relative, const Results* volume) {
  std::string html = "<div class=\"table-wrap\"><table><thead><tr><th>Arm</th>";
  if (volume) html += "<th>Users</th><th>Impressions</th>";
  html +=
      "<th>CTR</th><th>Δ CTR</th><th>Producer B50PS</th><th>Δ B50PS</th>"
      "<th>Producer T1PS</th><th>Δ T1PS</th><th>PSEI</th><th>Δ PSEI</th></tr></thead><tbody>\n";
  for (const auto& arm : arms) {
    auto t = totals.find(arm);
    auto r = relative.find(arm);
    const Changes* changes = r == relative.end() ? nullptr : &r->second;
    // Control is the arm the changes are measured against: it has none itself.
    const bool is_control = !changes && (volume ? arm == volume->control : true);
    const char* dash = "<td class=\"muted\">–</td>";
    html += fmt::format("<tr><th scope=\"row\">{}</th>", html_escape(arm));
    if (volume) {
      const ArmInfo* info = volume->find_arm(arm);
      html += info ? fmt::format("<td>{}</td>", format_count(info->users)) : dash;
      html += t != totals.end() ? fmt::format("<td>{}</td>", format_count(t->second.impressions))
                                : dash;
    }
    auto value = [&](auto get) {
      return t == totals.end() ? std::string(dash) : "<td>" + get(t->second) + "</td>";
    };
    html += value([](const ArmTotals& x) { return percent_of_fraction(x.ctr); });
    html += change_cell(changes, metric("ctr"), is_control);
    html += value([](const ArmTotals& x) { return percent_of_fraction(x.producer.b50ps); });
    html += change_cell(changes, metric("producer_b50ps"), is_control);
    html += value([](const ArmTotals& x) { return percent_of_fraction(x.producer.t1ps); });
    html += change_cell(changes, metric("producer_t1ps"), is_control);
    html += value([](const ArmTotals& x) { return fmt::format("{:.1f}%", x.psei); });
    html += change_cell(changes, metric("psei"), is_control);
    html += "</tr>\n";
  }
  return html + "</tbody></table></div>\n";
}

std::string concentration_table(const Results& results) {
  std::string html =
      "<div class=\"table-wrap\"><table><thead><tr><th>Arm</th><th>Item B50PS</th><th>Item "
      "T1PS</th><th>Item Gini</th>"
      "<th>Item coverage</th><th>Producer Gini</th><th>Producer coverage</th>"
      "<th>Treated items</th><th>Clicks</th></tr></thead><tbody>\n";
  for (const auto& arm : results.arms) {
    const ArmTotals& t = results.totals.at(arm.name);
    html += fmt::format(
        "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{:.3f}</td><td>{}</td>"
        "<td>{:.3f}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        html_escape(arm.name), percent_of_fraction(t.item.b50ps), percent_of_fraction(t.item.t1ps),
        t.item.gini, percent_of_fraction(t.item.coverage, 1), t.producer.gini,
        percent_of_fraction(t.producer.coverage, 1), format_count(t.treated_items),
        format_count(t.clicks));
  }
  return html + "</tbody></table></div>\n";
}

std::map<std::string, Changes> display_changes(const std::map<std::string, Changes>& relative,
                                               const std::map<std::string, ArmEffects>& effects) {
  std::map<std::string, Changes> out = relative;
  for (const auto& [arm, e] : effects) {
    out[arm]["ctr"] = e.primary_ctr();
    out[arm]["clicks_per_user"] = e.clicks_per_user.pick(e.primary);
  }
  return out;
}

std::string users_table(const Results& results) {
  std::string html =
      "<div class=\"table-wrap\"><table><thead><tr><th>Arm</th><th>Users whose slates lost "
      "relevance</th></tr></thead>"
      "<tbody>\n";
  for (const auto& arm : results.arms) {
    auto it = results.users.find(arm.name);
    if (it == results.users.end() || !it->second.share_lost_relevance) continue;
    html += fmt::format("<tr><th scope=\"row\">{}</th><td>{}</td></tr>\n", html_escape(arm.name),
                        percent_of_fraction(*it->second.share_lost_relevance, 1));
  }
  return html + "</tbody></table></div>\n";
}

}  // namespace invr::report
