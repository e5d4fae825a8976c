// select_targets(): long-tail producers, their fresh items, active users.
// One pass over the interactions gathers every count the rules need; the
// rules themselves are then small loops over producers, items and users.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/inverse.h"

namespace invr {
namespace {
constexpr double kSecondsPerDay = 86400;

// [start, end) in seconds; NaN end = no time rule at all. An event without a
// timestamp is inside every window (nothing proves it is outside).
struct Window {
  double start = -std::numeric_limits<double>::infinity();
  double end = kNoTime;

  bool contains(double t) const {
    if (!has_time(end) || !has_time(t)) return true;
    return t >= start && t < end;
  }
};

Window window_before(double as_of, double days) {
  Window w;
  w.end = as_of;
  if (has_time(as_of) && days > 0) w.start = as_of - days * kSecondsPerDay;
  return w;
}

// Each item's date: its publish time, else its first event, else kNoTime.
std::vector<double> item_dates(const Dataset& dataset, const SelectionStats& stats) {
  std::vector<double> date = dataset.item_table.publish_time;
  date.resize(dataset.items.size(), kNoTime);
  for (std::size_t i = 0; i < date.size(); ++i)
    if (!has_time(date[i])) date[i] = stats.item_first_event[i];
  return date;
}


void select_producers_and_items(const Dataset& dataset, const SelectionParams& params,
                                std::span<const double> supplied_quality,
                                const SelectionStats& events, const std::vector<bool>& eligible,
                                Selection& out) {
  const std::size_t n = dataset.producers.size();
  out.exposure_is_impressions = events.any_impression;
  out.producer_exposure = events.any_impression ? events.producer_impressions : events.producer_positives;
  out.producer_positives = events.producer_positives;

  // Relative engagement rate, only meaningful when impressions exist.
  const double total_impressions = std::accumulate(events.producer_impressions.begin(),
                                                   events.producer_impressions.end(), 0.0);
  const double total_positives = std::accumulate(events.producer_positives.begin(),
                                                 events.producer_positives.end(), 0.0);
  const double global_rate =
      total_impressions > 0 ? total_positives / total_impressions : 0.0;
  const double prior = params.quality_prior_impressions;
  out.producer_quality.assign(n, 1.0);
  for (std::size_t p = 0; p < n; ++p) {
    if (!supplied_quality.empty() && !std::isnan(supplied_quality[p])) {
      out.producer_quality[p] = supplied_quality[p];
    } else if (global_rate > 0 && events.producer_impressions[p] + prior > 0) {
      const auto shown = static_cast<double>(events.producer_impressions[p]);
      const auto engaged = static_cast<double>(events.producer_positives[p]);
      out.producer_quality[p] = (engaged + prior * global_rate) / (shown + prior) / global_rate;
    }
  }

  // Bottom share by exposure; ties by smaller producer index.
  std::vector<Index> order(n);
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) {
    return out.producer_exposure[static_cast<std::size_t>(a)] <
           out.producer_exposure[static_cast<std::size_t>(b)];
  });
  // The epsilon keeps 0.3 × 10 from becoming 4 through rounding.
  const auto keep = std::min<std::size_t>(
      n, static_cast<std::size_t>(std::ceil(params.long_tail_share * static_cast<double>(n) - 1e-9)));
  out.counts.producers_long_tail = keep;

  std::vector<std::int64_t> fresh_items(n, 0);
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    const Index p = dataset.item_table.producer[i];
    if (eligible[i] && p != kNoIndex) ++fresh_items[static_cast<std::size_t>(p)];
  }
  std::vector<bool> selected(n, false);
  for (std::size_t k = 0; k < keep; ++k) {
    const auto p = static_cast<std::size_t>(order[k]);
    if (!(out.producer_quality[p] >= params.min_quality)) {
      ++out.counts.producers_low_quality;
    } else if (fresh_items[p] < params.min_items) {
      ++out.counts.producers_few_items;
    } else {
      selected[p] = true;
      out.producers.push_back(static_cast<Index>(p));
    }
  }
  std::sort(out.producers.begin(), out.producers.end());
  for (std::size_t i = 0; i < eligible.size(); ++i) {
    const Index p = dataset.item_table.producer[i];
    if (eligible[i] && p != kNoIndex && selected[static_cast<std::size_t>(p)])
      out.items.push_back(static_cast<Index>(i));
  }
}

void select_users(const Dataset& dataset, const SelectionParams& params, Selection& out) {
  const std::size_t n = dataset.users.size();
  const Window active = window_before(out.as_of, params.active_days);
  const Window history = window_before(out.as_of, 0);
  std::vector<bool> is_active(n, false);
  std::vector<std::int64_t> positives(n, 0);
  const auto& in = dataset.interactions;
  for (std::size_t row = 0; row < in.size(); ++row) {
    const auto u = static_cast<std::size_t>(in.user[row]);
    const double t = in.timestamp[row];
    if (active.contains(t)) is_active[u] = true;
    if (is_positive(in.event[row]) && history.contains(t)) ++positives[u];
  }
  for (std::size_t u = 0; u < n; ++u) {
    if (!is_active[u]) {
      ++out.counts.users_inactive;
    } else if (positives[u] < params.min_interactions) {
      ++out.counts.users_few_interactions;
    } else {
      out.users.push_back(static_cast<Index>(u));
    }
  }
}
}  // namespace

std::vector<bool> eligible_items(const Dataset& dataset, const SelectionStats& stats,
                                 const SelectionParams& params, double as_of,
                                 SelectionCounts& counts) {
  const std::vector<double> date = item_dates(dataset, stats);
  std::vector<bool> eligible(date.size(), false);
  const bool age_rule = !params.all_items && params.max_item_age_days > 0;
  const double oldest = as_of - params.max_item_age_days * kSecondsPerDay;
  for (std::size_t i = 0; i < date.size(); ++i) {
    if (!has_time(as_of)) {
      eligible[i] = true;
    } else if (!has_time(date[i])) {
      ++counts.items_undated;
      eligible[i] = true;
    } else if (date[i] > as_of) {
      ++counts.items_not_yet_published;
    } else if (age_rule && date[i] < oldest) {
      ++counts.items_too_old;
    } else {
      eligible[i] = true;
    }
  }
  return eligible;
}

double latest_event_time(const Dataset& dataset) {
  double latest = kNoTime;
  for (double t : dataset.interactions.timestamp)
    if (has_time(t) && !(t <= latest)) latest = t;
  return latest;
}

SelectionStats selection_stats(const Dataset& dataset, const SelectionParams& params,
                               double as_of) {
  SelectionStats stats;
  stats.item_first_event.assign(dataset.items.size(), kNoTime);
  stats.producer_impressions.assign(dataset.producers.size(), 0);
  stats.producer_positives.assign(dataset.producers.size(), 0);
  const Window window = window_before(as_of, params.window_days);
  const auto& in = dataset.interactions;
  const auto& producer = dataset.item_table.producer;
  for (std::size_t row = 0; row < in.size(); ++row) {
    const double t = in.timestamp[row];
    const auto item = static_cast<std::size_t>(in.item[row]);
    double& first = stats.item_first_event[item];
    if (has_time(t) && !(first <= t)) first = t;
    const bool impression = in.event[row] == EventType::impression;
    stats.any_impression |= impression;
    if (!window.contains(t)) continue;
    if (item >= producer.size() || producer[item] == kNoIndex) continue;
    const auto p = static_cast<std::size_t>(producer[item]);
    ++(impression ? stats.producer_impressions : stats.producer_positives)[p];
  }
  return stats;
}

Selection select_targets(const Dataset& dataset, const SelectionParams& params, double as_of,
                         std::span<const double> producer_quality) {
  validate(params);
  as_of = selection_as_of(dataset, as_of);
  return select_targets(dataset, params, selection_stats(dataset, params, as_of), as_of,
                        producer_quality);
}

double selection_as_of(const Dataset& dataset, double as_of) {
  if (has_time(as_of)) return as_of;
  const double latest = latest_event_time(dataset);
  return has_time(latest) ? latest + 1 : kNoTime;
}

Selection select_targets(const Dataset& dataset, const SelectionParams& params,
                         const SelectionStats& stats, double as_of,
                         std::span<const double> producer_quality) {
  validate(params);
  if (stats.item_first_event.size() != dataset.items.size() ||
      stats.producer_impressions.size() != dataset.producers.size() ||
      stats.producer_positives.size() != dataset.producers.size())
    throw UsageError("select_targets: stats are not of this dataset's items and producers");
  if (!producer_quality.empty() && producer_quality.size() != dataset.producers.size())
    throw UsageError(fmt::format("producer quality scores: expected one per producer ({}), got {}",
                                 dataset.producers.size(), producer_quality.size()));
  INVR_CHECK(dataset.item_table.size() == dataset.items.size());
  Selection out;
  out.as_of = as_of;
  out.all_items = params.all_items;
  out.counts.producers = dataset.producers.size();
  out.counts.items = dataset.items.size();
  out.counts.users = dataset.users.size();

  const std::vector<bool> eligible = eligible_items(dataset, stats, params, out.as_of, out.counts);
  if (params.all_items) {
    std::vector<bool> has_item(dataset.producers.size(), false);
    for (std::size_t i = 0; i < eligible.size(); ++i) {
      if (!eligible[i]) continue;
      out.items.push_back(static_cast<Index>(i));
      const Index p = dataset.item_table.producer[i];
      if (p != kNoIndex) has_item[static_cast<std::size_t>(p)] = true;
    }
    for (std::size_t p = 0; p < has_item.size(); ++p)
      if (has_item[p]) out.producers.push_back(static_cast<Index>(p));
  } else {
    select_producers_and_items(dataset, params, producer_quality, stats, eligible, out);
  }
  select_users(dataset, params, out);
  return out;
}

}  // namespace invr
