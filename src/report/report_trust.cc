#include "report/report_trust.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "report/report_html.h"

namespace invr::report {
namespace {

std::string percent(double fraction, int decimals = 1) {
  return fmt::format("{:.{}f}%", fraction * 100.0, decimals);
}

const std::string& estimator_name(const std::string& key) {
  static const std::map<std::string, std::string> names = {
      {"paired", "paired counterfactual"}, {"cuped", "CUPED"}, {"arm_level", "arm-level"}};
  static const std::string unknown = "?";
  auto it = names.find(key);
  return it == names.end() ? unknown : it->second;
}

std::string metric_label(const std::string& key) {
  if (const RelativeMetric* m = find_metric(key)) return m->label;
  constexpr std::string_view kCuped = "_cuped";
  if (key.size() > kCuped.size() && key.ends_with(kCuped))
    if (const RelativeMetric* m = find_metric(key.substr(0, key.size() - kCuped.size())))
      return std::string(m->label) + " (CUPED)";
  return key;
}

TrustLine users_line(const Results& r) {
  const ArmInfo* smallest = &r.arms.front();
  const ArmInfo* largest = &r.arms.front();
  double total = 0;
  for (const auto& arm : r.arms) {
    if (arm.users < smallest->users) smallest = &arm;
    if (arm.users > largest->users) largest = &arm;
    total += arm.users;
  }
  std::string html =
      fmt::format("{} to {} users per arm ({} in all; smallest: {})", format_count(smallest->users),
                  format_count(largest->users), format_count(total), html_escape(smallest->name));
  if (smallest->users < trust::kFewUsersPerArm)
    return {"users", "Users per arm", Verdict::kCaution,
            html + fmt::format(". Fewer than {} users in an arm: a few heavy users can move its "
                               "CTR and its traffic, and the intervals are rough.{}",
                               format_count(trust::kFewUsersPerArm),
                               r.blocked_assignment
                                   ? ""
                                   : " Simulate with --blocked-assignment true so every arm "
                                     "holds the same activity profile.")};
  return {"users", "Users per arm", Verdict::kOk, html + "."};
}

TrustLine srm_line(const Srm& srm, bool blocked) {
  const std::string figures =
      fmt::format("users per arm p = {}, visiting users p = {} (flagged below {}){}",
                  format_p_value(srm.users.p_value), format_p_value(srm.visiting_users.p_value),
                  format_p_value(srm.p_threshold),
                  blocked ? "; users were randomised in blocks of similar activity "
                            "(--blocked-assignment), so the arms' sizes and traffic match by design"
                          : "");
  if (srm.flagged)
    return {"srm", "Sample ratio", Verdict::kWarning,
            "mismatch: " + figures +
                ". The arms do not hold the shares of users their weights say, so every "
                "comparison on this page may be biased; find the cause before acting on it."};
  return {"srm", "Sample ratio", Verdict::kOk, "no mismatch: " + figures + "."};
}

TrustLine aa_line(const Results& r) {
  if (!r.aa) {
    return {"aa", "A/A", Verdict::kCaution,
            fmt::format("no A/A run, so the intervals' false-positive rate is unchecked. Run "
                        "<code>invr simulate ... --aa-salts {}</code> to measure it ({} salts × "
                        "{} non-control arms = {} comparisons, nominal 5%).",
                        trust::kAaSuggestedSalts, trust::kAaSuggestedSalts, r.arms.size() - 1,
                        trust::kAaSuggestedSalts * static_cast<long long>(r.arms.size() - 1))};
  }
  const AaCalibration& aa = *r.aa;
  double low = 1, high = 0;
  std::vector<std::string> too_often, too_rarely, undefined;
  std::size_t measured = 0;
  for (const auto& [metric, rate] : aa.false_positive_rate) {
    if (std::isnan(rate)) {
      undefined.push_back(html_escape(metric_label(metric)));
      continue;
    }
    ++measured;
    low = std::min(low, rate);
    high = std::max(high, rate);
    const std::string item = fmt::format("{} {}", html_escape(metric_label(metric)), percent(rate));
    if (rate > trust::kAaHigh) too_often.push_back(item);
    if (rate < trust::kAaLow) too_rarely.push_back(item);
  }
  std::string html = fmt::format("{} salts, {} comparisons: ", aa.salts, aa.comparisons);
  if (measured == 0)
    html += "no false-positive rates in the file";
  else
    html += fmt::format(
        "95% intervals excluded 0 in {} to {} of comparisons over {} metrics (nominal {}, "
        "acceptable {} to {})",
        percent(low), percent(high), measured, percent(trust::kAaNominal, 0),
        percent(trust::kAaLow, 0), percent(trust::kAaHigh, 0));
  Verdict verdict = measured == 0 ? Verdict::kCaution : Verdict::kOk;
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
  };
  if (!too_often.empty()) {
    html += "; too often for " + join(too_often) +
            ": those intervals are too narrow, so their significant results are partly noise";
    verdict = Verdict::kWarning;
  }
  if (!too_rarely.empty()) {
    html += "; rarely for " + join(too_rarely) + ": those intervals are wider than they need be";
    if (verdict == Verdict::kOk) verdict = Verdict::kCaution;
  }
  if (!undefined.empty())
    html += "; not measured for " + join(undefined) +
            " (0 in control in every comparison, so there was no change to test)";
  if (aa.out_of_range > 0) {
    html += fmt::format("; {} intervals fell outside their metric's range (must be 0)",
                        aa.out_of_range);
    verdict = Verdict::kWarning;
  }
  if (aa.comparisons < trust::kAaMinComparisons) {
    html += fmt::format(
        "; only {} comparisons, so one interval moves a rate by {:.1f} points: too coarse to "
        "judge, run at least {} salts",
        aa.comparisons, aa.comparisons > 0 ? 100.0 / static_cast<double>(aa.comparisons) : 100.0,
        aa_salts_needed(aa));
    if (verdict == Verdict::kWarning && aa.out_of_range == 0) verdict = Verdict::kCaution;
    if (verdict == Verdict::kOk) verdict = Verdict::kCaution;
  }
  const double threshold = r.analysis.srm ? r.analysis.srm->p_threshold : 0.001;
  html += fmt::format("; SRM flagged in {} of {} salts (about {:.2g} expected by chance)",
                      aa.srm_flagged, aa.salts, threshold * static_cast<double>(aa.salts));
  if (aa.srm_flagged > 0 && verdict == Verdict::kOk) verdict = Verdict::kCaution;
  return {"aa", "A/A", verdict, html + "."};
}

// The headline CTR estimate of each InvR arm: its primary estimate (version
// 2) or the arm-level change (version 1).
struct HeadlineCtr {
  const std::string* arm;
  const Estimate* estimate;
  std::string estimator;
};

TrustLine ctr_resolution_line(const Results& r) {
  std::vector<HeadlineCtr> headline;
  for (const auto& arm : r.arms) {
    if (arm.name == r.control) continue;
    if (auto e = r.analysis.effects.find(arm.name); e != r.analysis.effects.end()) {
      headline.push_back({&arm.name, &e->second.primary_ctr(), estimator_name(e->second.primary)});
      continue;
    }
    auto rel = r.relative.find(arm.name);
    if (rel == r.relative.end()) continue;
    if (auto c = rel->second.find("ctr"); c != rel->second.end())
      headline.push_back({&arm.name, &c->second, "arm-level"});
  }
  const HeadlineCtr* widest = nullptr;
  double narrowest = std::numeric_limits<double>::infinity();
  double widest_half = 0;
  for (const auto& h : headline) {
    if (!h.estimate->ci_low || !h.estimate->ci_high) continue;
    const double half = (*h.estimate->ci_high - *h.estimate->ci_low) / 2;
    narrowest = std::min(narrowest, half);
    if (!widest || half > widest_half) {
      widest = &h;
      widest_half = half;
    }
  }
  const char* title = "CTR resolution";
  if (!widest)
    return {"ctr_resolution", title, Verdict::kCaution,
            "no interval on the headline CTR change, so its precision is unknown."};
  const RelativeMetric& ctr = *find_metric("ctr");
  const std::string widths = percent(narrowest, 2) == percent(widest_half, 2)
                                 ? "±" + percent(widest_half, 2)
                                 : "±" + percent(narrowest, 2) + " to ±" + percent(widest_half, 2);
  std::string html = fmt::format(
      "headline CTR intervals ({}) are {} wide; widest: {}, {}. Against a {} CTR-loss bar",
      widest->estimator, widths, html_escape(*widest->arm), estimate_text(*widest->estimate, ctr),
      percent(trust::kCtrBar, 0));
  if (widest_half <= trust::kResolvingHalfWidth)
    return {"ctr_resolution", title, Verdict::kOk,
            html + fmt::format(", the run resolves a {} change: ±{} or less detects it 80% of the "
                               "time at the 5% level.",
                               percent(trust::kCtrBar, 0), percent(trust::kResolvingHalfWidth, 2))};
  if (widest_half <= trust::kCtrBar)
    return {"ctr_resolution", title, Verdict::kCaution,
            html + fmt::format(", borderline: a true {} change would be detected less than 80% of "
                               "the time (±{} or less is needed).",
                               percent(trust::kCtrBar, 0), percent(trust::kResolvingHalfWidth, 2))};
  const double scale = std::pow(widest_half / trust::kResolvingHalfWidth, 2);
  const ArmInfo* arm = r.find_arm(*widest->arm);
  const std::string users =
      arm ? fmt::format(", about {} users in that arm instead of {}",
                        format_count(std::ceil(arm->users * scale)), format_count(arm->users))
          : "";
  return {"ctr_resolution", title, Verdict::kWarning,
          html + fmt::format(", the run cannot resolve a {} change: ±{} is {:.1f}× the bar. About "
                             "{:.1f}× the users{} would bring the interval to ±{}.",
                             percent(trust::kCtrBar, 0), percent(widest_half, 2),
                             widest_half / trust::kCtrBar, scale, users,
                             percent(trust::kResolvingHalfWidth, 2))};
}

// How many treated items PSEI's control level rests on (its resolution).
std::optional<TrustLine> psei_line(const Results& r) {
  auto it = r.totals.find(r.control);
  if (it == r.totals.end() || it->second.treated_items <= 0) return std::nullopt;
  const ArmTotals& c = it->second;
  const double sufficient = std::round(c.psei / 100 * c.treated_items);
  const char* title = "PSEI resolution";
  std::string html = fmt::format(
      "{} of {} treated items ({:.1f}%) reached the sufficient impressions in control",
      format_count(sufficient), format_count(c.treated_items), c.psei);
  if (sufficient < trust::kFewSufficientItems)
    return TrustLine{
        "psei", title, Verdict::kCaution,
        html + fmt::format(". Fewer than {}: PSEI takes few values, so its intervals are coarse "
                           "and wider than they need be. More treated items (the job's "
                           "selection), traffic or a lower --sufficient-impressions give it "
                           "resolution.",
                           format_count(trust::kFewSufficientItems))};
  return TrustLine{"psei", title, Verdict::kOk, html + "."};
}

std::optional<TrustLine> trend_line(const Results& r) {
  auto it = r.analysis.trend.find(r.control);
  if (it == r.analysis.trend.end()) return std::nullopt;
  const Trend& t = it->second;
  const char* title = "Control CTR over the run";
  std::string slope = fmt::format("slope {}/day", format_change(t.slope_per_day));
  if (t.ci_low && t.ci_high) slope += " " + format_interval(*t.ci_low, *t.ci_high);
  if (!t.change)
    return TrustLine{"trend", title, Verdict::kCaution,
                     fmt::format("control CTR was 0 over the first 3 days ({} over the last 3; "
                                 "{}), so its change is undefined.",
                                 percent(t.last3, 2), slope)};
  std::string html =
      fmt::format("{} over the first 3 days, {} over the last 3 ({}); {}", percent(t.first3, 2),
                  percent(t.last3, 2), format_change(*t.change), slope);
  if (std::fabs(*t.change) > trust::kTrendLimit)
    return TrustLine{
        "trend", title, Verdict::kWarning,
        html + fmt::format(". It moves by more than {}: the world or the model changes during "
                           "the run (e.g. no retraining), so the effects average over a moving "
                           "baseline; compare the arms day by day below.",
                           percent(trust::kTrendLimit, 0))};
  return TrustLine{"trend", title, Verdict::kOk,
                   html + fmt::format(". Stable (within ±{}).", percent(trust::kTrendLimit, 0))};
}

std::optional<TrustLine> oracle_line(const Results& r) {
  const char* title = "Simulated users";
  if (r.world.kind == "synthetic")
    return TrustLine{"oracle", title, Verdict::kOk,
                     "synthetic world: clicks come from the generator's ground truth, so there "
                     "is no oracle fit to check."};
  if (!r.world.oracle)
    return TrustLine{"oracle", title, Verdict::kCaution,
                     "the file gives no fit of the oracle that plays the users, so how closely "
                     "they follow the data is unknown."};
  const Oracle& o = *r.world.oracle;
  const double lift = o.most_popular_recall_at_20 > 0
                          ? o.recall_at_20 / o.most_popular_recall_at_20
                          : (o.recall_at_20 > 0 ? std::numeric_limits<double>::infinity() : 0.0);
  std::string html = fmt::format(
      "the {} oracle scores holdout Recall@20 {:.3f} against {:.3f} for most popular ({}, {} "
      "test users)",
      html_escape(o.kind), o.recall_at_20, o.most_popular_recall_at_20,
      std::isinf(lift) ? std::string("most popular scores 0") : fmt::format("{:.2f}×", lift),
      format_count(o.test_users));
  if (lift >= trust::kOracleLift)
    return TrustLine{"oracle", title, Verdict::kOk,
                     html + fmt::format(". At least {:.1f}× popularity: it has learnt taste "
                                        "beyond what is popular.",
                                        trust::kOracleLift)};
  if (lift >= 1)
    return TrustLine{"oracle", title, Verdict::kCaution,
                     html + fmt::format(". Under {:.1f}× popularity: the simulated users act "
                                        "close to popularity followers, so slate changes move "
                                        "their CTR less than real users' would.",
                                        trust::kOracleLift)};
  return TrustLine{"oracle", title, Verdict::kWarning,
                   html +
                       ". It does not beat popularity: the simulated users' taste is not "
                       "learnt from the data, so CTR effects say little about real users."};
}

}  // namespace

long long aa_salts_needed(const AaCalibration& aa) {
  const long long per_salt =
      std::max<long long>(1, aa.comparisons / std::max<long long>(1, aa.salts));
  return (trust::kAaMinComparisons + per_salt - 1) / per_salt;
}

std::vector<TrustLine> trust_lines(const Results& r) {
  std::vector<TrustLine> lines;
  lines.push_back(users_line(r));
  if (r.analysis.srm) lines.push_back(srm_line(*r.analysis.srm, r.blocked_assignment));
  if (r.version >= 2) lines.push_back(aa_line(r));
  lines.push_back(ctr_resolution_line(r));
  if (auto line = psei_line(r)) lines.push_back(*line);
  if (auto line = trend_line(r)) lines.push_back(*line);
  if (r.version >= 2)
    if (auto line = oracle_line(r)) lines.push_back(*line);
  if (r.version < 2)
    lines.push_back({"version", "Version 1 file", Verdict::kNote,
                     "the sample-ratio test, A/A calibration, control CTR trend and oracle fit "
                     "come with results.json version 2; rerun <code>invr simulate</code> for "
                     "them."});
  return lines;
}

}  // namespace invr::report
