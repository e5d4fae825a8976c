// One simulation run: ticks of job -> catalog -> traffic, the logs growing
// with every tick, then the per-arm summary.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/job.h"
#include "invr/log.h"
#include "invr/model_train.h"
#include "invr/store.h"
#include "simulation/sim_assign.h"
#include "simulation/sim_oracle.h"
#include "simulation/sim_summary.h"
#include "simulation/sim_traffic.h"

namespace invr::simulation {
namespace {
namespace fs = std::filesystem;

// Retrains on the grown logs: `epochs` epochs from the previous model's
// weights when it has them (incremental, as production retrains; its own
// config, since the weights fit only its shapes), else from scratch (an als
// model has no weights.pt: it retrains from scratch, in seconds).
std::shared_ptr<const TwoTowerModel> retrain(const Dataset& data, ModelConfig config,
                                             const fs::path& previous, std::int64_t epochs,
                                             const fs::path& dir) {
  TrainOptions options;
  options.out_dir = dir;
  options.progress = false;
  if (epochs > 0 && fs::exists(previous / "weights.pt") && fs::exists(previous / "config.toml")) {
    read_model_config(previous / "config.toml", config);
    config.epochs = epochs;
    config.validation_fraction = 0;  // a short fine-tune: every event trains
    config.threads = 1;              // deterministic
    options.warm_start = previous;
  }
  TrainResult trained = train_model(data, config, options);
  return std::shared_ptr<const TwoTowerModel>(std::move(trained.model));
}

// Appends one tick's impressions (and click rows, 1 + position seconds
// later, as the generator writes them) to the logs the next tick learns from.
void append(const std::vector<Impression>& impressions, std::span<const Index> user_arm,
            Dataset& data, ExposureLog* log) {
  for (const Impression& i : impressions) {
    data.interactions.push_back(i.user, i.item, i.time, EventType::impression, 1.0f);
    if (i.clicked)
      data.interactions.push_back(i.user, i.item, i.time + 1 + i.position, EventType::click, 1.0f);
    if (log)
      log->push_back(i.user, i.item, i.position, i.clicked, i.time,
                     user_arm[static_cast<std::size_t>(i.user)]);
  }
}

// The world's logged events in [start, end), by time: the background traffic
// (SimulationParams::background). Empty for a generated world.
std::vector<std::size_t> background_rows(const SimulationWorld& world, const SimulationParams& params,
                                         double start, double end) {
  std::vector<std::size_t> rows;
  if (!params.background || world.kind != "dataset") return rows;
  const Interactions& in = world.dataset.interactions;
  for (std::size_t r = 0; r < in.size(); ++r)
    if (in.timestamp[r] >= start && in.timestamp[r] < end) rows.push_back(r);
  std::stable_sort(rows.begin(), rows.end(),
                   [&](std::size_t a, std::size_t b) { return in.timestamp[a] < in.timestamp[b]; });
  return rows;
}

// Appends the background rows before `until` from `next` on; their positives
// join the users' consumed items. Returns the new cursor.
std::size_t append_background(const Interactions& logged, std::span<const std::size_t> rows,
                              std::size_t next, double until, Dataset& data,
                              std::vector<std::vector<Index>>& clicked) {
  for (; next < rows.size() && logged.timestamp[rows[next]] < until; ++next) {
    const std::size_t r = rows[next];
    data.interactions.push_back(logged.user[r], logged.item[r], logged.timestamp[r],
                                logged.event[r], logged.value[r]);
    if (is_positive(logged.event[r]))
      add_click(clicked[static_cast<std::size_t>(logged.user[r])], logged.item[r]);
  }
  return next;
}
// Warm-up ticks draw their visits from streams of their own, so the measured
// days draw the same visits with or without a warm-up.
constexpr std::uint64_t kWarmupTick = std::uint64_t{1} << 40;

// What a run carries from tick to tick: the grown logs, who clicked what,
// the served model and the candidate store.
struct RunState {
  Dataset data;
  std::vector<std::vector<Index>> clicked;  // per user, sorted dataset items
  std::vector<double> rates;                // visits per day per user
  std::vector<const Arm*> user_arm;         // per user
  std::vector<double> target_share;         // per user: 1 in an invr-target arm, else 0
  std::vector<std::size_t> background;      // background_rows()
  std::size_t background_next = 0;
  std::unique_ptr<CandidateStore> store;
  std::shared_ptr<const TwoTowerModel> model;
  fs::path model_dir;
  std::string model_version = "initial";
  double trained_at = 0;
  std::vector<std::uint8_t> treated;  // per item: selected by some job run
  // The served generation's treated items (dataset indices, sorted), read
  // back from its manifest as the server does; only for forward-longtail arms.
  std::vector<Index> served_treated;
};

// The history at `start`, the users' arms (into outcomes) and an empty store.
RunState start_run(const RunInputs& in, double start, double end, UserOutcomes& outcomes) {
  const SimulationWorld& world = *in.world;
  const SimulationParams& params = in.config.params;
  RunState state;
  state.data = history_before(world.dataset, start);
  state.clicked = positive_items(state.data);
  state.background = background_rows(world, params, start, end);
  state.rates = user_visit_rates(world, state.data, start, params.activity_window_days);
  const std::size_t users = state.data.users.size();
  outcomes = {};
  outcomes.arm.resize(users);
  outcomes.expected_served.assign(users, 0.0);
  outcomes.expected_control.assign(users, 0.0);
  outcomes.visits.assign(users, 0);
  outcomes.invr_impressions.assign(users, 0);
  outcomes.control_impressions.assign(users, 0.0);
  state.user_arm.resize(users);
  ArmAssignment assignment =
      assign_arms(in.config.experiment, state.rates, params.blocked_assignment,
                  [&](std::size_t u) { return state.data.users.id(static_cast<Index>(u)); });
  outcomes.arm = std::move(assignment.arm);
  outcomes.block = std::move(assignment.block);
  outcomes.activity = state.rates;
  for (std::size_t u = 0; u < users; ++u)
    state.user_arm[u] = &in.config.experiment.arms[static_cast<std::size_t>(outcomes.arm[u])];
  state.target_share.resize(users);
  for (std::size_t u = 0; u < users; ++u)
    state.target_share[u] = state.user_arm[u]->ordering == Ordering::target ? 1.0 : 0.0;
  const fs::path store_dir = in.work_dir / "store";
  fs::remove_all(store_dir);
  StoreOptions store_options;
  store_options.grace_seconds = 0;  // only the current generation is kept
  state.store = open_store("rocksdb:" + store_dir.string(), store_options);
  state.model = in.initial_model;
  state.model_dir = in.initial_model_dir;
  state.trained_at = start;
  state.treated.assign(state.data.items.size(), 0);
  return state;
}

// A progress bar for the simulated day that `tick` opens, sized by its visits.
std::unique_ptr<Progress> day_progress(const RunInputs& in, const RunState& state,
                                       std::uint64_t tick, std::uint64_t ticks, std::int64_t day) {
  const SimulationParams& params = in.config.params;
  const double interval = params.job_interval_hours * 3600.0;
  const double start = in.start_time, end = start + static_cast<double>(params.days) * kDay;
  std::uint64_t expected = 0;
  for (std::uint64_t t = tick; t < ticks; ++t) {
    const double b = start + static_cast<double>(t) * interval;
    if (std::floor((b - start) / kDay + 1e-9) != static_cast<double>(day)) break;
    for (std::size_t u = 0; u < state.rates.size(); ++u)
      expected += visit_times(params.seed, static_cast<Index>(u), t, b,
                              std::min(b + interval, end), state.rates[u]).size();
  }
  return std::make_unique<Progress>(
      fmt::format("simulate {} day {}/{}", in.name, day + 1, params.days), expected, "visits");
}

// Retrains when the cadence is due (tick 0 serves the initial model).
void maybe_retrain(const RunInputs& in, RunState& state, std::uint64_t tick, double begin,
                   RunResult& run) {
  const SimulationParams& params = in.config.params;
  if (!(params.retrain_interval_days > 0 &&
        begin - state.trained_at >= params.retrain_interval_days * kDay - 1e-6))
    return;
  invr::logger().info("simulate {}: retraining the model on {} events", in.name,
                      state.data.interactions.size());
  const std::string label = tick >= kWarmupTick ? fmt::format("w{:05}", tick - kWarmupTick)
                                                : fmt::format("t{:05}", tick);
  const fs::path dir = in.work_dir / "models" / label;
  state.model = retrain(state.data, in.config.model, state.model_dir, params.retrain_epochs, dir);
  // The served model is in memory and the next retraining starts from `dir`,
  // so a superseded retrained model's files go: daily retraining kept every
  // one (about 100 MB each on Last.fm) and filled the disk in long runs.
  if (state.model_dir != in.initial_model_dir) fs::remove_all(state.model_dir);
  state.model_dir = dir;
  state.model_version = "retrained-" + label;
  state.trained_at = begin;
  ++run.retrains;
}

// The job's assignment plans for this run's traffic: one tick, the arm's
// slots, the PSEI it is measured by, and only the invr-target arms' users
// (docs/simulation.md). Off when no arm reads the target ordering.
void plan_assignment(const RunInputs& in, const RunState& state, double begin, JobConfig& job,
                     JobInputs& inputs) {
  const SimulationParams& params = in.config.params;
  const Arm* target_arm = nullptr;
  for (const Arm& arm : in.config.experiment.arms)
    if (!target_arm && arm.ordering == Ordering::target) target_arm = &arm;
  AssignmentSettings& a = job.assignment_job;
  a.assign_targets = target_arm != nullptr;
  if (!target_arm) return;
  std::int64_t slots = 0;
  for (int slot : target_arm->slots) slots += slot <= params.slate_size ? 1 : 0;
  a.slots_per_visit = std::max<std::int64_t>(slots, 1);
  a.interval_hours = params.job_interval_hours;
  a.sufficient_impressions = params.sufficient_impressions;
  // PSEI counts the measured days: a deficit is counted from their start.
  a.horizon_days = a.targets == "deficit" ? std::max((begin - in.start_time) / kDay, 1e-3)
                                          : static_cast<double>(params.days);
  a.visit_window_days = params.activity_window_days;
  job.assignment.threads = params.threads;
  inputs.target_share = state.target_share;
  if (params.assignment_truth) {
    const SimulationWorld* world = in.world;
    inputs.assignment_relevance = [world](Index user, Index item) {
      return world_click_probability(*world, user, item, 0);
    };
  }
}

// The InvR job as of `begin`; a failed run leaves the previous generation
// served, as in production.
void run_tick_job(const RunInputs& in, RunState& state, const TwoTowerModel& model,
                  std::uint64_t tick, double begin, RunResult& run) {
  const SimulationParams& params = in.config.params;
  JobConfig job = in.config.job;
  job.job.as_of = begin;
  job.retrieval.threads = params.threads;
  job.inversion.threads = params.threads;
  JobInputs job_inputs;
  job_inputs.dataset = &state.data;
  job_inputs.model = &model;
  job_inputs.model_version = state.model_version;
  plan_assignment(in, state, begin, job, job_inputs);
  try {
    const JobResult result = run_job(job_inputs, job, state.store.get(), fmt::format("t{:05}", tick));
    for (Index item : result.selection.items) state.treated[static_cast<std::size_t>(item)] = 1;
    ++run.job_runs;
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    ++run.job_failures;
    invr::logger().warn("simulate {}: job at tick {} failed, previous candidates stay: {}", in.name, tick,
                        e.what());
  }
}

// forward-longtail arms insert the treated items of the generation served,
// which its manifest records (docs/job.md): read as invr serve reads them.
void read_served_treated(const RunInputs& in, RunState& state,
                         const std::optional<std::string>& generation) {
  state.served_treated.clear();
  bool forward = false;
  for (const Arm& arm : in.config.experiment.arms)
    forward = forward || arm.method == ArmMethod::forward_longtail;
  if (!forward || !generation) return;
  state.served_treated =
      catalog_items(state.data.items, manifest_treated_items(state.store->manifest(*generation)));
}

// Who is served what in a tick, and where it is recorded: `log` and
// `outcomes` null in the warm-up, whose traffic only grows the logs.
struct ServedTick {
  std::span<const Arm* const> user_arm;  // per user
  std::span<const Index> arm_index;      // per user, for the log
  ExposureLog* log = nullptr;
  UserOutcomes* outcomes = nullptr;
};

// Embeds as of `begin` (the embedding the job used), serves the tick's
// visits, and grows the logs and the per-user outcomes with them.
void serve_tick(const RunInputs& in, RunState& state, const TwoTowerModel& model,
                const CandidateReader* candidates, std::uint64_t tick, double begin,
                double tick_end, Progress* progress, const ServedTick& served) {
  // A tick without a generation (the warm-up, a failed first job) has no treated items.
  const std::span<const Index> treated =
      candidates ? std::span<const Index>(state.served_treated) : std::span<const Index>();
  const SimulationParams& params = in.config.params;
  // The job's embedding options, so the job and the slates share one embedding.
  EmbedOptions embed_options;
  if (!in.config.job.job.cold_start.empty())
    embed_options.cold_start = parse_cold_start(in.config.job.job.cold_start);
  embed_options.as_of = begin;
  const Matrix item_embeddings = model.embed_items(state.data, embed_options);
  const Matrix user_embeddings = model.embed_users(state.data, embed_options);
  TickCatalog catalog = tick_catalog(state.data, item_embeddings, item_popularity(state.data, begin),
                                     begin, tick_end, params.max_item_age_days);
  SlateParams slate_params = in.config.slate;
  slate_params.threads = 1;  // the simulator parallelises over batches itself
  const SlateAssembler assembler(std::move(catalog.catalog), slate_params, "exact");

  std::vector<Index> treated_rows;
  for (Index item : treated) {
    const Index row = catalog.row_of_item[static_cast<std::size_t>(item)];
    if (row != kNoIndex) treated_rows.push_back(row);  // ascending: rows follow dataset order
  }
  TickSetup setup;
  setup.world = in.world;
  setup.treated_rows = treated_rows;
  setup.params = &params;
  setup.assembler = &assembler;
  setup.catalog = &catalog;
  setup.user_embeddings = &user_embeddings;
  setup.candidates = candidates;
  setup.user_arm = served.user_arm;
  setup.visits_per_day = state.rates;
  setup.tick = tick;
  setup.begin = begin;
  setup.end = tick_end;
  const std::size_t users = state.data.users.size();
  TickOutput out;
  out.expected_served.assign(users, 0.0);
  out.expected_control.assign(users, 0.0);
  out.visits_of_user.assign(users, 0);
  out.invr_impressions.assign(users, 0);
  out.control_impressions.assign(users, 0);
  run_tick(setup, state.clicked, out, progress);
  append(out.impressions, served.arm_index, state.data, served.log);
  if (!served.outcomes) return;
  UserOutcomes& outcomes = *served.outcomes;
  for (std::size_t u = 0; u < users; ++u) {
    outcomes.expected_served[u] += out.expected_served[u];
    outcomes.expected_control[u] += out.expected_control[u];
    outcomes.visits[u] += out.visits_of_user[u];
    outcomes.invr_impressions[u] += out.invr_impressions[u];
    outcomes.control_impressions[u] += out.control_impressions[u];
  }
}
// The warm-up (SimulationParams::warmup_days): [first, start) served as
// control to everyone, the job idle, nothing measured; the logs, the users'
// consumed items and the model move on as in the run. Each user's feed clicks
// and impressions of these days are the CUPED covariate.
void warm_up(const RunInputs& in, RunState& state, double first, double start, RunResult& run,
             UserOutcomes& outcomes) {
  const SimulationParams& params = in.config.params;
  const double interval = params.job_interval_hours * 3600.0;
  const auto ticks = static_cast<std::uint64_t>(std::ceil((start - first) / interval - 1e-9));
  const std::vector<Arm>& arms = in.config.experiment.arms;
  const Index control = control_arm(arms);
  const std::size_t users = state.data.users.size();
  const std::vector<const Arm*> everyone(users, &arms[static_cast<std::size_t>(control)]);
  const std::vector<Index> arm_index(users, control);
  outcomes.pre_clicks.assign(users, 0.0);
  outcomes.pre_impressions.assign(users, 0.0);
  std::unique_ptr<Progress> progress;
  if (in.progress)
    progress = std::make_unique<Progress>(
        fmt::format("simulate {} warm-up ({} days, control only)", in.name, params.warmup_days),
        ticks, "ticks");
  ServedTick served;
  served.user_arm = everyone;
  served.arm_index = arm_index;
  for (std::uint64_t k = 0; k < ticks; ++k) {
    const double begin = first + static_cast<double>(k) * interval;
    const double tick_end = std::min(begin + interval, start);
    state.background_next = append_background(in.world->dataset.interactions, state.background,
                                              state.background_next, begin, state.data,
                                              state.clicked);
    maybe_retrain(in, state, kWarmupTick + k, begin, run);
    CachingModel cached(*state.model);
    const std::size_t before = state.data.interactions.size();
    serve_tick(in, state, cached, nullptr, kWarmupTick + k, begin, tick_end, nullptr, served);
    const Interactions& grown = state.data.interactions;
    for (std::size_t r = before; r < grown.size(); ++r) {
      const auto u = static_cast<std::size_t>(grown.user[r]);
      if (grown.event[r] == EventType::impression) outcomes.pre_impressions[u] += 1;
      else if (grown.event[r] == EventType::click) outcomes.pre_clicks[u] += 1;
    }
    if (progress) progress->add();
  }
}
}  // namespace

RunResult simulate_traffic(const RunInputs& in, UserOutcomes& outcomes) {
  const SimulationWorld& world = *in.world;
  const SimulationParams& params = in.config.params;
  const double start = in.start_time, end = start + static_cast<double>(params.days) * kDay;
  const double interval = params.job_interval_hours * 3600.0;
  const double first = start - params.warmup_days * kDay;
  RunState state = start_run(in, first, end, outcomes);

  RunResult run;
  run.name = in.name;
  run.description = in.description;
  run.population = population_items(world.dataset, start, end, params.max_item_age_days);
  run.log.users = state.data.users;
  for (const Arm& arm : in.config.experiment.arms) run.log.arms.add(arm.name);
  if (first < start) {
    warm_up(in, state, first, start, run, outcomes);
  } else {
    pre_period(state.data, start, params.activity_window_days, outcomes.pre_clicks,
               outcomes.pre_impressions);
  }
  ServedTick served;
  served.user_arm = state.user_arm;
  served.arm_index = outcomes.arm;
  served.log = &run.log;
  served.outcomes = &outcomes;

  const auto ticks = static_cast<std::uint64_t>(
      std::ceil(static_cast<double>(params.days) * kDay / interval - 1e-9));
  std::unique_ptr<Progress> progress;
  std::int64_t day = -1;
  for (std::uint64_t tick = 0; tick < ticks; ++tick) {
    const double begin = start + static_cast<double>(tick) * interval;
    const double tick_end = std::min(begin + interval, end);
    const auto tick_day = static_cast<std::int64_t>(std::floor((begin - start) / kDay + 1e-9));
    if (tick_day != day && in.progress) {
      day = tick_day;
      progress.reset();
      progress = day_progress(in, state, tick, ticks, day);
    }
    state.background_next = append_background(world.dataset.interactions, state.background,
                                              state.background_next, begin, state.data,
                                              state.clicked);
    run.background_events = state.background_next;
    maybe_retrain(in, state, tick, begin, run);
    CachingModel cached(*state.model);
    run_tick_job(in, state, cached, tick, begin, run);
    const auto reader = state.store->reader();
    read_served_treated(in, state, reader->generation());
    serve_tick(in, state, cached, reader->generation() ? reader.get() : nullptr, tick, begin,
               tick_end, progress.get(), served);
  }
  progress.reset();
  for (std::size_t i = 0; i < state.treated.size(); ++i)
    if (state.treated[i]) run.treated.push_back(static_cast<Index>(i));
  return run;
}

RunResult run_simulation(const RunInputs& in) {
  UserOutcomes outcomes;
  RunResult run = simulate_traffic(in, outcomes);
  summarize(run, *in.world, in.config, in.start_time, outcomes);
  return run;
}

}  // namespace invr::simulation
