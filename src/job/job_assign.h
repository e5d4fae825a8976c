// The job's assignment stage (docs/assignment.md, "In the job"): capacities
// from the logs, targets from PSEI's threshold, assign_targets(), and the
// lists moved into the target ordering.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "invr/assign.h"
#include "invr/job.h"

namespace invr::job {

struct AssignmentStage {
  TargetAssignment assignment;  // its lists moved out into the target ordering
  std::int64_t item_target = 0;  // the largest item target
  double capacity = 0;  // expected impressions, summed over the selected users
};

// Fills lists' target ordering from assign_targets() over `top` (rows:
// selection.items × selection.users, as invert() got them).
// `displaced` per dataset user, for spare_capacity = "displace" (else empty).
AssignmentStage assign_target_ordering(const ItemTopUsers& top, const Selection& selection,
                                       const Dataset& dataset, const SeenItems& seen,
                                       const JobConfig& config, std::span<const double> share,
                                       std::span<const double> displaced, CandidateLists& lists);

// Impressions per listed pair: the visits per interval λ = visits_per_day ×
// interval_days per user with count_repeats (1 for a user with none, who has
// no capacity), else empty (one each).
std::vector<double> pair_repeats(std::span<const double> visits_per_day, const AssignmentSettings& settings);
// carry_treated: adds to selection.items (kept sorted) the `treated` items
// (the previous generation's, as dataset indices) that it lacks, that are
// still below sufficient_impressions over horizon_days (impressions weighted
// by `share`, as the deficit targets count them), published by as_of and
// within the selection's max_item_age_days by `stats` (the selection's own
// figures). `sum_shown`, when set, adds the other ranks' impressions to
// this rank's, per candidate item in one order on every rank (a sharded
// job); the decision is then the same on every rank. Sets and returns
// selection.counts.items_carried.
std::size_t carry_treated_items(const Dataset& dataset, std::span<const Index> treated,
                                const SelectionStats& stats, const JobConfig& config,
                                std::span<const double> share, Selection& selection,
                                const std::function<void(std::vector<double>&)>& sum_shown = {});
// The dataset indices of a manifest's treated item ids; ids the dataset
// lacks are skipped.
std::vector<Index> treated_item_rows(const Dataset& dataset, std::span<const std::string> ids);

// The impressions `users`' capacities are expected to give: Σ capacity ×
// pair impressions (the manifest's "capacity").
double expected_impressions(std::span<const double> capacity, std::span<const double> repeats,
                            std::span<const Index> users);

// The whole dataset's figures the stage reads besides the graph. A sharded
// job computes them on each user shard and combines them (first_event: the
// minimum; impressions: or; item_shown: the sum), so capacities and targets
// are the ones a single process computes (docs/distributed.md).
struct AssignmentFigures {
  double first_event = 0;  // the logs' earliest timed event (+infinity: none)
  bool impressions = false;  // the logs hold impression rows
  // Per selected item: its impressions in the last horizon_days before
  // as_of, each weighted by its viewer's share (empty without items).
  std::vector<double> item_shown;
};
AssignmentFigures assignment_figures(const Dataset& dataset, const Selection& selection,
                                     const AssignmentSettings& settings, std::span<const double> share);
// user_visits_per_day with the whole logs' first event (figures.first_event)
// and impressions flag given.
std::vector<double> visits_per_day(const Dataset& dataset, double as_of, double window_days, double first_event,
                                   bool impressions);
// Each item's target: its deficit against sufficient_impressions (targets =
// "deficit") or the threshold scaled to one interval.
std::vector<std::int64_t> item_targets(const AssignmentSettings& settings, std::span<const double> shown,
                                       std::size_t items);
// assign_targets() with the job's settings over a graph whose rows are
// user_rows (of total_users users); capacity per user, item_shown per item.
// stage.capacity is left 0 for the caller.
AssignmentStage assign_graph(const ItemTopUsers& top, std::span<const Index> items,
                             std::span<const Index> user_rows, std::size_t total_users,
                             const SeenItems& seen, std::span<const double> capacity,
                             std::span<const double> item_shown, std::span<const double> displaced,
                             std::span<const double> repeats, const JobConfig& config);

// spare_capacity = "displace" (invr/assign.h): per item, its logged events
// (a sharded job sums them over ranks).
std::vector<double> item_events(const Dataset& dataset);
// Per dataset user (size total_users; 0 for users not in user_rows): the
// displaced_rank-th best score of the user's row of `users` over the
// displaced_items items of all_items with the most `events` (ties to the
// smaller index; all items when fewer).
std::vector<double> displaced_scores(const Matrix& all_items, std::span<const double> events,
                                     MatrixView users, std::span<const Index> user_rows,
                                     std::size_t total_users, const AssignmentSettings& settings,
                                     int threads);

// JobInputs::assignment_relevance applied: a copy of `top` (over
// selection.items x selection.users) whose scores are relevance(user, item)
// in dataset indices, and the displaced scores under it (per dataset user:
// the displaced_rank-th best relevance over the same popular items as
// displaced_scores()).
ItemTopUsers rescored_top_users(const ItemTopUsers& top, const Selection& selection,
                                const std::function<double(Index, Index)>& relevance, int threads);
std::vector<double> displaced_relevance(const std::function<double(Index, Index)>& relevance,
                                        std::span<const double> events, std::span<const Index> user_rows,
                                        std::size_t total_users, const AssignmentSettings& settings);

// The manifest's "assignment" object: settings, summary, one report per
// treated item (id, target, assigned, candidate_users, reachable, reason).
nlohmann::ordered_json assignment_json(const AssignmentStage& stage, const Dataset& dataset,
                                       const Selection& selection);

}  // namespace invr::job
