// One tick of simulated traffic: who visits, the slates they are served (by
// SlateAssembler::assemble, in fixed batches) and the clicks they make.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "invr/progress.h"
#include "invr/store.h"
#include "simulation/sim_internal.h"

namespace invr::simulation {

struct Impression {
  Index user = kNoIndex;
  Index item = kNoIndex;  // dataset index
  std::int32_t position = 0;  // 0-based
  bool clicked = false;
  double time = 0;
};

struct TickSetup {
  const SimulationWorld* world = nullptr;
  const SimulationParams* params = nullptr;
  const SlateAssembler* assembler = nullptr;
  const TickCatalog* catalog = nullptr;
  const Matrix* user_embeddings = nullptr;      // rows = dataset users
  const CandidateReader* candidates = nullptr;  // null = no generation served yet
  // forward-longtail arms: the served generation's treated items as catalog
  // rows, sorted (SlateRequest::treated_items).
  std::span<const Index> treated_rows;
  std::span<const Arm* const> user_arm;         // per dataset user
  std::span<const double> visits_per_day;       // per dataset user
  std::uint64_t tick = 0;
  double begin = 0, end = 0;
};

struct TickOutput {
  std::vector<Impression> impressions;  // by round (k-th visit), user, position
  std::uint64_t visits = 0;
  // Per dataset user, summed over visits: expected clicks of the served
  // slates and of the control slates (= served for control users and users
  // without candidates). Sized by the caller.
  std::vector<double> expected_served;
  std::vector<double> expected_control;
  // Per dataset user: visits and InvR-inserted impressions. Sized by the caller.
  std::vector<std::uint32_t> visits_of_user;
  std::vector<std::uint32_t> invr_impressions;
  std::vector<std::uint32_t> control_impressions;  // the control slates' items
};

// Draws the tick's visits and serves them. `clicked` (per user, sorted
// dataset items) gains each click at once, so a later visit in the tick
// does not show it again.
void run_tick(const TickSetup& setup, std::vector<std::vector<Index>>& clicked, TickOutput& out,
              Progress* progress);

// Adds `item` to a user's sorted clicked items (no duplicates).
void add_click(std::vector<Index>& items, Index item);

// Visits of `user` in the tick, as sorted times in [begin, end).
std::vector<double> visit_times(std::uint64_t seed, Index user, std::uint64_t tick, double begin,
                                double end, double visits_per_day);

}  // namespace invr::simulation
