// Per-arm results of a run, from its exposure log.
#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/ranges.h>

#include "simulation/sim_summary.h"

#include "invr/log.h"

namespace invr {
const ArmResult* RunResult::first_arm(Ordering ordering) const {
  for (const ArmResult& arm : arms)
    if (arm.arm.ordering == ordering) return &arm;
  return nullptr;
}
}  // namespace invr

namespace invr::simulation {
namespace {

std::vector<Index> producers_of(const Dataset& dataset, std::span<const Index> items) {
  std::vector<Index> out;
  out.reserve(items.size());
  for (Index i : items) out.push_back(dataset.item_table.producer[static_cast<std::size_t>(i)]);
  return out;
}

std::vector<std::uint64_t> gather(std::span<const std::uint64_t> counts, std::span<const Index> items) {
  std::vector<std::uint64_t> out;
  out.reserve(items.size());
  for (Index i : items) out.push_back(counts[static_cast<std::size_t>(i)]);
  return out;
}

// Bins [edges[i], edges[i+1]): 0, 1, 2, 4, 8, ... until the largest value fits.
Histogram doubling_histogram(std::span<const std::uint64_t> values) {
  Histogram h;
  const std::uint64_t largest = values.empty() ? 0 : *std::max_element(values.begin(), values.end());
  h.edges = {0, 1};
  while (h.edges.back() <= static_cast<double>(largest)) h.edges.push_back(2 * h.edges.back());
  h.counts.assign(h.edges.size() - 1, 0);
  for (std::uint64_t v : values) {
    const auto bin = std::upper_bound(h.edges.begin(), h.edges.end(), static_cast<double>(v)) -
                     h.edges.begin() - 1;
    ++h.counts[static_cast<std::size_t>(bin)];
  }
  return h;
}

// Per-user relative change of expected clicks, clamped into [-50%, +50%] in
// 5% bins, so the report's axis is fixed.
Histogram change_histogram(std::span<const double> changes) {
  Histogram h;
  for (int e = -10; e <= 10; ++e) h.edges.push_back(e / 20.0);
  h.counts.assign(h.edges.size() - 1, 0);
  for (double c : changes) {
    const double clamped = std::clamp(c, h.edges.front(), std::nextafter(h.edges.back(), 0.0));
    auto bin = std::upper_bound(h.edges.begin(), h.edges.end(), clamped) - h.edges.begin() - 1;
    bin = std::clamp<std::ptrdiff_t>(bin, 0, static_cast<std::ptrdiff_t>(h.counts.size()) - 1);
    ++h.counts[static_cast<std::size_t>(bin)];
  }
  return h;
}

void lorenz(std::vector<std::uint64_t> counts, std::vector<double>& x, std::vector<double>& y) {
  std::sort(counts.begin(), counts.end());
  const std::size_t n = counts.size();
  std::vector<std::uint64_t> prefix(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + counts[i];
  const std::size_t points = std::min<std::size_t>(n, 100);
  x.clear();
  y.clear();
  if (n == 0) return;
  for (std::size_t i = 0; i <= points; ++i) {
    const std::size_t k = (i * n + points / 2) / points;
    x.push_back(static_cast<double>(k) / static_cast<double>(n));
    y.push_back(prefix[n] ? static_cast<double>(prefix[k]) / static_cast<double>(prefix[n]) : 0.0);
  }
}
}  // namespace

ArmExposure arm_exposure(const ExposureLog& log, std::span<const std::size_t> rows,
                         const Dataset& dataset, std::span<const Index> population,
                         std::span<const Index> treated, std::uint64_t sufficient) {
  std::vector<std::uint64_t> counts(dataset.items.size(), 0);
  ArmExposure e;
  for (std::size_t r : rows) {
    ++counts[static_cast<std::size_t>(log.item[r])];
    e.clicks += log.clicked[r];
  }
  e.impressions = rows.size();
  e.ctr = e.impressions ? static_cast<double>(e.clicks) / static_cast<double>(e.impressions) : 0.0;
  e.psei = psei(counts, treated, sufficient);
  e.treated_items = treated.size();
  const std::vector<std::uint64_t> population_counts = gather(counts, population);
  e.items = concentration(population_counts);
  e.producers =
      concentration(producer_totals(population_counts, producers_of(dataset, population)));
  return e;
}

UserPanel build_panel(const ExposureLog& log, double start, std::size_t days,
                      const UserOutcomes& users) {
  UserPanel p;
  p.users = users.arm.size();
  p.days = days;
  p.impressions.assign(p.users, 0.0);
  p.clicks.assign(p.users, 0.0);
  p.day_impressions.assign(p.users * days, 0.0);
  p.day_clicks.assign(p.users * days, 0.0);
  std::vector<std::pair<Index, Index>> pairs;  // (user, item) of every impression
  pairs.reserve(log.size());
  for (std::size_t r = 0; r < log.size(); ++r) {
    const auto u = static_cast<std::size_t>(log.user[r]);
    const auto d = static_cast<std::size_t>(std::clamp(
        std::floor((log.timestamp[r] - start) / kDay), 0.0, static_cast<double>(days - 1)));
    p.impressions[u] += 1;
    p.clicks[u] += log.clicked[r];
    p.day_impressions[u * days + d] += 1;
    p.day_clicks[u * days + d] += log.clicked[r];
    pairs.emplace_back(log.user[r], log.item[r]);
  }
  std::sort(pairs.begin(), pairs.end());
  p.offsets.assign(p.users + 1, 0);
  for (std::size_t k = 0; k < pairs.size(); ++k) {
    if (k > 0 && pairs[k] == pairs[k - 1]) {
      ++p.count.back();
      continue;
    }
    p.item.push_back(pairs[k].second);
    p.count.push_back(1);
    ++p.offsets[static_cast<std::size_t>(pairs[k].first) + 1];
  }
  for (std::size_t u = 0; u < p.users; ++u) p.offsets[u + 1] += p.offsets[u];
  p.visits.assign(users.visits.begin(), users.visits.end());
  p.expected_served = users.expected_served;
  p.expected_control = users.expected_control;
  p.control_impressions = users.control_impressions;
  p.pre_clicks = users.pre_clicks;
  p.pre_impressions = users.pre_impressions;
  return p;
}

ExposureScope exposure_scope(const RunResult& run, const Dataset& dataset,
                             const SimulationParams& params) {
  ExposureScope scope;
  scope.dataset = &dataset;
  scope.population = run.population;
  scope.population_producers = producers_of(dataset, run.population);
  scope.treated = run.treated;
  scope.sufficient = static_cast<std::uint64_t>(params.sufficient_impressions);
  return scope;
}

Index control_arm(std::span<const Arm> arms) {
  for (std::size_t a = 0; a < arms.size(); ++a)
    if (arms[a].is_control() && arms[a].name == "control") return static_cast<Index>(a);
  for (std::size_t a = 0; a < arms.size(); ++a)
    if (arms[a].is_control()) return static_cast<Index>(a);
  return 0;
}

// Issue 19's CTR bar: each invr-target arm's paired CTR change against the
// first invr-user-rank arm's (ArmResult::ctr_vs_user_rank), from the
// bootstrap resamples compare_arms already drew (ctr_paired_resamples, per arm).
void compare_with_user_rank(RunResult& run, std::span<const std::vector<double>> resamples) {
  const ArmResult* user_rank = run.first_arm(Ordering::user_rank);
  if (!user_rank || !user_rank->effects.ctr.paired) return;
  const auto other = static_cast<std::size_t>(user_rank - run.arms.data());
  for (std::size_t a = 0; a < run.arms.size(); ++a)
    if (run.arms[a].arm.ordering == Ordering::target && run.arms[a].effects.ctr.paired)
      run.arms[a].ctr_vs_user_rank =
          paired_ctr_difference(run.arms[a].effects.ctr.paired->change, resamples[a],
                                user_rank->effects.ctr.paired->change, resamples[other], user_rank->arm.name);
}

void summarize(RunResult& run, const SimulationWorld& world, const SimulationConfig& config,
               double start, const UserOutcomes& users) {
  const SimulationParams& params = config.params;
  const Dataset& dataset = world.dataset;
  const ExposureLog& log = run.log;
  const auto& arms = config.experiment.arms;
  const auto days = static_cast<std::size_t>(params.days);
  const auto sufficient = static_cast<std::uint64_t>(params.sufficient_impressions);

  std::vector<std::vector<std::size_t>> rows(arms.size());
  std::vector<std::vector<std::vector<std::size_t>>> day_rows(
      arms.size(), std::vector<std::vector<std::size_t>>(days));
  for (std::size_t r = 0; r < log.size(); ++r) {
    const auto a = static_cast<std::size_t>(log.arm[r]);
    rows[a].push_back(r);
    const auto d = static_cast<std::size_t>(std::clamp(
        std::floor((log.timestamp[r] - start) / kDay), 0.0, static_cast<double>(days - 1)));
    day_rows[a][d].push_back(r);
  }
  const Index control = control_arm(arms);
  const UserPanel panel = build_panel(log, start, days, users);
  const ExposureScope scope = exposure_scope(run, dataset, params);
  run.srm = srm_check(panel, users.arm, arms);
  if (run.srm.flagged)
    invr::logger().warn("simulate {}: sample ratio mismatch: users per arm {} (p = {:.3g}), visiting {} "
                        "(p = {:.3g}) against weights; the arms' comparisons are not to be trusted",
                        run.name, fmt::join(run.srm.users.observed, "/"), run.srm.users.p_value,
                        fmt::join(run.srm.visiting_users.observed, "/"), run.srm.visiting_users.p_value);

  // Rolling 7-day windows of producers with an item live in the window.
  constexpr std::size_t kWindowDays = 7;
  std::vector<std::vector<Index>> window_items(days), window_producers(days);
  for (std::size_t d = 0; d < days; ++d) {
    const std::size_t first = d + 1 >= kWindowDays ? d + 1 - kWindowDays : 0;
    window_items[d] = population_items(dataset, start + static_cast<double>(first) * kDay,
                                       start + static_cast<double>(d + 1) * kDay,
                                       params.max_item_age_days);
    window_producers[d] = producers_of(dataset, window_items[d]);
  }

  // Control's impressions per item: every arm's organic exposure, scaled
  // (ArmResult::psei_ceiling).
  std::vector<double> control_counts(dataset.items.size(), 0.0);
  for (std::size_t r : rows[static_cast<std::size_t>(control)]) control_counts[static_cast<std::size_t>(log.item[r])] += 1;
  const auto control_impressions = static_cast<double>(rows[static_cast<std::size_t>(control)].size());

  run.arms.assign(arms.size(), {});
  std::vector<std::vector<double>> paired_resamples(arms.size());  // compare_arms', per arm
  for (std::size_t a = 0; a < arms.size(); ++a) {
    ArmResult& result = run.arms[a];
    result.arm = arms[a];
    result.users = static_cast<std::size_t>(
        std::count(users.arm.begin(), users.arm.end(), static_cast<Index>(a)));
    for (std::size_t u = 0; u < users.arm.size(); ++u) {
      if (users.arm[u] != static_cast<Index>(a)) continue;
      result.visiting_users += users.visits[u] > 0;
      result.visits += users.visits[u];
      result.invr_impressions += users.invr_impressions[u];
    }
    result.totals = arm_exposure(log, rows[a], dataset, run.population, run.treated, sufficient);

    std::vector<std::uint64_t> cumulative(dataset.items.size(), 0);
    std::vector<std::vector<std::uint64_t>> day_counts(days);
    for (std::size_t d = 0; d < days; ++d) {
      ArmExposure day =
          arm_exposure(log, day_rows[a][d], dataset, run.population, run.treated, sufficient);
      day_counts[d].assign(dataset.items.size(), 0);
      for (std::size_t r : day_rows[a][d]) {
        ++cumulative[static_cast<std::size_t>(log.item[r])];
        ++day_counts[d][static_cast<std::size_t>(log.item[r])];
      }
      day.psei = psei(cumulative, run.treated, sufficient);  // exposure accumulates
      result.daily.push_back(day);
      std::vector<std::uint64_t> window(window_items[d].size(), 0);
      const std::size_t first = d + 1 >= kWindowDays ? d + 1 - kWindowDays : 0;
      for (std::size_t k = 0; k < window_items[d].size(); ++k)
        for (std::size_t w = first; w <= d; ++w)
          window[k] += day_counts[w][static_cast<std::size_t>(window_items[d][k])];
      result.producer_window.push_back(
          concentration(producer_totals(window, window_producers[d])));
    }
    // cumulative now holds the arm's whole-run counts.
    const std::vector<std::uint64_t> population_counts = gather(cumulative, run.population);
    lorenz(producer_totals(population_counts, scope.population_producers), result.lorenz_x,
           result.lorenz_y);
    result.treated_exposure = doubling_histogram(gather(cumulative, run.treated));
    result.ctr_trend = ctr_trend(panel, users.arm, static_cast<Index>(a), params);

    if (arms[a].is_control()) continue;
    const auto inserted = static_cast<double>(result.invr_impressions);
    const double scale = control_impressions > 0
                             ? std::max(0.0, static_cast<double>(result.totals.impressions) - inserted) / control_impressions
                             : 0.0;
    std::vector<double> organic(control_counts.size());
    for (std::size_t i = 0; i < organic.size(); ++i) organic[i] = control_counts[i] * scale;
    result.psei_ceiling = psei_ceiling(organic, run.treated, sufficient, inserted);
    Comparison comparison =
        compare_arms(panel, users.arm, static_cast<Index>(a), control, scope, params, users.block);
    result.relative = std::move(comparison.relative);
    paired_resamples[a] = std::move(comparison.ctr_paired_resamples);
    result.effects = comparison.effects;
    std::vector<double> changes;
    double served = 0, counterfactual = 0;
    std::size_t lost = 0;
    for (std::size_t u = 0; u < users.arm.size(); ++u) {
      if (users.arm[u] != static_cast<Index>(a) || !(users.expected_control[u] > 0)) continue;
      changes.push_back(users.expected_served[u] / users.expected_control[u] - 1);
      lost += users.expected_served[u] < users.expected_control[u] * (1 - 1e-12);
      served += users.expected_served[u];
      counterfactual += users.expected_control[u];
    }
    if (params.counterfactual) {
      result.ctr_change = change_histogram(changes);
      result.share_lost_relevance =
          changes.empty() ? 0.0 : static_cast<double>(lost) / static_cast<double>(changes.size());
      result.expected_ctr_change = counterfactual > 0 ? served / counterfactual - 1 : 0.0;
    }
  }
  compare_with_user_rank(run, paired_resamples);
}

}  // namespace invr::simulation
