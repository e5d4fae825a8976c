#include "simulation/report_results.h"

#include <fmt/format.h>

#include <algorithm>

#include "simulation/report_json.h"

namespace invr::report {
namespace {

constexpr std::string_view kFormat = "invr-simulation-results";
constexpr long long kVersion = 1;

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

// Known metrics only; other keys are tolerated and ignored.
Changes read_changes(const Node& node) {
  node.expect_object();
  Changes changes;
  for (const auto& metric : relative_metrics()) {
    auto entry = node.find(metric.key);
    if (!entry) continue;
    // null: undefined, e.g. a control value of 0 makes arm/control - 1 NaN,
    // which JSON writes as null. Shown like an absent metric.
    const std::optional<double> change = entry->at("change").number_or_null();
    if (!change) continue;
    Change c;
    c.change = *change;
    if (auto low = entry->find("ci_low")) c.ci_low = low->number();
    if (auto high = entry->find("ci_high")) c.ci_high = high->number();
    changes[metric.key] = c;
  }
  return changes;
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
  if (version.integer() != kVersion)
    version.fail(fmt::format("unsupported version {} (this build reads version {})",
                             version.integer(), kVersion));
  if (auto config = root.find("config")) r.config_text = config->json().dump(2);

  const Node world = root.at("world");
  r.world.kind = world.at("kind").string();
  r.world.name = world.at("name").string();
  r.world.users = world.at("users").number();
  r.world.items = world.at("items").number();
  r.world.producers = world.at("producers").number();
  r.world.days = world.at("days").number();
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
    r.daily[arm.string()].push_back(p);
  }
  for (auto& [arm, points] : r.daily)
    std::stable_sort(points.begin(), points.end(),
                     [](const DailyPoint& a, const DailyPoint& b) { return a.day < b.day; });
}

ExperimentResult read_experiment(const Node& node) {
  ExperimentResult e;
  e.name = node.at("name").string();
  if (auto description = node.find("description")) e.description = description->string();
  auto remember = [&](const std::string& arm) {
    if (std::find(e.arms.begin(), e.arms.end(), arm) == e.arms.end()) e.arms.push_back(arm);
  };
  for (const auto& [arm, changes] : node.at("relative").members()) {
    e.relative[arm] = read_changes(changes);
    remember(arm);
  }
  if (auto totals = node.find("totals"))
    for (const auto& [arm, t] : totals->members()) {
      e.totals[arm] = read_totals(t);
      remember(arm);
    }
  return e;
}

}  // namespace

const std::vector<RelativeMetric>& relative_metrics() {
  static const std::vector<RelativeMetric> metrics = {
      {"ctr", "CTR", true},
      {"producer_b50ps", "Producer B50PS", true},
      {"producer_t1ps", "Producer T1PS", false},
      {"psei", "PSEI", true},
      {"item_b50ps", "Item B50PS", true},
      {"producer_gini", "Producer Gini", false},
  };
  return metrics;
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
    if (arm.name != r.control) r.relative[arm.name] = read_changes(relative.at(arm.name));
  read_daily(root, r);

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
      r.experiments.push_back(read_experiment((*experiments)[i]));
  return r;
}

}  // namespace invr::report
