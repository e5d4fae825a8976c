#include "report/report_results.h"

#include <fmt/format.h>

#include <algorithm>

#include "report/report_json.h"
#include "report/report_results_v2.h"

namespace invr::report {
namespace {

constexpr std::string_view kFormat = "invr-simulation-results";
constexpr long long kOldestVersion = 1;
constexpr long long kNewestVersion = 2;

Concentration read_concentration(const Node& node) {
  Concentration c;
  c.b50ps = node.at("b50ps").number();
  c.t1ps = node.at("t1ps").number();
  c.gini = node.at("gini").number();
  c.coverage = node.at("coverage").number();
  return c;
}

ArmTotals read_totals(const Node& node) {
  ArmTotals t;
  t.impressions = node.at("impressions").number();
  t.clicks = node.at("clicks").number();
  t.ctr = node.at("ctr").number();
  t.psei = node.at("psei").number();
  t.treated_items = node.at("treated_items").number();
  t.item = read_concentration(node.at("item"));
  t.producer = read_concentration(node.at("producer"));
  return t;
}

// Version 1: known metrics only; other keys are tolerated and ignored.
Changes read_changes_v1(const Node& node) {
  node.expect_object();
  Changes changes;
  for (const auto& metric : reported_metrics()) {
    auto entry = node.find(metric.key);
    if (!entry) continue;
    // null: undefined, e.g. a control value of 0 makes arm/control - 1 NaN,
    // which JSON writes as null. Shown like an absent metric.
    const std::optional<double> change = entry->at("change").number_or_null();
    if (!change) continue;
    Estimate c;
    c.change = *change;
    if (auto low = entry->find("ci_low")) c.ci_low = low->number();
    if (auto high = entry->find("ci_high")) c.ci_high = high->number();
    changes[metric.key] = c;
  }
  return changes;
}

Changes read_changes(const Node& node, long long version) {
  return version >= 2 ? read_estimates(node) : read_changes_v1(node);
}

Histogram read_histogram(const Node& node) {
  Histogram h;
  const Node edges = node.at("edges");
  const Node counts = node.at("counts");
  h.edges = edges.numbers();
  h.counts = counts.numbers();
  if (h.edges.size() != h.counts.size() + 1)
    edges.fail(fmt::format("expected {} edges for {} counts, found {}", h.counts.size() + 1,
                           h.counts.size(), h.edges.size()));
  for (std::size_t i = 1; i < h.edges.size(); ++i)
    if (!(h.edges[i - 1] < h.edges[i])) edges[i].fail("expected edges in increasing order");
  return h;
}

Curve read_curve(const Node& node) {
  Curve c;
  const Node x = node.at("x");
  c.x = x.numbers();
  c.y = node.at("y").numbers();
  if (c.x.size() != c.y.size())
    x.fail(fmt::format("expected as many x as y values ({}), found {}", c.y.size(), c.x.size()));
  return c;
}

bool is_control_ordering(const std::string& ordering) {
  return ordering.empty() || ordering == "none" || ordering == "control";
}

// An object keyed by arm name whose keys must all be arms of the run.
template <typename Read>
void read_per_arm(const Node& section, const Results& results, Read read) {
  for (const auto& [arm, node] : section.members()) {
    if (!results.find_arm(arm)) node.fail(fmt::format("arm \"{}\" is not listed in /arms", arm));
    read(arm, node);
  }
}

void read_header(const Node& root, Results& r) {
  const Node format = root.at("format");
  if (format.string() != kFormat)
    format.fail(fmt::format("expected \"{}\", found \"{}\"", kFormat, format.string()));
  const Node version = root.at("version");
  r.version = version.integer();
  if (r.version < kOldestVersion || r.version > kNewestVersion)
    version.fail(fmt::format("unsupported version {} (this build reads versions {} to {})",
                             r.version, kOldestVersion, kNewestVersion));
  if (auto config = root.find("config")) {
    r.config_text = config->json().dump(2);
    // A diagnostic run (docs/assignment.md, "The ceiling"): flagged on the page.
    const auto simulation = config->json().value("simulation", nlohmann::json::object());
    r.assignment_truth = simulation.value("assignment_truth", false);
    r.blocked_assignment = simulation.value("blocked_assignment", false);
  }

  const Node world = root.at("world");
  r.world.kind = world.at("kind").string();
  r.world.name = world.at("name").string();
  r.world.users = world.at("users").number();
  r.world.items = world.at("items").number();
  r.world.producers = world.at("producers").number();
  r.world.days = world.at("days").number();
  if (r.version >= 2) r.world.oracle = read_oracle(world);
}

void read_arms(const Node& root, Results& r) {
  const Node arms = root.at("arms");
  if (arms.size() == 0) arms.fail("expected at least one arm");
  for (std::size_t i = 0; i < arms.size(); ++i) {
    const Node node = arms[i];
    ArmInfo arm;
    const Node name = node.at("name");
    arm.name = name.string();
    if (r.find_arm(arm.name)) name.fail(fmt::format("duplicate arm name \"{}\"", arm.name));
    if (auto ordering = node.find("ordering")) arm.ordering = ordering->string();
    // A competing method's arm (docs/methods.md) has no ordering: its method
    // is what it serves instead of control's slate.
    if (auto method = node.find("method"); method && arm.ordering.empty()) {
      const std::string name = method->string();
      if (name != "control" && name != "invr") arm.ordering = name;
    }
    if (auto slots = node.find("slots"))
      for (std::size_t s = 0; s < slots->size(); ++s) arm.slots.push_back((*slots)[s].integer());
    arm.users = node.at("users").number();
    if (is_control_ordering(arm.ordering)) {
      if (!r.control.empty())
        name.fail(fmt::format("a second control arm (\"{}\" is one already)", r.control));
      r.control = arm.name;
    }
    r.arms.push_back(std::move(arm));
  }
  if (r.control.empty())
    arms.fail("expected a control arm (ordering null, \"none\" or \"control\")");
}

void read_daily(const Node& root, Results& r) {
  const Node daily = root.at("daily");
  for (std::size_t i = 0; i < daily.size(); ++i) {
    const Node row = daily[i];
    const Node arm = row.at("arm");
    if (!r.find_arm(arm.string()))
      arm.fail(fmt::format("arm \"{}\" is not listed in /arms", arm.string()));
    DailyPoint p;
    p.day = row.at("day").integer();
    p.ctr = row.at("ctr").number();
    p.psei = row.at("psei").number();
    p.producer_b50ps = row.at("producer").at("b50ps").number();
    if (r.version >= 2)
      if (auto window = row.find("producer_7d")) p.producer_7d = read_window(*window);
    r.daily[arm.string()].push_back(p);
  }
  for (auto& [arm, points] : r.daily)
    std::stable_sort(points.begin(), points.end(),
                     [](const DailyPoint& a, const DailyPoint& b) { return a.day < b.day; });
}

// Version 2's per-run statistics. `arms` are the run's arm names in order
// (the SRM lists follow it); empty when the file does not list them.
void read_analysis(const Node& node, const std::vector<std::string>& arms, bool required,
                   RunAnalysis& analysis) {
  const auto section = [&](std::string_view key) {
    return required ? std::optional<Node>(node.at(key)) : node.find(key);
  };
  if (auto effects = section("effects"))
    for (const auto& [arm, n] : effects->members())
      if (!n.json().is_null()) analysis.effects[arm] = read_arm_effects(n);
  if (auto srm = section("srm")) {
    analysis.srm = read_srm(*srm, arms.size());
    analysis.srm_arms = arms;
    for (std::size_t i = analysis.srm_arms.size(); i < analysis.srm->users.observed.size(); ++i)
      analysis.srm_arms.push_back(fmt::format("arm {}", i + 1));
  }
  if (auto trend = section("trend"))
    for (const auto& [arm, n] : trend->members())
      if (!n.json().is_null()) analysis.trend[arm] = read_trend(n);
}

ExperimentResult read_experiment(const Node& node, long long version) {
  ExperimentResult e;
  e.name = node.at("name").string();
  if (auto description = node.find("description")) e.description = description->string();
  auto remember = [&](const std::string& arm) {
    if (std::find(e.arms.begin(), e.arms.end(), arm) == e.arms.end()) e.arms.push_back(arm);
  };
  for (const auto& [arm, changes] : node.at("relative").members()) {
    e.relative[arm] = read_changes(changes, version);
    remember(arm);
  }
  if (auto totals = node.find("totals"))
    for (const auto& [arm, t] : totals->members()) {
      e.totals[arm] = read_totals(t);
      remember(arm);
    }
  if (version >= 2) {
    std::vector<std::string> listed;
    if (auto arms = node.find("arms"))
      for (std::size_t i = 0; i < arms->size(); ++i)
        listed.push_back((*arms)[i].at("name").string());
    read_analysis(node, listed, false, e.analysis);
  }
  return e;
}

// The main run's version 2 sections: effects for every InvR arm, the SRM
// test over the listed arms, trends of listed arms, and the optional A/A.
void read_main_analysis(const Node& root, Results& r) {
  std::vector<std::string> names;
  for (const auto& arm : r.arms) names.push_back(arm.name);
  for (const char* key : {"effects", "trend"})
    read_per_arm(root.at(key), r, [](const std::string&, const Node&) {});
  read_analysis(root, names, true, r.analysis);
  const Node effects = root.at("effects");
  for (const auto& arm : r.arms)
    if (arm.name != r.control && !r.analysis.effects.count(arm.name))
      effects.at(arm.name).fail("expected the effects of an InvR arm, found null");
  if (auto aa = root.find("aa")) r.aa = read_aa(*aa, r.arms.size() - 1);
}

}  // namespace

const std::vector<RelativeMetric>& relative_metrics() {
  static const std::vector<RelativeMetric> metrics = {
      {"ctr", "CTR", true, Unit::kShare},
      {"producer_b50ps", "Producer B50PS", true, Unit::kShare},
      {"producer_t1ps", "Producer T1PS", false, Unit::kShare},
      {"psei", "PSEI", true, Unit::kPercent},
      {"item_b50ps", "Item B50PS", true, Unit::kShare},
      {"producer_gini", "Producer Gini", false, Unit::kIndex},
  };
  return metrics;
}

const std::vector<RelativeMetric>& reported_metrics() {
  static const std::vector<RelativeMetric> metrics = {
      {"ctr", "CTR", true, Unit::kShare},
      {"clicks_per_user", "Clicks per user", true, Unit::kPerUser},
      {"psei", "PSEI", true, Unit::kPercent},
      {"producer_b50ps", "Producer B50PS", true, Unit::kShare},
      {"producer_t1ps", "Producer T1PS", false, Unit::kShare},
      {"producer_gini", "Producer Gini", false, Unit::kIndex},
      {"item_b50ps", "Item B50PS", true, Unit::kShare},
      {"item_gini", "Item Gini", false, Unit::kIndex},
      {"producer_coverage", "Producer coverage", true, Unit::kShare},
  };
  return metrics;
}

const RelativeMetric* find_metric(std::string_view key) {
  for (const auto& metric : reported_metrics())
    if (key == metric.key) return &metric;
  return nullptr;
}

double points_per_unit(Unit unit) {
  switch (unit) {
    case Unit::kShare:
      return 100.0;
    case Unit::kPercent:
      return 1.0;
    case Unit::kIndex:
    case Unit::kPerUser:
      break;
  }
  return 0.0;
}

const Estimate& Effect::pick(const std::string& primary) const {
  // The reader guarantees a paired estimate whenever it is the primary.
  return primary == "paired" && paired ? *paired : cuped;
}

const ArmInfo* Results::find_arm(std::string_view name) const {
  for (const auto& arm : arms)
    if (arm.name == name) return &arm;
  return nullptr;
}

Results read_results(std::string_view text, const std::string& file) {
  const Json json = parse_json(text, file);
  const Node root(json, file);
  root.expect_object();

  Results r;
  r.file = file;
  read_header(root, r);
  read_arms(root, r);

  const Node totals = root.at("totals");
  for (const auto& arm : r.arms) r.totals[arm.name] = read_totals(totals.at(arm.name));
  const Node relative = root.at("relative");
  for (const auto& arm : r.arms)
    if (arm.name != r.control)
      r.relative[arm.name] = read_changes(relative.at(arm.name), r.version);
  read_daily(root, r);
  if (r.version >= 2) read_main_analysis(root, r);
  // After effects and relative: a sweep's verdict must agree with them.
  if (r.version >= 2)
    if (auto sweep = root.find("sweep")) r.sweep = read_sweep(*sweep, r);

  if (auto lorenz = root.find("lorenz"))
    read_per_arm(*lorenz, r,
                 [&](const std::string& arm, const Node& n) { r.lorenz[arm] = read_curve(n); });
  if (auto histogram = root.find("treated_exposure_histogram"))
    read_per_arm(*histogram, r, [&](const std::string& arm, const Node& n) {
      r.treated_histogram[arm] = read_histogram(n);
    });
  if (auto users = root.find("users"))
    read_per_arm(*users, r, [&](const std::string& arm, const Node& n) {
      UserEffects effects;
      if (auto h = n.find("ctr_change_histogram")) effects.ctr_change = read_histogram(*h);
      if (auto share = n.find("share_lost_relevance"))
        effects.share_lost_relevance = share->number();
      r.users[arm] = std::move(effects);
    });
  if (auto experiments = root.find("experiments"))
    for (std::size_t i = 0; i < experiments->size(); ++i)
      r.experiments.push_back(read_experiment((*experiments)[i], r.version));
  return r;
}

}  // namespace invr::report
