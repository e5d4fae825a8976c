#include "report/report_results_v2.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace invr::report {
namespace {

// The largest valid level of a metric in `unit`.
double top_of(Unit unit) {
  switch (unit) {
    case Unit::kShare:
    case Unit::kIndex:
      return 1.0;
    case Unit::kPercent:
      return 100.0;
    case Unit::kPerUser:
      break;
  }
  return std::numeric_limits<double>::infinity();
}

std::string range_text(Unit unit) {
  switch (unit) {
    case Unit::kShare:
      return "[0, 1] (a fraction)";
    case Unit::kIndex:
      return "[0, 1]";
    case Unit::kPercent:
      return "[0, 100] (a percentage)";
    case Unit::kPerUser:
      break;
  }
  return "[0, inf)";
}

double number_in(const Node& node, double low, double high, const std::string& range) {
  const double x = node.number();
  if (x < low - kSlack || x > high + kSlack)
    node.fail(fmt::format("expected a number in {}, found {}", range, x));
  return x;
}

double fraction(const Node& node) { return number_in(node, 0, 1, "[0, 1]"); }

double probability(const Node& node) { return number_in(node, 0, 1, "[0, 1] (a p-value)"); }

long long count(const Node& node, long long high = std::numeric_limits<long long>::max()) {
  const long long n = node.integer();
  if (n < 0 || n > high)
    node.fail(high == std::numeric_limits<long long>::max()
                  ? fmt::format("expected a count of at least 0, found {}", n)
                  : fmt::format("expected a count in [0, {}], found {}", high, n));
  return n;
}

bool excludes_zero(const Estimate& e) {
  return e.ci_low && e.ci_high && (*e.ci_low > 0 || *e.ci_high < 0);
}

// E's "difference", "difference_ci_low", "difference_ci_high" (arm - control
// in the metric's unit): optional, as files before them lack them; each a
// number or null, the interval both or neither, ordered, and null with the
// difference. Two levels in [0, top] differ by at most top.
void read_difference(const Node& node, const RelativeMetric& metric, double top, Estimate& e) {
  const Json& json = node.json();
  if (json.contains("difference")) {
    const Node difference = node.at("difference");
    e.difference = difference.number_or_null();
    if (e.difference && std::fabs(*e.difference) > top + kSlack)
      difference.fail(fmt::format("expected a {} difference in [-{}, {}], found {}", metric.label,
                                  top, top, *e.difference));
  }
  if (!json.contains("difference_ci_low") && !json.contains("difference_ci_high")) return;
  read_interval(node, e.difference_ci_low, e.difference_ci_high, false, "difference_ci_low",
                "difference_ci_high");
  if (!e.difference && e.difference_ci_low)
    node.at("difference_ci_low")
        .fail("expected null: the difference is null (not computed), so is its interval");
}

}  // namespace

std::optional<double> relative_change(const Node& node) {
  const std::optional<double> x = node.number_or_null();
  if (x && *x < -1 - kSlack)
    node.fail(fmt::format("expected a relative change of at least -1 (-100%), found {}", *x));
  return x;
}

void read_interval(const Node& node, std::optional<double>& low, std::optional<double>& high,
                   bool relative, std::string_view low_key, std::string_view high_key) {
  const Node low_node = node.at(low_key);
  const Node high_node = node.at(high_key);
  low = relative ? relative_change(low_node) : low_node.number_or_null();
  high = relative ? relative_change(high_node) : high_node.number_or_null();
  if (low.has_value() != high.has_value())
    (low ? high_node : low_node)
        .fail(fmt::format("expected a number: {} and {} are both numbers or both null", low_key,
                          high_key));
  if (low && *low > *high + kSlack)
    low_node.fail(fmt::format("expected {} <= {}, found {} > {}", low_key, high_key, *low, *high));
}

Estimate read_estimate(const Node& node, const RelativeMetric& metric, bool may_be_significant) {
  node.expect_object();
  Estimate e;
  const Node change = node.at("change");
  e.change = relative_change(change);
  read_interval(node, e.ci_low, e.ci_high, true);
  if (!e.change && e.ci_low)
    node.at("ci_low").fail("expected null: the change is null (undefined), so is its interval");

  const double top = top_of(metric.unit);
  for (const char* key : {"control", "arm"}) {
    const Node level = node.at(key);
    std::optional<double> x = level.number_or_null();
    if (x && (*x < -kSlack || *x > top + kSlack))
      level.fail(fmt::format("expected a {} level in {}, found {}", metric.label,
                             range_text(metric.unit), *x));
    (std::string_view(key) == "control" ? e.control : e.arm) = x;
  }

  read_difference(node, metric, top, e);

  const Node interval = node.at("interval");
  e.interval = interval.string();
  if (e.interval != "percentile" && e.interval != "permutation")
    interval.fail(
        fmt::format("expected \"percentile\" or \"permutation\", found \"{}\"", e.interval));

  const Node significant = node.at("significant");
  e.significant = significant.boolean();
  if (*e.significant && !may_be_significant)
    significant.fail("expected false: \"significant\" is set only on the primary estimator");
  if (*e.significant && !excludes_zero(e))
    significant.fail(e.ci_low ? fmt::format("expected false: the interval [{}, {}] includes 0",
                                            *e.ci_low, *e.ci_high)
                              : std::string("expected false: there is no interval"));
  return e;
}

Changes read_estimates(const Node& node) {
  node.expect_object();
  Changes changes;
  for (const auto& metric : reported_metrics()) {
    auto entry = node.find(metric.key);
    if (!entry) continue;
    // Arm-level is the primary estimator of the exposure metrics only; CTR
    // and clicks per user have theirs in "effects".
    const std::string_view key = metric.key;
    const bool primary = key != "ctr" && key != "clicks_per_user";
    changes[metric.key] = read_estimate(*entry, metric, primary);
  }
  return changes;
}

ArmEffects read_arm_effects(const Node& node) {
  ArmEffects effects;
  const Node primary = node.at("primary");
  effects.primary = primary.string();
  if (effects.primary != "paired" && effects.primary != "cuped")
    primary.fail(fmt::format("expected \"paired\" or \"cuped\", found \"{}\"", effects.primary));
  const bool paired_primary = effects.primary == "paired";
  for (const char* key : {"ctr", "clicks_per_user"}) {
    const Node metric_node = node.at(key);
    const RelativeMetric& metric = *find_metric(key);
    Effect& effect = std::string_view(key) == "ctr" ? effects.ctr : effects.clicks_per_user;
    if (auto paired = metric_node.find("paired"))
      effect.paired = read_estimate(*paired, metric, paired_primary);
    else if (paired_primary)
      metric_node.at("paired").fail(
          "expected an estimate: \"primary\" is \"paired\" (null only without the counterfactual)");
    effect.cuped = read_estimate(metric_node.at("cuped"), metric, !paired_primary);
    effect.arm_level = read_estimate(metric_node.at("arm_level"), metric, false);
  }
  return effects;
}

namespace {

SampleRatio read_sample_ratio(const Node& node, std::size_t arms) {
  SampleRatio s;
  const Node observed = node.at("observed");
  const Node expected = node.at("expected");
  s.observed = observed.numbers();
  s.expected = expected.numbers();
  if (arms == 0) arms = s.observed.size();
  const auto check = [arms](const std::vector<double>& values, const Node& where) {
    if (values.size() != arms)
      where.fail(fmt::format("expected {} values, one per arm, found {}", arms, values.size()));
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] < 0)
        where[i].fail(fmt::format("expected a count of at least 0, found {}", values[i]));
  };
  check(s.observed, observed);
  check(s.expected, expected);
  s.chi2 = number_in(node.at("chi2"), 0, std::numeric_limits<double>::infinity(), "[0, inf)");
  const Node dof = node.at("dof");
  s.dof = dof.integer();
  if (s.dof != static_cast<long long>(arms) - 1)
    dof.fail(
        fmt::format("expected {} (arms - 1), found {}", static_cast<long long>(arms) - 1, s.dof));
  s.p_value = probability(node.at("p_value"));
  return s;
}

}  // namespace

Srm read_srm(const Node& node, std::size_t arms) {
  Srm srm;
  const Node threshold = node.at("p_threshold");
  srm.p_threshold = threshold.number();
  if (!(srm.p_threshold > 0 && srm.p_threshold < 1))
    threshold.fail(fmt::format("expected a number in (0, 1), found {}", srm.p_threshold));
  srm.flagged = node.at("flagged").boolean();
  srm.users = read_sample_ratio(node.at("users"), arms);
  srm.visiting_users = read_sample_ratio(node.at("visiting_users"), srm.users.observed.size());
  return srm;
}

Trend read_trend(const Node& arm) {
  const Node node = arm.at("ctr");
  Trend t;
  t.first3 = fraction(node.at("first3"));
  t.last3 = fraction(node.at("last3"));
  t.change = relative_change(node.at("change"));
  t.slope_per_day = node.at("slope_per_day").number();
  read_interval(node, t.ci_low, t.ci_high, false);
  return t;
}

AaCalibration read_aa(const Node& node, std::size_t treatment_arms) {
  AaCalibration aa;
  const Node salts = node.at("salts");
  aa.salts = salts.integer();
  if (aa.salts < 1) salts.fail(fmt::format("expected at least 1 salt, found {}", aa.salts));
  const Node comparisons = node.at("comparisons");
  aa.comparisons = comparisons.integer();
  const long long expected = aa.salts * static_cast<long long>(treatment_arms);
  if (aa.comparisons != expected)
    comparisons.fail(fmt::format("expected {} (salts x non-control arms = {} x {}), found {}",
                                 expected, aa.salts, treatment_arms, aa.comparisons));
  const std::optional<Node> defined = node.find("defined");
  for (const auto& [metric, rate] : node.at("false_positive_rate").members()) {
    const long long n = defined ? count(defined->at(metric), aa.comparisons) : aa.comparisons;
    if (n > 0 && !rate.number_or_null())
      rate.fail(fmt::format("expected a rate: {} comparisons are defined", n));
    aa.false_positive_rate.emplace_back(metric, n > 0 ? fraction(rate) : std::nan(""));
    aa.defined.push_back(n);
  }
  aa.out_of_range = count(node.at("out_of_range"));
  aa.srm_flagged = count(node.at("srm_flagged"), aa.salts);
  const Node per_salt = node.at("per_salt");
  if (per_salt.size() != static_cast<std::size_t>(aa.salts))
    per_salt.fail(
        fmt::format("expected {} entries, one per salt, found {}", aa.salts, per_salt.size()));
  for (std::size_t i = 0; i < per_salt.size(); ++i) {
    const Node entry = per_salt[i];
    AaSalt salt;
    salt.salt = entry.at("salt").string();
    salt.srm_p = probability(entry.at("srm_p"));
    for (const auto& [metric, n] : entry.at("excluding").members())
      salt.excluding.emplace_back(
          metric, static_cast<double>(count(n, static_cast<long long>(treatment_arms))));
    aa.per_salt.push_back(std::move(salt));
  }
  return aa;
}

std::optional<Oracle> read_oracle(const Node& world) {
  auto node = world.find("oracle");
  if (!node) return std::nullopt;
  Oracle oracle;
  const Node kind = node->at("kind");
  oracle.kind = kind.string();
  constexpr std::array<std::string_view, 3> kKinds = {"two-tower", "ease", "item-knn"};
  if (std::find(kKinds.begin(), kKinds.end(), oracle.kind) == kKinds.end())
    kind.fail(
        fmt::format("expected \"two-tower\", \"ease\" or \"item-knn\", found \"{}\"", oracle.kind));
  const Node holdout = node->at("holdout");
  oracle.protocol = holdout.at("protocol").string();
  oracle.test_users = static_cast<double>(count(holdout.at("test_users")));
  oracle.recall_at_20 = fraction(holdout.at("recall_at_20"));
  oracle.most_popular_recall_at_20 = fraction(holdout.at("most_popular_recall_at_20"));
  return oracle;
}

Concentration read_window(const Node& node) {
  Concentration c;
  c.b50ps = fraction(node.at("b50ps"));
  c.t1ps = fraction(node.at("t1ps"));
  c.gini = fraction(node.at("gini"));
  c.coverage = fraction(node.at("coverage"));
  if (auto n = node.find("count")) count(*n);
  return c;
}

}  // namespace invr::report
