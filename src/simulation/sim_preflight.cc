// The simulation's fail-fast checks (sim_preflight.h): the same rules the run
// applies later (tick_catalog's live items, run_job's selection), applied
// up front.
#include "simulation/sim_preflight.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/inverse.h"

namespace invr::simulation {

void check_before_training(const Dataset& dataset, const SimulationConfig& config, double end,
                           const std::string& name) {
  // Already resolved by simulate(); dataset_world() checks a dataset's auto.
  const SimulationParams params = resolve_auto(config.params, true);
  const double start = end - static_cast<double>(params.days) * kDay;
  const double warm = start - params.warmup_days * kDay;  // the warm-up's start
  double first = kNoTime;
  for (double t : dataset.interactions.timestamp)
    if (has_time(t) && !(first <= t)) first = t;
  if (!(first < warm))
    throw UsageError(fmt::format(
        "--days {} leaves no history: the logs of {} span {:.1f} days and the simulation "
        "replaces the last --warmup-days {} + --days of them",
        params.days, name, has_time(first) ? (end - first) / kDay : 0.0, params.warmup_days));

  // Every tick needs a live item: tick_catalog's rule (published before the
  // tick ends, not older than --max-item-age-days when it begins).
  std::vector<double> published;
  bool undated = false;
  for (std::size_t i = 0; i < dataset.items.size(); ++i) {
    const auto& publish = dataset.item_table.publish_time;
    const double p = i < publish.size() ? publish[i] : kNoTime;
    if (has_time(p))
      published.push_back(p);
    else
      undated = true;
  }
  std::sort(published.begin(), published.end());
  const double max_age = params.max_item_age_days * kDay;
  const double interval = params.job_interval_hours * 3600.0;
  const auto ticks = static_cast<std::uint64_t>(std::ceil((end - warm) / interval - 1e-9));
  for (std::uint64_t tick = 0; tick < ticks && !undated; ++tick) {
    const double begin = warm + static_cast<double>(tick) * interval;
    const double tick_end = std::min(begin + interval, end);
    const auto young = std::partition_point(published.begin(), published.end(),
                                            [&](double p) { return p + max_age < begin; });
    if (young == published.end() || *young >= tick_end)
      throw UsageError(fmt::format(
          "no item of {} is live on simulated day {} (tick {}; days count the warm-up): every "
          "item is older than --max-item-age-days {} or not yet published (a logged dataset's "
          "items are dated by their first event); raise --max-item-age-days or change --days",
          name, static_cast<std::int64_t>((begin - warm) / kDay) + 1, tick,
          params.max_item_age_days));
  }

  // The first job run must have something to do for the InvR arms (and the
  // forward-longtail arms, which insert the job's selected items).
  bool invr_arm = false;
  for (const Arm& arm : config.experiment.arms) invr_arm = invr_arm || arm.inserts();
  if (!invr_arm) return;
  const Selection selection =
      select_targets(history_before(dataset, start), config.job.selection, start);
  if (selection.empty())
    throw UsageError(fmt::format(
        "the InvR job selects nothing at the simulation start, so the InvR arms would get no "
        "candidates; change the [selection] settings of --job-config (or --days):\n{}",
        explain(selection)));
}

}  // namespace invr::simulation
