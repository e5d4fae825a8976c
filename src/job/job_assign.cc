// The job's assignment stage (job_assign.h) and the visit rates and
// capacities it plans with (invr/job.h).
#include "job/job_assign.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/matrix.h"
#include "invr/retrieval.h"
#include "common/parallel.h"

namespace invr {
namespace {
constexpr double kDay = 86400;

const char* reason_key(ShortReason reason) {
  switch (reason) {
    case ShortReason::none: return "none";
    case ShortReason::too_few_users: return "too_few_users";
    case ShortReason::too_little_capacity: return "too_little_capacity";
    case ShortReason::outbid: return "outbid";
  }
  return "unknown";
}
}  // namespace

namespace job {
namespace {
// Per selected item, its impressions in the last horizon_days before
// as_of, each weighted by its viewer's share (the exposure the target
// ordering's own audience gave it).
std::vector<double> item_shown(const Dataset& dataset, const Selection& selection,
                               const AssignmentSettings& settings, std::span<const double> share) {
  std::vector<std::int64_t> row_of_item(dataset.items.size(), -1);
  for (std::size_t r = 0; r < selection.items.size(); ++r)
    row_of_item[static_cast<std::size_t>(selection.items[r])] = static_cast<std::int64_t>(r);
  std::vector<double> shown(selection.items.size(), 0.0);
  const Interactions& in = dataset.interactions;
  const double from = selection.as_of - settings.horizon_days * kDay;
  for (std::size_t e = 0; e < in.size(); ++e) {
    if (in.event[e] != EventType::impression || !(in.timestamp[e] >= from) ||
        !(in.timestamp[e] < selection.as_of))
      continue;
    const std::int64_t r = row_of_item[static_cast<std::size_t>(in.item[e])];
    if (r < 0) continue;
    const auto u = static_cast<std::size_t>(in.user[e]);
    shown[static_cast<std::size_t>(r)] += share.empty() ? 1.0 : share[u];
  }
  return shown;
}
}  // namespace
}  // namespace job

std::vector<double> user_visits_per_day(const Dataset& dataset, double as_of, double window_days) {
  const job::AssignmentFigures figures = job::assignment_figures(dataset, Selection{}, AssignmentSettings{}, {});
  return job::visits_per_day(dataset, as_of, window_days, figures.first_event,
                             figures.impressions);
}

std::vector<double> job::visits_per_day(const Dataset& dataset, double as_of, double window_days,
                                        double first_event, bool impressions) {
  const Interactions& in = dataset.interactions;
  const double first = std::min(as_of, first_event);  // NaN as_of stays NaN: no window
  const double window_start = std::max(first, as_of - window_days * kDay);
  const double span_days = std::max((as_of - window_start) / kDay, 1.0 / 24);

  // One key per visit: the time of an impression, or the day of an event.
  auto key_of = [&](std::size_t r, double& key) {
    const double t = in.timestamp[r];
    if (!has_time(t) || t < window_start || t >= as_of) return false;
    if (impressions && in.event[r] != EventType::impression) return false;
    key = impressions ? t : std::floor((t - window_start) / kDay);
    return true;
  };
  // A user's visits are its distinct keys. Logs are usually in time order,
  // so each user's keys arrive sorted and one pass counts the changes (17
  // bytes per user); only users whose keys arrive out of order are gathered
  // and sorted. Sorting every (user, key) pair instead held 16 bytes per
  // event: 320 MB at 20M impressions, the job's peak at 1M users.
  const std::size_t users = dataset.users.size();
  std::vector<double> visits(users, 0.0);
  std::vector<double> last(users, -std::numeric_limits<double>::infinity());
  std::vector<std::uint8_t> unsorted(users, 0);
  bool any_unsorted = false;
  for (std::size_t r = 0; r < in.size(); ++r) {
    double key;
    if (!key_of(r, key)) continue;
    const auto u = static_cast<std::size_t>(in.user[r]);
    if (key > last[u]) {
      visits[u] += 1.0;
      last[u] = key;
    } else if (key < last[u]) {
      unsorted[u] = 1;
      any_unsorted = true;
    }
  }
  last = {};
  if (any_unsorted) {
    std::vector<std::uint64_t> offsets(users + 1, 0);
    double key;
    for (std::size_t r = 0; r < in.size(); ++r)
      if (unsorted[static_cast<std::size_t>(in.user[r])] && key_of(r, key))
        ++offsets[static_cast<std::size_t>(in.user[r]) + 1];
    std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
    std::vector<double> keys(offsets.back());
    std::vector<std::uint64_t> next(offsets.begin(), offsets.end() - 1);
    for (std::size_t r = 0; r < in.size(); ++r)
      if (unsorted[static_cast<std::size_t>(in.user[r])] && key_of(r, key))
        keys[next[static_cast<std::size_t>(in.user[r])]++] = key;
    for (std::size_t u = 0; u < users; ++u) {
      if (!unsorted[u]) continue;
      const auto begin = keys.begin() + static_cast<std::ptrdiff_t>(offsets[u]);
      const auto end = keys.begin() + static_cast<std::ptrdiff_t>(offsets[u + 1]);
      std::sort(begin, end);
      visits[u] = static_cast<double>(std::unique(begin, end) - begin);
    }
  }
  for (double& v : visits) v = std::max(v, 0.5) / span_days;
  return visits;
}

std::vector<double> user_capacities(std::span<const double> visits_per_day,
                                    const AssignmentSettings& settings,
                                    std::span<const double> share) {
  if (!share.empty() && share.size() != visits_per_day.size())
    throw UsageError(fmt::format("user_capacities: share has {} entries for {} users", share.size(),
                                 visits_per_day.size()));
  std::vector<double> capacity(visits_per_day.size());
  const double interval_days = settings.interval_hours / 24;
  for (std::size_t u = 0; u < capacity.size(); ++u) {
    // count_repeats: `slots` pairs, each giving the visits λ (pair_repeats);
    // else the slots of at most one visit, each giving one impression.
    const double lambda = visits_per_day[u] * interval_days;
    const double visits = settings.count_repeats ? (lambda > 0 ? 1.0 : 0.0) : std::min(1.0, lambda);
    capacity[u] = static_cast<double>(settings.slots_per_visit) * visits * (share.empty() ? 1.0 : share[u]);
  }
  return capacity;
}

namespace job {

AssignmentFigures assignment_figures(const Dataset& dataset, const Selection& selection,
                                     const AssignmentSettings& settings, std::span<const double> share) {
  AssignmentFigures figures;
  figures.first_event = std::numeric_limits<double>::infinity();
  for (double t : dataset.interactions.timestamp)
    if (has_time(t) && t < figures.first_event) figures.first_event = t;
  for (EventType e : dataset.interactions.event) figures.impressions = figures.impressions || e == EventType::impression;
  if (!selection.items.empty()) figures.item_shown = item_shown(dataset, selection, settings, share);
  return figures;
}

std::size_t carry_treated_items(const Dataset& dataset, std::span<const Index> treated,
                                const SelectionStats& stats, const JobConfig& config,
                                std::span<const double> share, Selection& selection,
                                const std::function<void(std::vector<double>&)>& sum_shown) {
  std::vector<std::uint8_t> selected(dataset.items.size(), 0);
  for (Index item : selection.items) selected[static_cast<std::size_t>(item)] = 1;
  Selection dropped;  // the previous generation's items the rules dropped
  dropped.as_of = selection.as_of;
  for (Index item : treated)
    if (item >= 0 && static_cast<std::size_t>(item) < selected.size() && !selected[static_cast<std::size_t>(item)]) {
      dropped.items.push_back(item);
      selected[static_cast<std::size_t>(item)] = 1;  // an item listed twice counts once
    }
  // The selection's own age rules (eligible_items), which a kept item must still pass.
  SelectionCounts not_counted;  // these items' failures are not this run's selection counts
  const std::vector<bool> eligible =
      eligible_items(dataset, stats, config.selection, selection.as_of, not_counted);
  std::vector<double> shown = item_shown(dataset, dropped, config.assignment_job, share);
  if (sum_shown) sum_shown(shown);
  const auto sufficient = static_cast<double>(config.assignment_job.sufficient_impressions);
  std::size_t carried = 0;
  for (std::size_t r = 0; r < dropped.items.size(); ++r) {
    if (!eligible[static_cast<std::size_t>(dropped.items[r])] || shown[r] >= sufficient) continue;
    selection.items.push_back(dropped.items[r]);
    ++carried;
  }
  std::sort(selection.items.begin(), selection.items.end());
  selection.counts.items_carried = carried;
  return carried;
}

std::vector<Index> treated_item_rows(const Dataset& dataset, std::span<const std::string> ids) {
  std::vector<Index> rows;
  rows.reserve(ids.size());
  for (const std::string& id : ids)
    if (const Index item = dataset.items.find(id); item >= 0) rows.push_back(item);
  return rows;
}

std::vector<std::int64_t> item_targets(const AssignmentSettings& settings, std::span<const double> shown,
                                       std::size_t items) {
  if (settings.targets != "deficit")
    return std::vector<std::int64_t>(
        items, scaled_target(static_cast<std::uint64_t>(settings.sufficient_impressions),
                             settings.interval_hours * 3600, settings.horizon_days * kDay));
  std::vector<std::int64_t> targets(items);
  for (std::size_t r = 0; r < items; ++r)
    targets[r] = static_cast<std::int64_t>(
        std::ceil(std::max(0.0, static_cast<double>(settings.sufficient_impressions) - shown[r])));
  return targets;
}

AssignmentStage assign_target_ordering(const ItemTopUsers& top, const Selection& selection,
                                       const Dataset& dataset, const SeenItems& seen,
                                       const JobConfig& config, std::span<const double> share,
                                       std::span<const double> displaced, CandidateLists& lists) {
  const AssignmentSettings& settings = config.assignment_job;
  const AssignmentFigures figures = assignment_figures(dataset, selection, settings, share);
  const std::vector<double> visits = visits_per_day(dataset, selection.as_of, settings.visit_window_days,
                                                    figures.first_event, figures.impressions);
  const std::vector<double> capacity = user_capacities(visits, settings, share);
  const std::vector<double> repeats = pair_repeats(visits, settings);
  AssignmentStage stage = assign_graph(top, selection.items, selection.users, dataset.users.size(), seen,
                                       capacity, figures.item_shown, displaced, repeats, config);
  stage.capacity = expected_impressions(capacity, repeats, selection.users);
  const auto o = static_cast<std::size_t>(Ordering::target);
  lists.offsets[o] = std::move(stage.assignment.offsets);
  lists.lists[o] = std::move(stage.assignment.lists);
  return stage;
}

AssignmentStage assign_graph(const ItemTopUsers& top, std::span<const Index> items,
                             std::span<const Index> user_rows, std::size_t total_users,
                             const SeenItems& seen, std::span<const double> capacity,
                             std::span<const double> item_shown, std::span<const double> displaced,
                             std::span<const double> repeats, const JobConfig& config) {
  AssignmentStage stage;
  AssignmentTargets targets;
  targets.user_displaced.assign(displaced.begin(), displaced.end());
  targets.pair_impressions.assign(repeats.begin(), repeats.end());
  targets.item_target = item_targets(config.assignment_job, item_shown, items.size());
  for (std::int64_t t : targets.item_target) stage.item_target = std::max(stage.item_target, t);
  AssignmentParams params = config.assignment;
  params.max_candidates_per_user = config.inversion.max_candidates_per_user;
  stage.assignment = assign_targets(top, items, user_rows, total_users, seen, capacity, targets, params);
  return stage;
}

double expected_impressions(std::span<const double> capacity, std::span<const double> repeats,
                            std::span<const Index> users) {
  double sum = 0;
  for (Index user : users) {
    const auto u = static_cast<std::size_t>(user);
    sum += capacity[u] * (repeats.empty() ? 1.0 : repeats[u]);
  }
  return sum;
}

std::vector<double> pair_repeats(std::span<const double> visits_per_day, const AssignmentSettings& settings) {
  std::vector<double> repeats;
  if (!settings.count_repeats) return repeats;
  repeats.reserve(visits_per_day.size());
  for (double v : visits_per_day) {
    const double lambda = v * settings.interval_hours / 24;
    repeats.push_back(lambda > 0 ? lambda : 1.0);  // a user who never visits has no capacity anyway
  }
  return repeats;
}

std::vector<double> item_events(const Dataset& dataset) {
  std::vector<double> events(dataset.items.size(), 0.0);
  for (Index item : dataset.interactions.item) events[static_cast<std::size_t>(item)] += 1;
  return events;
}

namespace {
std::vector<Index> popular_items(std::span<const double> events, std::int64_t count) {
  std::vector<Index> items(events.size());
  std::iota(items.begin(), items.end(), Index{0});
  const auto keep = std::min(items.size(), static_cast<std::size_t>(std::max<std::int64_t>(count, 0)));
  std::partial_sort(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(keep), items.end(),
                    [&](Index a, Index b) {
                      const double ea = events[static_cast<std::size_t>(a)];
                      const double eb = events[static_cast<std::size_t>(b)];
                      return ea != eb ? ea > eb : a < b;
                    });
  items.resize(keep);
  std::sort(items.begin(), items.end());
  return items;
}
}  // namespace

std::vector<double> displaced_scores(const Matrix& all_items, std::span<const double> events,
                                     MatrixView users, std::span<const Index> user_rows,
                                     std::size_t total_users, const AssignmentSettings& settings,
                                     int threads) {
  std::vector<double> displaced(total_users, 0.0);
  const std::vector<Index> reference = popular_items(events, settings.displaced_items);
  if (reference.empty() || user_rows.empty()) return displaced;
  const Matrix items = gather_rows(all_items, reference);
  const int k = static_cast<int>(
      std::min<std::int64_t>(settings.displaced_rank, static_cast<std::int64_t>(reference.size())));
  std::vector<float> scores(user_rows.size() * static_cast<std::size_t>(k));
  std::vector<RowId> ids(scores.size());
  SearchParams params;
  params.threads = threads;
  exact_search(users, view_of(items), k, scores.data(), ids.data(), params);
  for (std::size_t r = 0; r < user_rows.size(); ++r)
    displaced[static_cast<std::size_t>(user_rows[r])] = scores[r * static_cast<std::size_t>(k) + static_cast<std::size_t>(k) - 1];
  return displaced;
}

ItemTopUsers rescored_top_users(const ItemTopUsers& top, const Selection& selection,
                                const std::function<double(Index, Index)>& relevance, int threads) {
  ItemTopUsers out = top;
  const auto n = static_cast<std::size_t>(top.users_per_item);
  parallel_ranges(top.items, threads, 16, [&](std::int64_t begin, std::int64_t end) {
    for (auto r = static_cast<std::size_t>(begin); r < static_cast<std::size_t>(end); ++r) {
      const Index item = selection.items[r];
      for (std::size_t k = r * n; k < (r + 1) * n; ++k)
        if (top.users[k] != kNoRow)
          out.scores[k] = static_cast<float>(relevance(selection.users[static_cast<std::size_t>(top.users[k])], item));
    }
  });
  return out;
}

std::vector<double> displaced_relevance(const std::function<double(Index, Index)>& relevance,
                                        std::span<const double> events, std::span<const Index> user_rows,
                                        std::size_t total_users, const AssignmentSettings& settings) {
  std::vector<double> displaced(total_users, 0.0);
  const std::vector<Index> reference = popular_items(events, settings.displaced_items);
  if (reference.empty()) return displaced;
  const auto k = static_cast<std::size_t>(
      std::min<std::int64_t>(settings.displaced_rank, static_cast<std::int64_t>(reference.size())));
  std::vector<double> scores(reference.size());
  for (Index user : user_rows) {
    for (std::size_t j = 0; j < reference.size(); ++j) scores[j] = relevance(user, reference[j]);
    std::nth_element(scores.begin(), scores.begin() + static_cast<std::ptrdiff_t>(k - 1), scores.end(),
                     std::greater<>());
    displaced[static_cast<std::size_t>(user)] = scores[k - 1];
  }
  return displaced;
}

nlohmann::ordered_json assignment_json(const AssignmentStage& stage, const Dataset& dataset,
                                       const Selection& selection) {
  const AssignmentSummary& s = stage.assignment.summary;
  nlohmann::ordered_json out;
  out["item_target"] = stage.item_target;
  out["capacity"] = stage.capacity;
  out["summary"] = {{"solver", s.solver},
                    {"items", stage.assignment.items.size()},
                    {"items_short", s.items_short},
                    {"objective", s.objective},
                    {"relevance", s.relevance},
                    {"target_impressions", s.target_impressions},
                    {"dual_bound", s.dual_bound},
                    {"gap", s.gap},
                    {"iterations", s.iterations},
                    {"passes", s.passes},
                    {"targets_dropped", s.targets_dropped},
                    {"top_ups", s.top_ups},
                    {"seconds", s.seconds}};
  auto items = nlohmann::ordered_json::array();
  for (std::size_t r = 0; r < stage.assignment.items.size(); ++r) {
    const ItemTargetReport& item = stage.assignment.items[r];
    items.push_back({{"item", dataset.items.id(selection.items[r])},
                     {"target", item.target},
                     {"assigned", item.assigned},
                     {"candidate_users", item.candidate_users},
                     {"reachable", item.reachable},
                     {"reason", reason_key(item.reason)}});
  }
  out["items"] = std::move(items);
  return out;
}

}  // namespace job
}  // namespace invr
