// Pieces one simulation run shares between its files: the history it starts
// from, the per-tick catalog, user activity, the embedding cache and the
// per-run inputs. Not part of the public API.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "common/parallel.h"
#include "invr/simulation.h"

namespace invr::simulation {

constexpr double kDay = 86400.0;

// The world's dataset with only the rows before `start` (untimed rows kept):
// id maps and the item table are copied whole.
Dataset history_before(const Dataset& full, double start);

// Per user: sorted distinct items of positive events in `dataset` (all rows).
std::vector<std::vector<Index>> positive_items(const Dataset& dataset);

// The world's own rates when it has them (synthetic timeline), else
// user_visits_per_day() (invr/job.h, the job's capacities use it too): the
// last `window_days` of history before `start`, distinct impression times
// if the history has impressions (one visit = one slate), else distinct
// active days; users with none get half a visit per window, so every user
// may come back.
std::vector<double> user_visit_rates(const SimulationWorld& world, const Dataset& history,
                                     double start, double window_days);

// Per user, the CUPED covariate from the last `window_days` of history
// before `start`: clicks and impressions when the history has impressions,
// else positive events and 1 (activity).
void pre_period(const Dataset& history, double start, double window_days,
                std::vector<double>& clicks, std::vector<double>& impressions);

// Items the simulation can show at some point of [start, end): published
// before end and not aged out before start (undated items: always).
std::vector<Index> population_items(const Dataset& dataset, double start, double end,
                                    double max_age_days);

// The slate catalog of one tick: items published before tick_end and not
// older than max_age at tick_begin, in ascending dataset order (so mapping
// sorted seen lists keeps them sorted).
struct TickCatalog {
  SlateCatalog catalog;
  std::vector<Index> item_of_row;  // catalog row -> dataset item
  std::vector<Index> row_of_item;  // dataset item -> catalog row or kNoIndex
};
TickCatalog tick_catalog(const Dataset& dataset, const Matrix& item_embeddings,
                         std::vector<double> popularity, double tick_begin, double tick_end,
                         double max_age_days);

// Embeds each (dataset state, options) once, so the job's embeddings and the
// slates' are the same matrices and are computed once per tick.
class CachingModel final : public TwoTowerModel {
 public:
  explicit CachingModel(const TwoTowerModel& base) : base_(base) {}
  std::string kind() const override { return base_.kind(); }
  std::size_t dim() const override { return base_.dim(); }
  Matrix embed_items(const Dataset& dataset, const EmbedOptions& options) const override;
  Matrix embed_users(const Dataset& dataset, const EmbedOptions& options) const override;

 private:
  struct Key {
    const Dataset* dataset;
    std::size_t rows;
    std::uint64_t as_of_bits;
    int cold_start;
    bool users;
    auto operator<=>(const Key&) const = default;
  };
  Matrix cached(const Dataset& dataset, const EmbedOptions& options, bool users) const;

  const TwoTowerModel& base_;
  mutable std::mutex mutex_;
  mutable std::map<Key, Matrix> cache_;
};

// One run's inputs: the world, the config with its variant applied, the
// model it starts from and its own working folder.
struct RunInputs {
  const SimulationWorld* world = nullptr;
  SimulationConfig config;
  std::shared_ptr<const TwoTowerModel> initial_model;
  std::filesystem::path initial_model_dir;  // its directory; retraining warm-starts from it
  std::filesystem::path work_dir;
  double start_time = 0;
  std::string name = "main";
  std::string description;
  bool progress = true;
};

// One run's traffic (RunResult without arms and srm) and what the log alone
// does not say about users; run_simulation() adds the summary.
struct UserOutcomes;
RunResult simulate_traffic(const RunInputs& inputs, UserOutcomes& outcomes);
RunResult run_simulation(const RunInputs& inputs);

// --aa-salts: the run of `inputs` with every arm serving control, bucketed
// with params.aa_salts salts ("SALT/aa0", "SALT/aa1", ...); per metric the
// share of 95% intervals that exclude 0 (docs/simulation.md, "A/A").
AaResult aa_calibration(const RunInputs& inputs);

// parallel_tasks and resolve_threads: common/parallel.h (results go to
// per-task slots, so their order never depends on scheduling).

}  // namespace invr::simulation
