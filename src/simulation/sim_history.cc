// What a run starts from: the history, users' activity, the population of
// items and the per-tick catalog.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/job.h"
#include "invr/split.h"
#include "simulation/sim_internal.h"

namespace invr::simulation {

Dataset history_before(const Dataset& full, double start) {
  const Interactions& in = full.interactions;
  std::vector<bool> keep(in.size());
  for (std::size_t r = 0; r < in.size(); ++r) keep[r] = !(in.timestamp[r] >= start);
  return with_interactions(full, in.select(keep));
}

std::vector<std::vector<Index>> positive_items(const Dataset& dataset) {
  std::vector<std::vector<Index>> items(dataset.users.size());
  const Interactions& in = dataset.interactions;
  for (std::size_t r = 0; r < in.size(); ++r)
    if (is_positive(in.event[r])) items[static_cast<std::size_t>(in.user[r])].push_back(in.item[r]);
  for (auto& list : items) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  }
  return items;
}

void pre_period(const Dataset& history, double start, double window_days,
                std::vector<double>& clicks, std::vector<double>& impressions) {
  const Interactions& in = history.interactions;
  bool has_impressions = false;
  for (EventType e : in.event) has_impressions = has_impressions || e == EventType::impression;
  clicks.assign(history.users.size(), 0.0);
  impressions.assign(history.users.size(), has_impressions ? 0.0 : 1.0);
  const double from = start - window_days * kDay;
  for (std::size_t r = 0; r < in.size(); ++r) {
    const double t = in.timestamp[r];
    // Untimed rows (data without timestamps) count as pre-period activity.
    if (has_time(t) && (t < from || t >= start)) continue;
    const auto u = static_cast<std::size_t>(in.user[r]);
    if (is_positive(in.event[r])) clicks[u] += 1.0;
    else if (has_impressions && in.event[r] == EventType::impression) impressions[u] += 1.0;
  }
}

std::vector<double> user_visit_rates(const SimulationWorld& world, const Dataset& history,
                                     double start, double window_days) {
  if (world.visits_per_day.empty()) return user_visits_per_day(history, start, window_days);
  INVR_CHECK(world.visits_per_day.size() == history.users.size());
  return world.visits_per_day;
}

std::vector<Index> population_items(const Dataset& dataset, double start, double end,
                                    double max_age_days) {
  std::vector<Index> items;
  const auto& publish = dataset.item_table.publish_time;
  for (std::size_t i = 0; i < dataset.items.size(); ++i) {
    const double p = i < publish.size() ? publish[i] : kNoTime;
    if (!has_time(p) || (p < end && p + max_age_days * kDay >= start))
      items.push_back(static_cast<Index>(i));
  }
  return items;
}

TickCatalog tick_catalog(const Dataset& dataset, const Matrix& item_embeddings,
                         std::vector<double> popularity, double tick_begin, double tick_end,
                         double max_age_days) {
  INVR_CHECK(item_embeddings.rows == dataset.items.size());
  INVR_CHECK(popularity.size() == dataset.items.size());
  TickCatalog out;
  out.row_of_item.assign(dataset.items.size(), kNoIndex);
  const auto& table = dataset.item_table;
  for (std::size_t i = 0; i < dataset.items.size(); ++i) {
    const double p = i < table.publish_time.size() ? table.publish_time[i] : kNoTime;
    if (has_time(p) && (p >= tick_end || p + max_age_days * kDay < tick_begin)) continue;
    out.row_of_item[i] = static_cast<Index>(out.item_of_row.size());
    out.item_of_row.push_back(static_cast<Index>(i));
  }
  if (out.item_of_row.empty())
    throw UsageError(fmt::format(
        "no item is live at {}: every item is older than --max-item-age-days {} or not yet "
        "published (a dataset's items are dated by their first event; raise "
        "--max-item-age-days)",
        tick_begin, max_age_days));
  SlateCatalog& c = out.catalog;
  const std::size_t rows = out.item_of_row.size(), cols = item_embeddings.cols;
  c.item_ids.reserve(rows);
  c.embeddings = Matrix(rows, cols);
  for (std::size_t r = 0; r < rows; ++r) {
    const auto i = static_cast<std::size_t>(out.item_of_row[r]);
    c.item_ids.add(dataset.items.id(static_cast<Index>(i)));
    c.producer.push_back(i < table.producer.size() ? table.producer[i] : kNoIndex);
    c.publish_time.push_back(i < table.publish_time.size() ? table.publish_time[i] : kNoTime);
    c.popularity.push_back(popularity[i]);
    std::copy_n(item_embeddings.data.begin() + static_cast<std::ptrdiff_t>(i * cols), cols,
                c.embeddings.data.begin() + static_cast<std::ptrdiff_t>(r * cols));
  }
  return out;
}

}  // namespace invr::simulation
