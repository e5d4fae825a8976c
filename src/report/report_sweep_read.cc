// Reading results.json's "sweep" (docs/report.md, "Frontier"): every value
// the frontier and the verdict table show is checked, and a verdict's
// numbers must be its arm's estimates, so the table and the charts (drawn
// from "effects" and "relative") cannot disagree. The simulator ranks and
// separates points on their differences from control in percentage points
// (a relative change is undefined where control's level is 0, as it often
// is for a share in a sweep's small arms), so those are what is checked.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "report/report_results_v2.h"

namespace invr::report {
namespace {

std::string optional_text(const std::optional<double>& x) {
  return x ? fmt::format("{:.8g}", *x) : std::string("null");
}

// Where a point's numbers come from, for the consistency check's message.
struct Source {
  const Estimate* estimate;
  std::string path;  // JSON Pointer of the estimate
};

std::optional<std::string> knob_part(const Node& node, const char* key) {
  return node.at(key).string_or_null();
}

std::vector<SweepPoint> read_points(const Node& node, const Results& r) {
  std::vector<SweepPoint> points;
  std::set<std::string> seen_arms, finished_methods;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const Node entry = node[i];
    SweepPoint p;
    const Node arm = entry.at("arm");
    p.arm = arm.string();
    if (!r.find_arm(p.arm)) arm.fail(fmt::format("arm \"{}\" is not listed in /arms", p.arm));
    if (p.arm == r.control) arm.fail(fmt::format("\"{}\" is the control arm, not a point", p.arm));
    if (!seen_arms.insert(p.arm).second)
      arm.fail(fmt::format("arm \"{}\" is a point already", p.arm));
    p.method = entry.at("method").string();
    // The chart joins a method's points in file order: they must be together.
    if (!points.empty() && points.back().method != p.method) {
      finished_methods.insert(points.back().method);
      if (finished_methods.count(p.method))
        entry.at("method").fail(fmt::format(
            "points of method \"{}\" are not consecutive (another method's points come between)",
            p.method));
    }
    p.knob = knob_part(entry, "knob");
    p.value = knob_part(entry, "value");
    if (p.knob.has_value() != p.value.has_value())
      entry.at(p.knob ? "value" : "knob")
          .fail("expected a string: knob and value are both strings or both null");
    points.push_back(std::move(p));
  }
  if (points.empty()) node.fail("expected at least one point");
  return points;
}

std::vector<SweepMetric> read_metrics(const Node& node) {
  std::vector<SweepMetric> metrics;
  for (std::size_t i = 0; i < node.size(); ++i) {
    const Node entry = node[i];
    SweepMetric m;
    const Node key = entry.at("key");
    m.key = key.string();
    const RelativeMetric* known = find_metric(m.key);
    if (!known || m.key == "ctr" || m.key == "clicks_per_user")
      key.fail(fmt::format(
          "expected an exposure metric of \"relative\" (psei, producer_b50ps, ...), found \"{}\"",
          m.key));
    for (const auto& other : metrics)
      if (other.key == m.key) key.fail(fmt::format("metric \"{}\" is listed already", m.key));
    m.label = entry.at("label").string();
    const Node better = entry.at("better");
    const std::string direction = better.string();
    if (direction != "higher" && direction != "lower")
      better.fail(fmt::format("expected \"higher\" or \"lower\", found \"{}\"", direction));
    m.higher_is_better = direction == "higher";
    if (m.higher_is_better != known->higher_is_better)
      better.fail(fmt::format("expected \"{0}\": {0} is better for {1}",
                              known->higher_is_better ? "higher" : "lower", known->label));
    m.unit = known->unit;
    m.to_points = points_per_unit(m.unit);
    // The frontier's y axis is a difference in percentage points.
    if (m.to_points == 0)
      key.fail(fmt::format("expected a share or a percentage (PSEI) for a difference in "
                           "percentage points, found \"{}\" ({})",
                           m.key, known->label));
    metrics.push_back(std::move(m));
  }
  if (metrics.empty()) node.fail("expected at least one metric");
  return metrics;
}

std::size_t point_index(const Node& arm_node, const std::vector<SweepPoint>& points) {
  const std::string arm = arm_node.string();
  for (std::size_t i = 0; i < points.size(); ++i)
    if (points[i].arm == arm) return i;
  arm_node.fail(fmt::format("arm \"{}\" is not a point of /sweep/points", arm));
}

// A number of the pick must be the one its arm's estimate has, times
// `factor` (a difference in percentage points from one in the metric's unit).
void check_same(const Node& node, const char* key, const std::optional<double>& value,
                const Source& source, const char* source_key, std::optional<double> expected,
                double factor = 1) {
  if (expected) *expected *= factor;
  const bool same = value.has_value() == expected.has_value() &&
                    (!value || std::fabs(*value - *expected) <= 1e-6 + 1e-6 * std::fabs(*expected));
  if (!same)
    node.at(key).fail(fmt::format("expected {} ({}/{}{}), found {}", optional_text(expected),
                                  source.path, source_key,
                                  factor == 1 ? std::string() : fmt::format(" × {:g}", factor),
                                  optional_text(value)));
}

class SweepReader {
 public:
  SweepReader(const Results& r, Sweep& sweep) : r_(r), sweep_(sweep) {}

  // The CTR estimate the frontier's x axis uses for a point's arm.
  Source ctr_source(std::size_t point, const Node& where) const {
    const std::string& arm = sweep_.points[point].arm;
    auto it = r_.analysis.effects.find(arm);
    if (it == r_.analysis.effects.end())
      where.fail(fmt::format("arm \"{}\" has no CTR effects", arm));
    const Effect& ctr = it->second.ctr;
    if (sweep_.ctr_estimator == "paired" && !ctr.paired)
      where.fail(fmt::format("ctr_estimator is \"paired\" but /effects/{}/ctr/paired is null",
                             pointer_segment(arm)));
    return {sweep_.ctr_estimator == "paired" ? &*ctr.paired : &ctr.cuped,
            fmt::format("/effects/{}/ctr/{}", pointer_segment(arm), sweep_.ctr_estimator)};
  }

  // The metric's estimate for a point's arm (its arm-level change).
  std::optional<Source> metric_source(std::size_t point, std::size_t metric) const {
    const std::string& arm = sweep_.points[point].arm;
    const std::string& key = sweep_.metrics[metric].key;
    auto it = r_.relative.find(arm);
    if (it == r_.relative.end()) return std::nullopt;
    auto e = it->second.find(key);
    if (e == it->second.end()) return std::nullopt;
    return Source{&e->second, fmt::format("/relative/{}/{}", pointer_segment(arm), key)};
  }

  SweepPick read_pick(const Node& node, std::size_t metric, double budget) const {
    SweepPick pick;
    pick.point = point_index(node.at("arm"), sweep_.points);
    const SweepPoint& point = sweep_.points[pick.point];
    if (node.at("method").string() != point.method)
      node.at("method").fail(
          fmt::format("expected \"{}\", the method of point \"{}\"", point.method, point.arm));
    if (knob_part(node, "knob") != point.knob || knob_part(node, "value") != point.value)
      node.at(knob_part(node, "knob") != point.knob ? "knob" : "value")
          .fail(fmt::format("expected the knob and value of point \"{}\"", point.arm));
    pick.ctr_change = relative_change(node.at("ctr_change"));
    read_interval(node, pick.ctr_ci_low, pick.ctr_ci_high, true, "ctr_ci_low", "ctr_ci_high");
    pick.change = relative_change(node.at("change"));
    read_interval(node, pick.ci_low, pick.ci_high, true);

    const Source ctr = ctr_source(pick.point, node.at("arm"));
    check_same(node, "ctr_change", pick.ctr_change, ctr, "change", ctr.estimate->change);
    check_same(node, "ctr_ci_low", pick.ctr_ci_low, ctr, "ci_low", ctr.estimate->ci_low);
    check_same(node, "ctr_ci_high", pick.ctr_ci_high, ctr, "ci_high", ctr.estimate->ci_high);
    if (!pick.ctr_change || *pick.ctr_change < budget - kSlack)
      node.at("ctr_change")
          .fail(fmt::format("expected a CTR change within the budget (>= {}), found {}", budget,
                            optional_text(pick.ctr_change)));
    const std::optional<Source> m = metric_source(pick.point, metric);
    const std::string& key = sweep_.metrics[metric].key;
    if (!m)
      node.at("arm").fail(
          fmt::format("/relative/{} has no \"{}\"", pointer_segment(point.arm), key));
    check_same(node, "change", pick.change, *m, "change", m->estimate->change);
    check_same(node, "ci_low", pick.ci_low, *m, "ci_low", m->estimate->ci_low);
    check_same(node, "ci_high", pick.ci_high, *m, "ci_high", m->estimate->ci_high);
    read_difference(node, *m, sweep_.metrics[metric].to_points, pick);
    pick.control_level = m->estimate->control;
    pick.arm_level = m->estimate->arm;
    return pick;
  }

  // The pick's difference in percentage points: its arm's E's difference
  // (the metric's unit) times the metric's factor. The simulator ranks on it,
  // so a winner or runner-up has one even where its relative change is null.
  void read_difference(const Node& node, const Source& m, double to_points,
                       SweepPick& pick) const {
    const Node difference = node.at("difference");
    const std::optional<double> value = difference.number_or_null();
    read_interval(node, pick.difference_ci_low, pick.difference_ci_high, false,
                  "difference_ci_low", "difference_ci_high");
    check_same(node, "difference", value, m, "difference", m.estimate->difference, to_points);
    check_same(node, "difference_ci_low", pick.difference_ci_low, m, "difference_ci_low",
               m.estimate->difference_ci_low, to_points);
    check_same(node, "difference_ci_high", pick.difference_ci_high, m, "difference_ci_high",
               m.estimate->difference_ci_high, to_points);
    if (!value)
      difference.fail("expected a number: a winner or runner-up has a defined difference");
    pick.difference = *value;
  }

  SweepVerdict read_row(const Node& node) const {
    SweepVerdict row;
    const Node budget = node.at("ctr_budget");
    row.ctr_budget = budget.number();
    if (row.ctr_budget > kSlack || row.ctr_budget < -1 - kSlack)
      budget.fail(fmt::format("expected a CTR change in [-1, 0] (a loss allowed), found {}",
                              row.ctr_budget));
    const Node metric = node.at("metric");
    const std::string key = metric.string();
    auto it = std::find_if(sweep_.metrics.begin(), sweep_.metrics.end(),
                           [&](const SweepMetric& m) { return m.key == key; });
    if (it == sweep_.metrics.end())
      metric.fail(fmt::format("metric \"{}\" is not listed in /sweep/metrics", key));
    row.metric = static_cast<std::size_t>(it - sweep_.metrics.begin());
    const Node eligible = node.at("eligible");
    row.eligible = eligible.integer();
    const auto points = static_cast<long long>(sweep_.points.size());
    if (row.eligible < 0 || row.eligible > points)
      eligible.fail(
          fmt::format("expected a count in [0, {}] (the points), found {}", points, row.eligible));
    if (auto winner = node.find("winner")) {
      row.winner = read_pick(*winner, row.metric, row.ctr_budget);
      if (row.eligible < 1) eligible.fail("expected at least 1: there is a winner");
    }
    if (auto runner_up = node.find("runner_up")) {
      if (!row.winner) node.at("winner").fail("expected a winner: there is a runner-up");
      row.runner_up = read_pick(*runner_up, row.metric, row.ctr_budget);
      if (sweep_.points[row.runner_up->point].method == sweep_.points[row.winner->point].method)
        runner_up->at("method").fail(
            "expected another method than the winner's: the runner-up is the best point of "
            "another method");
    }
    read_separated(node.at("separated"), row);
    return row;
  }

 private:
  // "separated" must say what the difference intervals show (the simulator
  // decides it on them): the winner's lies wholly on the better side of the
  // runner-up's.
  void read_separated(const Node& node, SweepVerdict& row) const {
    row.separated = node.boolean();
    const SweepPick* w = row.winner ? &*row.winner : nullptr;
    const SweepPick* u = row.runner_up ? &*row.runner_up : nullptr;
    if (!w || !u || !w->difference_ci_low || !u->difference_ci_low) {
      if (row.separated)
        node.fail(
            "expected false: separation needs a winner and a runner-up with difference "
            "intervals");
      return;
    }
    const double w_low = *w->difference_ci_low, w_high = *w->difference_ci_high;
    const double u_low = *u->difference_ci_low, u_high = *u->difference_ci_high;
    const double gap =
        sweep_.metrics[row.metric].higher_is_better ? w_low - u_high : u_low - w_high;
    if (row.separated && gap <= -kSlack)
      node.fail(fmt::format(
          "expected false: the difference intervals [{:.8g}, {:.8g}] and [{:.8g}, {:.8g}] "
          "(percentage points) overlap",
          w_low, w_high, u_low, u_high));
    if (!row.separated && gap > kSlack)
      node.fail(fmt::format(
          "expected true: the difference intervals [{:.8g}, {:.8g}] and [{:.8g}, {:.8g}] "
          "(percentage points) do not overlap",
          w_low, w_high, u_low, u_high));
  }

  const Results& r_;
  Sweep& sweep_;
};

}  // namespace

Sweep read_sweep(const Node& node, const Results& r) {
  Sweep sweep;
  sweep.spec = node.at("spec").string();
  const Node control = node.at("control");
  if (control.string() != r.control)
    control.fail(fmt::format("expected \"{}\", the control arm of /arms, found \"{}\"", r.control,
                             control.string()));
  const Node estimator = node.at("ctr_estimator");
  sweep.ctr_estimator = estimator.string();
  if (sweep.ctr_estimator != "paired" && sweep.ctr_estimator != "cuped")
    estimator.fail(
        fmt::format("expected \"paired\" or \"cuped\", found \"{}\"", sweep.ctr_estimator));
  sweep.points = read_points(node.at("points"), r);
  sweep.metrics = read_metrics(node.at("metrics"));

  SweepReader reader(r, sweep);
  const Node points = node.at("points");
  for (std::size_t i = 0; i < sweep.points.size(); ++i) reader.ctr_source(i, points[i].at("arm"));

  const Node dominated = node.at("dominated");
  for (const auto& metric : sweep.metrics) {
    const Node list = dominated.at(metric.key);
    std::vector<std::string> arms;
    for (std::size_t i = 0; i < list.size(); ++i)
      arms.push_back(sweep.points[point_index(list[i], sweep.points)].arm);
    sweep.dominated.push_back(std::move(arms));
  }

  const Node verdict = node.at("verdict");
  for (std::size_t i = 0; i < verdict.size(); ++i)
    sweep.verdict.push_back(reader.read_row(verdict[i]));
  return sweep;
}

}  // namespace invr::report
