// results.json (docs/simulation.md): format "invr-simulation-results",
// version 2. Only results and settings go in, never timings, so the same
// seed gives the same bytes.
#include <cmath>

#include <nlohmann/json.hpp>

#include "common/settings_json.h"
#include "invr/atomic_file.h"
#include "invr/exposure_log.h"
#include "invr/simulation.h"

namespace invr {
namespace {
using Json = nlohmann::ordered_json;

Json concentration_json(const Concentration& c) {
  return {{"b50ps", c.bottom50_share},
          {"t1ps", c.top1_share},
          {"gini", c.gini},
          {"coverage", c.coverage},
          {"count", c.entities}};
}

Json exposure_json(const ArmExposure& e) {
  return {{"impressions", e.impressions},
          {"clicks", e.clicks},
          {"ctr", e.ctr},
          {"psei", e.psei},
          {"treated_items", e.treated_items},
          {"item", concentration_json(e.items)},
          {"producer", concentration_json(e.producers)}};
}

Json histogram_json(const Histogram& h) { return {{"edges", h.edges}, {"counts", h.counts}}; }

// NaN (a change against a control level of 0) is written as null.
Json number(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

Json estimate_json(const RelativeChange& c) {
  return {{"change", number(c.change)},   {"ci_low", number(c.ci_low)},
          {"ci_high", number(c.ci_high)}, {"control", number(c.control)},
          {"arm", number(c.arm)},         {"interval", c.interval},
          {"significant", c.significant},
          {"difference", number(c.difference)},
          {"difference_ci_low", number(c.difference_low)},
          {"difference_ci_high", number(c.difference_high)}};
}

Json relative_json(const ArmResult& arm) {
  Json out = Json::object();
  for (const auto& [name, c] : arm.relative) out[name] = estimate_json(c);
  return out;
}

Json effect_json(const Effect& e) {
  return {{"paired", e.paired ? estimate_json(*e.paired) : Json(nullptr)},
          {"cuped", estimate_json(e.cuped)},
          {"arm_level", estimate_json(e.arm_level)}};
}

Json effects_json(const ArmResult& arm) {
  return {{"primary", arm.effects.primary},
          {"ctr", effect_json(arm.effects.ctr)},
          {"clicks_per_user", effect_json(arm.effects.clicks_per_user)}};
}

Json sample_ratio_json(const SampleRatio& s) {
  return {{"observed", s.observed}, {"expected", s.expected}, {"chi2", s.chi2},
          {"dof", s.dof},           {"p_value", s.p_value}};
}

Json srm_json(const SrmCheck& s) {
  return {{"p_threshold", s.p_threshold},
          {"flagged", s.flagged},
          {"users", sample_ratio_json(s.users)},
          {"visiting_users", sample_ratio_json(s.visiting_users)}};
}

Json trend_json(const RunResult& run) {
  Json out = Json::object();
  for (const ArmResult& arm : run.arms) {
    const Trend& t = arm.ctr_trend;
    out[arm.arm.name] = {{"ctr",
                          {{"first3", t.first3},
                           {"last3", t.last3},
                           {"change", number(t.change)},
                           {"slope_per_day", t.slope_per_day},
                           {"ci_low", number(t.ci_low)},
                           {"ci_high", number(t.ci_high)}}}};
  }
  return out;
}

Json aa_json(const AaResult& aa) {
  Json rates = Json::object();
  for (const auto& [name, rate] : aa.false_positive_rate) rates[name] = number(rate);
  Json defined = Json::object();
  for (const auto& [name, n] : aa.defined) defined[name] = n;
  Json salts = Json::array();
  for (const AaResult::Salt& s : aa.per_salt) {
    Json excluding = Json::object();
    for (const auto& [name, n] : s.excluding) excluding[name] = n;
    salts.push_back({{"salt", s.salt}, {"srm_p", s.srm_p}, {"excluding", excluding}});
  }
  return {{"salts", aa.salts},
          {"comparisons", aa.comparisons},
          {"false_positive_rate", rates},
          {"defined", defined},
          {"out_of_range", aa.out_of_range},
          {"srm_flagged", aa.srm_flagged},
          {"per_salt", salts}};
}

Json arm_json(const Arm& arm) {
  return {{"name", arm.name},
          {"ordering", arm.ordering ? Json(ordering_name(*arm.ordering)) : Json(nullptr)},
          {"slots", arm.slots},
          {"weight", arm.weight},
          {"method", arm.is_control() ? "control" : arm_method_name(arm.method)},
          {"lambda", arm.lambda},
          {"top_users", arm.top_users}};
}

Json arm_json(const ArmResult& arm) {
  Json out = arm_json(arm.arm);
  out["users"] = arm.users;
  out["visiting_users"] = arm.visiting_users;
  out["visits"] = arm.visits;
  out["invr_impressions"] = arm.invr_impressions;
  if (!std::isnan(arm.psei_ceiling)) out["psei_ceiling"] = arm.psei_ceiling;
  if (const auto& d = arm.ctr_vs_user_rank)
    out["ctr_vs_user_rank"] = {{"other", d->other},
                               {"difference", number(d->difference)},
                               {"ci_low", number(d->ci_low)},
                               {"ci_high", number(d->ci_high)}};
  return out;
}

// totals, relative and effects of a run, keyed by arm name.
void run_tables(const RunResult& run, Json& totals, Json& relative, Json& effects) {
  totals = Json::object();
  relative = Json::object();
  effects = Json::object();
  for (const ArmResult& arm : run.arms) {
    totals[arm.arm.name] = exposure_json(arm.totals);
    if (arm.arm.is_control()) continue;
    relative[arm.arm.name] = relative_json(arm);
    effects[arm.arm.name] = effects_json(arm);
  }
}

Json point_json(const SweepPoint& point) {
  return {{"arm", point.arm.name},
          {"method", point.method},
          {"knob", point.knob.empty() ? Json(nullptr) : Json(point.knob)},
          {"value", point.knob.empty() ? Json(nullptr) : Json(point.value)}};
}

// One sweep point as the frontier and verdict show it: its CTR estimate (the
// primary), its relative change on `metric` and its difference from control
// in percentage points (docs/simulation.md, "Output").
Json sweep_point_json(const SweepPoint& point, const RunResult& main, const SweepMetric& metric) {
  Json out = point_json(point);
  for (const ArmResult& arm : main.arms) {
    if (arm.arm.name != point.arm.name) continue;
    const RelativeChange& ctr = arm.effects.ctr.primary();
    out["ctr_change"] = number(ctr.change);
    out["ctr_ci_low"] = number(ctr.ci_low);
    out["ctr_ci_high"] = number(ctr.ci_high);
    // A metric the arm lacks reads as undefined (NaN is written as null).
    RelativeChange c;
    c.change = c.ci_low = c.ci_high = NAN;
    if (const RelativeChange* found = arm.relative_of(metric.key)) c = *found;
    out["change"] = number(c.change);
    out["ci_low"] = number(c.ci_low);
    out["ci_high"] = number(c.ci_high);
    out["difference"] = number(c.difference * metric.to_points);
    out["difference_ci_low"] = number(c.difference_low * metric.to_points);
    out["difference_ci_high"] = number(c.difference_high * metric.to_points);
  }
  return out;
}

Json sweep_json(const SweepResult& sweep, const RunResult& main) {
  Json points = Json::array(), metrics = Json::array(), dominated = Json::object();
  for (const SweepPoint& p : sweep.spec.points) points.push_back(point_json(p));
  for (const SweepMetric& m : sweep_metrics())
    metrics.push_back({{"key", m.key},
                       {"label", m.label},
                       {"better", m.higher_is_better ? "higher" : "lower"},
                       {"unit", "percentage points"}});
  for (const auto& [metric, indices] : sweep.dominated) {
    dominated[metric] = Json::array();
    for (std::size_t i : indices) dominated[metric].push_back(sweep.spec.points[i].arm.name);
  }
  Json verdict = Json::array();
  for (const SweepVerdictRow& row : sweep.verdict) {
    const SweepMetric* metric = nullptr;
    for (const SweepMetric& m : sweep_metrics())
      if (row.metric == m.key) metric = &m;
    auto point = [&](const std::optional<std::size_t>& i) {
      return i ? sweep_point_json(sweep.spec.points[*i], main, *metric) : Json(nullptr);
    };
    verdict.push_back({{"ctr_budget", row.ctr_budget},
                       {"metric", row.metric},
                       {"eligible", row.eligible},
                       {"winner", point(row.winner)},
                       {"runner_up", point(row.runner_up)},
                       {"separated", row.separated}});
  }
  return {{"spec", sweep.spec.text},   {"control", sweep.control},
          {"ctr_estimator", sweep.ctr_estimator}, {"points", points},
          {"metrics", metrics},        {"dominated", dominated},
          {"verdict", verdict}};
}

Json run_json(const RunResult& run) {
  std::uint64_t impressions = 0;
  for (const ArmResult& arm : run.arms) impressions += arm.totals.impressions;
  return {{"job_runs", run.job_runs},
          {"job_failures", run.job_failures},
          {"retrains", run.retrains},
          {"background_events", run.background_events},
          {"treated_items", run.treated.size()},
          {"population_items", run.population.size()},
          {"impressions", impressions}};
}

Json config_json(const SimulationResult& r) {
  const SimulationConfig& c = r.config;
  Json arms = Json::array();
  for (const Arm& arm : c.experiment.arms) arms.push_back(arm_json(arm));
  Json experiments = Json::array();
  for (const auto& v : c.experiments) experiments.push_back(v.name);
  // Threads change speed only; leaving them out keeps results.json
  // byte-identical at any thread count.
  Json simulation = settings_json(simulation_param_specs(), c.params);
  simulation.erase("threads");
  simulation["timeline"] = c.params.timeline;
  simulation["oracle"] = c.params.oracle;
  return {{"simulation", simulation},
          {"experiment", {{"salt", c.experiment.salt}, {"arms", arms}}},
          {"job",
           {{"selection", settings_json(selection_param_specs(), c.job.selection)},
            {"retrieval", settings_json(retrieval_settings_specs(), c.job.retrieval)},
            {"inversion", settings_json(inversion_param_specs(), c.job.inversion)},
            {"job", settings_json(job_settings_specs(), c.job.job)}}},
          {"slate", settings_json(slate_param_specs(), c.slate)},
          {"model", settings_json(model_config_specs(), c.model)},
          {"experiments", experiments}};
}
}  // namespace

std::string results_json(const SimulationResult& r) {
  const RunResult& main = r.main;
  Json out;
  out["format"] = "invr-simulation-results";
  out["version"] = 2;
  out["config"] = config_json(r);
  out["world"] = {{"kind", r.world_kind},
                  {"name", r.world_name},
                  {"users", r.users},
                  {"items", r.items},
                  {"producers", r.producers},
                  {"timeline", r.world_timeline},
                  {"days", r.config.params.days},
                  {"start_time", r.start_time},
                  {"population_items", main.population.size()}};
  if (const auto& oracle = r.world_oracle) {
    const OracleHoldout& h = oracle->holdout;
    out["world"]["oracle"] = {{"kind", oracle->kind},
                              {"holdout",
                               {{"protocol", h.protocol},
                                {"test_users", h.test_users},
                                {"recall_at_20", h.recall_at_20},
                                {"most_popular_recall_at_20", h.most_popular_recall_at_20}}}};
  }
  out["arms"] = Json::array();
  for (const ArmResult& arm : main.arms) out["arms"].push_back(arm_json(arm));
  Json relative, effects;
  run_tables(main, out["totals"], relative, effects);
  out["daily"] = Json::array();
  for (std::size_t d = 0; d < static_cast<std::size_t>(r.config.params.days); ++d) {
    for (const ArmResult& arm : main.arms) {
      Json day = {{"day", d}, {"arm", arm.arm.name}};
      day.update(exposure_json(arm.daily[d]));
      day["producer_7d"] = concentration_json(arm.producer_window[d]);
      out["daily"].push_back(day);
    }
  }
  out["relative"] = std::move(relative);
  out["effects"] = std::move(effects);
  out["srm"] = srm_json(main.srm);
  out["trend"] = trend_json(main);
  out["lorenz"] = Json::object();
  out["treated_exposure_histogram"] = Json::object();
  out["users"] = Json::object();
  for (const ArmResult& arm : main.arms) {
    out["lorenz"][arm.arm.name] = {{"x", arm.lorenz_x}, {"y", arm.lorenz_y}};
    out["treated_exposure_histogram"][arm.arm.name] = histogram_json(arm.treated_exposure);
    if (arm.arm.is_control()) continue;
    out["users"][arm.arm.name] = {{"ctr_change_histogram", histogram_json(arm.ctr_change)},
                                  {"share_lost_relevance", arm.share_lost_relevance},
                                  {"expected_ctr_change", arm.expected_ctr_change}};
  }
  out["run"] = run_json(main);
  out["experiments"] = Json::array();
  for (const RunResult& run : r.experiments) {
    Json totals, relative, effects;
    run_tables(run, totals, relative, effects);
    Json relative_first = {{"name", run.name},
                           {"description", run.description},
                           {"relative", relative},
                           {"effects", effects},
                           {"srm", srm_json(run.srm)},
                           {"trend", trend_json(run)},
                           {"totals", totals},
                           {"arms", Json::array()},
                           {"run", run_json(run)}};
    for (const ArmResult& arm : run.arms) relative_first["arms"].push_back(arm_json(arm));
    out["experiments"].push_back(std::move(relative_first));
  }
  if (r.aa) out["aa"] = aa_json(*r.aa);
  if (r.sweep) out["sweep"] = sweep_json(*r.sweep, main);
  return out.dump(1) + "\n";
}

void write_simulation_outputs(const SimulationResult& result, const SimulationWorld& world,
                              const std::filesystem::path& out_dir) {
  std::filesystem::create_directories(out_dir);
  write_text_atomically(out_dir / "results.json", results_json(result));
  write_exposure_log(out_dir / "exposures.tsv", result.main.log, world.dataset.items);
}

}  // namespace invr
