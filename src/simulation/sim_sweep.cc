// Knob sweeps (--sweep): many method × knob points as arms of one run against
// one control, and the frontier and verdict read from their estimates
// (docs/methods.md, "Sweeps and frontiers").
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/excerpt.h"
#include "common/split.h"
#include "invr/error.h"
#include "invr/log.h"
#include "invr/simulation.h"

namespace invr {
namespace {

constexpr SweepMetric kMetrics[] = {
    {"psei", "PSEI", true, 1.0},
    {"producer_b50ps", "producer B50PS", true, 100.0},
    {"producer_t1ps", "producer T1PS", false, 100.0},
};
constexpr double kBudgets[] = {0.0, -0.01, -0.03};

// The default sweep (parse_sweep's comment): every method of docs/methods.md
// at three knob values around its default.
std::string default_spec(std::span<const int> slots, std::int64_t n) {
  std::set<std::int64_t> ns = {std::max<std::int64_t>(1, n / 4), std::max<std::int64_t>(1, n / 2), n};
  const std::string n_values = fmt::format("{}", fmt::join(ns, ","));
  std::vector<int> more(slots.begin(), slots.end());
  std::sort(more.begin(), more.end());
  // A third slot between the first two (3/8 -> 3/5/8), else after the last.
  const int extra = more.size() >= 2 && more[1] - more[0] >= 2 ? (more[0] + more[1]) / 2 : more.back() + 1;
  std::vector<std::string> slot_values = {fmt::format("{}", more.front()),
                                          fmt::format("{}", fmt::join(more, "/"))};
  more.push_back(extra);
  std::sort(more.begin(), more.end());
  slot_values.push_back(fmt::format("{}", fmt::join(more, "/")));
  slot_values.erase(std::unique(slot_values.begin(), slot_values.end()), slot_values.end());
  return fmt::format(
      "invr-user-rank:n={0};invr-score:n={0};forward-longtail:slots={1};"
      "popularity-penalty:lambda=0.001,0.01,0.1;xquad:lambda=0.25,0.5,0.75",
      n_values, fmt::join(slot_values, ","));
}

// One point on one metric: CTR change and the metric's gain (arm - control,
// negated where lower is better), with the gain's interval in that direction.
struct Coordinates {
  double ctr = NAN, gain = NAN, gain_low = NAN, gain_high = NAN;
  bool defined() const { return std::isfinite(ctr) && std::isfinite(gain); }
};

Coordinates coordinates(const ArmResult& arm, const SweepMetric& metric) {
  Coordinates c;
  c.ctr = arm.effects.ctr.primary().change;
  const RelativeChange* r = arm.relative_of(metric.key);
  if (!r) return c;
  const double sign = metric.higher_is_better ? 1 : -1;
  c.gain = sign * r->difference;
  c.gain_low = metric.higher_is_better ? r->difference_low : -r->difference_high;
  c.gain_high = metric.higher_is_better ? r->difference_high : -r->difference_low;
  return c;
}

}  // namespace

std::span<const SweepMetric> sweep_metrics() { return kMetrics; }

SweepSpec parse_sweep(std::string_view text, std::span<const int> slots,
                      std::int64_t top_users_per_item) {
  SweepSpec spec;
  // "default" may stand beside other entries ("default;invr-target").
  for (std::string_view entry : split_on(trim_blanks(text), ';')) {
    if (!spec.text.empty()) spec.text += ';';
    spec.text += trim_blanks(entry) == "default" ? default_spec(slots, top_users_per_item)
                                                 : std::string(trim_blanks(entry));
  }
  if (spec.text.empty()) throw UsageError("--sweep: empty; give METHOD:KNOB=v1,v2,... or default");
  for (std::string_view entry : split_on(spec.text, ';')) {
    entry = trim_blanks(entry);
    if (entry.empty())
      throw UsageError(fmt::format("--sweep \"{}\": an empty entry between ';'", excerpt(spec.text)));
    const std::size_t colon = entry.find(':');
    const std::string_view method = trim_blanks(entry.substr(0, colon));
    if (method == "control")
      throw UsageError("--sweep: control is every sweep's baseline and is added once; leave it out");
    std::string_view knob, values;
    if (colon != std::string_view::npos) {
      const std::string_view rest = entry.substr(colon + 1);
      const std::size_t eq = rest.find('=');
      if (eq == std::string_view::npos || rest.find(':') != std::string_view::npos)
        throw UsageError(fmt::format("--sweep entry \"{}\": expected METHOD:KNOB=v1,v2,... with one "
                                     "knob",
                                     excerpt(entry)));
      knob = trim_blanks(rest.substr(0, eq));
      values = rest.substr(eq + 1);
    }
    const std::vector<std::string_view> parts =
        knob.empty() ? std::vector<std::string_view>{std::string_view()} : split_on(values, ',');
    for (std::string_view value : parts) {
      value = trim_blanks(value);
      SweepPoint point{std::string(method), std::string(knob), std::string(value), {}};
      const std::string arm_text =
          knob.empty() ? point.method : fmt::format("{}:{}={}", method, knob, value);
      try {
        point.arm = parse_arm(arm_text, slots);
      } catch (const UsageError& e) {
        throw UsageError(fmt::format("--sweep: {}", e.what()));
      }
      if (point.arm.is_control())
        throw UsageError("--sweep: control is every sweep's baseline and is added once; leave it out");
      spec.points.push_back(std::move(point));
    }
  }
  return spec;
}

Experiment sweep_experiment(const SweepSpec& sweep, std::string salt) {
  Experiment experiment;
  experiment.salt = std::move(salt);
  experiment.arms.push_back(parse_arm("control", {}));
  for (const SweepPoint& point : sweep.points) experiment.arms.push_back(point.arm);
  try {
    validate(experiment);
  } catch (const UsageError& e) {
    throw UsageError(fmt::format("--sweep: {}", e.what()));
  }
  return experiment;
}

void apply_sweep(SimulationConfig& config, std::string_view text, std::span<const int> slots,
                 std::string salt) {
  std::int64_t& n = config.job.retrieval.top_users_per_item;
  config.sweep = parse_sweep(text, slots, n);
  config.experiment = sweep_experiment(*config.sweep, std::move(salt));
  // PSEI counts impressions in one arm: with 16 arms an arm has an eighth of
  // a two-arm test's traffic, so the threshold shrinks with it.
  const double arms = static_cast<double>(config.experiment.arms.size());
  auto& threshold = config.params.sufficient_impressions;
  const auto scaled = std::max<std::int64_t>(
      1, std::llround(static_cast<double>(threshold) * 2.0 / arms));
  logger().info("simulate: --sweep: {} arms; PSEI's threshold {} (a two-arm test's) becomes {} per arm",
                config.experiment.arms.size(), threshold, scaled);
  threshold = scaled;
  for (const SweepPoint& point : config.sweep->points)
    if (point.arm.top_users > n) {
      logger().info("simulate: --sweep raises the job's top_users_per_item from {} to {} for {}", n,
                    point.arm.top_users, point.arm.name);
      n = point.arm.top_users;
    }
}

SweepResult sweep_result(const SweepSpec& spec, const RunResult& main) {
  SweepResult out;
  out.spec = spec;
  std::vector<const ArmResult*> arms;
  for (const ArmResult& arm : main.arms) {
    if (arm.arm.is_control()) out.control = arm.arm.name;
    else out.ctr_estimator = arm.effects.primary;
  }
  for (const SweepPoint& point : spec.points) {
    auto it = std::find_if(main.arms.begin(), main.arms.end(),
                           [&](const ArmResult& a) { return a.arm.name == point.arm.name; });
    if (it == main.arms.end())
      throw Error(fmt::format("sweep point \"{}\" is not an arm of the run", point.arm.name));
    arms.push_back(&*it);
  }
  std::vector<std::vector<Coordinates>> by_metric;
  for (const SweepMetric& metric : kMetrics) {
    std::vector<Coordinates>& at = by_metric.emplace_back();
    for (const ArmResult* arm : arms) at.push_back(coordinates(*arm, metric));
    // Control sits at (0, 0): a point below it on both axes is dominated too.
    std::vector<std::size_t> dominated;
    for (std::size_t p = 0; p < at.size(); ++p) {
      if (!at[p].defined()) continue;
      bool beaten = (0 >= at[p].ctr && 0 >= at[p].gain) && (0 > at[p].ctr || 0 > at[p].gain);
      for (std::size_t q = 0; q < at.size() && !beaten; ++q)
        beaten = q != p && at[q].defined() && at[q].ctr >= at[p].ctr && at[q].gain >= at[p].gain &&
                 (at[q].ctr > at[p].ctr || at[q].gain > at[p].gain);
      if (beaten) dominated.push_back(p);
    }
    out.dominated.emplace_back(metric.key, std::move(dominated));
  }
  for (double budget : kBudgets) {
    for (std::size_t m = 0; m < std::size(kMetrics); ++m) {
      const std::vector<Coordinates>& at = by_metric[m];
      SweepVerdictRow row;
      row.ctr_budget = budget;
      row.metric = kMetrics[m].key;
      auto eligible = [&](std::size_t p) { return at[p].defined() && at[p].ctr >= budget; };
      auto better = [&](std::size_t p, const std::optional<std::size_t>& best) {
        return !best || at[p].gain > at[*best].gain;  // ties: the earlier point
      };
      for (std::size_t p = 0; p < at.size(); ++p) {
        if (!eligible(p)) continue;
        ++row.eligible;
        if (better(p, row.winner)) row.winner = p;
      }
      // A best gain of 0 or less is no win: nothing within the budget moves
      // the metric the right way (Last.fm's B50PS is 0 in every arm).
      if (row.winner && !(at[*row.winner].gain > 0)) row.winner.reset();
      if (row.winner) {
        for (std::size_t p = 0; p < at.size(); ++p)
          if (eligible(p) && spec.points[p].method != spec.points[*row.winner].method &&
              better(p, row.runner_up))
            row.runner_up = p;
        // NaN bounds compare false: an undefined interval never separates.
        row.separated = row.runner_up && at[*row.winner].gain_low > at[*row.runner_up].gain_high;
      }
      out.verdict.push_back(row);
    }
  }
  return out;
}

}  // namespace invr
