// Exposure metrics of one log: impressions and clicks, PSEI, item- and
// producer-level concentration, and Elliot's APLT/ARP over per-user lists.
#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/metrics.h"

#include <nlohmann/json.hpp>

namespace invr {
namespace {

std::size_t checked_index(Index index, std::size_t size, const char* what) {
  if (index < 0 || static_cast<std::size_t>(index) >= size)
    throw UsageError(std::string(what) + " index " + std::to_string(index) + " is outside [0, " +
                     std::to_string(size) + ")");
  return static_cast<std::size_t>(index);
}

}  // namespace

std::vector<std::uint64_t> item_impressions(const ExposureLog& log, std::size_t num_items) {
  std::vector<std::uint64_t> counts(num_items, 0);
  for (Index item : log.item) ++counts[checked_index(item, num_items, "exposure log item")];
  return counts;
}

std::vector<std::uint64_t> producer_totals(std::span<const std::uint64_t> item_counts,
                                           std::span<const Index> item_producer) {
  if (item_counts.size() != item_producer.size())
    throw UsageError("producer_totals: " + std::to_string(item_counts.size()) +
                     " item counts but " + std::to_string(item_producer.size()) +
                     " item producers");
  std::size_t producers = 0;
  for (Index p : item_producer) {
    if (p < 0) throw UsageError("item has no producer (negative producer index)");
    producers = std::max(producers, static_cast<std::size_t>(p) + 1);
  }
  std::vector<std::uint64_t> totals(producers, 0);
  std::vector<std::uint8_t> owns_item(producers, 0);
  for (std::size_t i = 0; i < item_counts.size(); ++i) {
    const auto p = static_cast<std::size_t>(item_producer[i]);
    totals[p] += item_counts[i];
    owns_item[p] = 1;
  }
  // Keep only producers with at least one item: the population the metric is about.
  std::size_t kept = 0;
  for (std::size_t p = 0; p < producers; ++p)
    if (owns_item[p]) totals[kept++] = totals[p];
  totals.resize(kept);
  return totals;
}

namespace {
// The distinct treated items, each checked against `items` and listed once:
// a duplicated id in the list must not count twice.
std::vector<std::size_t> distinct_treated(std::span<const Index> treated, std::size_t items) {
  std::vector<std::uint8_t> seen(items, 0);
  std::vector<std::size_t> distinct;
  for (Index item : treated) {
    const auto i = checked_index(item, items, "treated item");
    if (!seen[i]) distinct.push_back(i);
    seen[i] = 1;
  }
  return distinct;
}
}  // namespace

double psei(std::span<const std::uint64_t> item_counts, std::span<const Index> treated,
            std::uint64_t sufficient) {
  const std::vector<std::size_t> items = distinct_treated(treated, item_counts.size());
  if (items.empty()) return 0.0;
  const auto exposed = std::count_if(items.begin(), items.end(),
                                     [&](std::size_t i) { return item_counts[i] >= sufficient; });
  return 100.0 * static_cast<double>(exposed) / static_cast<double>(items.size());
}

double psei_ceiling(std::span<const double> organic, std::span<const Index> treated,
                    std::uint64_t sufficient, double inserted) {
  if (!(inserted >= 0) || !std::isfinite(inserted))
    throw UsageError(fmt::format("psei_ceiling: inserted impressions {} must be finite and >= 0", inserted));
  std::vector<double> needs;
  for (std::size_t i : distinct_treated(treated, organic.size())) {
    if (!(organic[i] >= 0) || !std::isfinite(organic[i]))
      throw UsageError(fmt::format("psei_ceiling: organic[{}] = {} must be finite and >= 0", i, organic[i]));
    needs.push_back(std::max(0.0, static_cast<double>(sufficient) - organic[i]));
  }
  if (needs.empty()) return 0.0;
  std::sort(needs.begin(), needs.end());
  std::size_t exposed = 0;
  double spent = 0;
  for (double need : needs) {
    if (spent + need > inserted) break;
    spent += need;
    ++exposed;
  }
  return 100.0 * static_cast<double>(exposed) / static_cast<double>(needs.size());
}

ExposureMetrics exposure_metrics(const ExposureLog& log, const ItemTable& items,
                                 const ExposureMetricsParams& params) {
  if (log.clicked.size() != log.size())
    throw UsageError("exposure log has " + std::to_string(log.size()) + " rows but " +
                     std::to_string(log.clicked.size()) + " click flags");
  const std::size_t num_items = items.size();
  ExposureMetrics out;
  const auto impressions = item_impressions(log, num_items);
  out.impressions = log.size();
  for (auto c : log.clicked) out.clicks += c ? 1 : 0;
  out.ctr = out.impressions == 0
                ? 0.0
                : static_cast<double>(out.clicks) / static_cast<double>(out.impressions);

  if (params.treated) {
    out.psei = psei(impressions, *params.treated, params.sufficient);
  } else {
    std::vector<Index> all(num_items);
    for (std::size_t i = 0; i < num_items; ++i) all[i] = static_cast<Index>(i);
    out.psei = psei(impressions, all, params.sufficient);
  }

  out.items = concentration(impressions);
  out.producers = concentration(producer_totals(impressions, items.producer));

  const auto popularity = params.popularity ? *params.popularity : click_popularity(log, num_items);
  if (popularity.size() != num_items)
    throw UsageError("popularity has " + std::to_string(popularity.size()) + " entries for " +
                     std::to_string(num_items) + " items");
  const auto lists = user_impression_lists(log);
  out.aplt = aplt(lists, long_tail_items(popularity, params.short_head_share));
  out.arp = arp(lists, popularity);
  return out;
}

namespace {
nlohmann::ordered_json concentration_json(const Concentration& c) {
  return {{"count", c.entities},
          {"b50ps", c.bottom50_share},
          {"t1ps", c.top1_share},
          {"gini", c.gini},
          {"coverage", c.coverage}};
}
}  // namespace

std::string exposure_metrics_json(const ExposureMetrics& m, const ExposureMetricsParams& params,
                                  std::size_t items) {
  const nlohmann::ordered_json out = {
      {"impressions", m.impressions},
      {"clicks", m.clicks},
      {"ctr", m.ctr},
      {"psei", m.psei},
      {"sufficient", params.sufficient},
      {"treated", params.treated ? params.treated->size() : items},
      {"items", concentration_json(m.items)},
      {"producers", concentration_json(m.producers)},
      {"aplt", m.aplt},
      {"arp", m.arp},
      {"popularity", params.popularity ? "interactions" : "clicks"},
  };
  return out.dump();
}

}  // namespace invr
