// The part of results.json ("invr-simulation-results", versions 1 and 2) that
// the report shows, read and checked once so the page code never meets a bad
// value. Shares are fractions (0.05 = 5%), PSEI is a percentage (0-100), and
// relative changes are fractions of the control value (0.33 = +33%).
// Version 2 adds absolute levels to every estimate, the user-side effects
// (paired counterfactual, CUPED, arm-level), the SRM test, CTR trends, the
// A/A calibration and the oracle's fit; a version 1 file leaves them empty.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace invr::report {

struct Concentration {
  double b50ps = 0;  // bottom-50% share
  double t1ps = 0;   // top-1% share
  double gini = 0;
  double coverage = 0;
};

struct ArmTotals {
  double impressions = 0;
  double clicks = 0;
  double ctr = 0;
  double psei = 0;
  double treated_items = 0;
  Concentration item;
  Concentration producer;
};

// How a metric's absolute level is written: a fraction shown as a percentage
// (CTR, shares, coverage), a percentage already (PSEI), a count per user, or
// an index in [0, 1] (Gini).
enum class Unit { kShare, kPercent, kPerUser, kIndex };

struct RelativeMetric {
  const char* key;
  const char* label;
  bool higher_is_better;
  Unit unit = Unit::kShare;
};
// The metrics the report charts, in display order.
const std::vector<RelativeMetric>& relative_metrics();
// Every metric of version 2's "relative" (a superset of the charted ones), in
// the file's order: ctr, clicks_per_user, then the exposure metrics.
const std::vector<RelativeMetric>& reported_metrics();
// nullptr for a key the report does not know.
const RelativeMetric* find_metric(std::string_view key);
// Percentage points per unit of a level, the one place the factor is written:
// 100 for a share (a fraction), 1 for a percentage (PSEI); 0 for a unit that
// has no percentage points (Gini, per user).
double points_per_unit(Unit unit);

// A relative change against control with its 95% bootstrap interval (the
// schema's estimate object E). change is absent when it is undefined (the
// control level is 0); the interval is absent when none was computed.
// Version 2 adds the absolute levels, the interval's kind and whether this
// is the primary estimator's significant result; version 1 leaves them empty
// and the page shades by the interval alone. Permutation-tested estimates
// also carry the difference arm - control in the metric's own unit (PSEI:
// percent, shares: fractions), defined even when the control level is 0.
struct Estimate {
  std::optional<double> change;
  std::optional<double> ci_low;
  std::optional<double> ci_high;
  std::optional<double> control;  // level of the metric in control
  std::optional<double> arm;      // level in the arm
  std::string interval;           // "percentile" or "permutation"; "" in version 1
  std::optional<bool> significant;
  std::optional<double> difference;  // arm - control, in the metric's unit
  std::optional<double> difference_ci_low;
  std::optional<double> difference_ci_high;
};

// Relative changes by metric key ("ctr", "producer_b50ps", ...).
using Changes = std::map<std::string, Estimate>;

// One user-side metric's three estimators (version 2, effects.ARM.METRIC).
struct Effect {
  std::optional<Estimate> paired;  // absent when the counterfactual was off
  Estimate cuped;
  Estimate arm_level;
  // The estimate named by `primary` ("paired" or "cuped").
  const Estimate& pick(const std::string& primary) const;
};

struct ArmEffects {
  std::string primary;  // "paired" or "cuped"
  Effect ctr;
  Effect clicks_per_user;
  const Estimate& primary_ctr() const { return ctr.pick(primary); }
};

// A chi-square test of observed against expected counts, one per arm in the
// run's arm order.
struct SampleRatio {
  std::vector<double> observed;
  std::vector<double> expected;
  double chi2 = 0;
  long long dof = 0;
  double p_value = 1;
};

struct Srm {
  double p_threshold = 0.001;
  bool flagged = false;
  SampleRatio users;
  SampleRatio visiting_users;
};

// An arm's CTR over the run: the first and last three days' CTR and a
// regression slope per day as a fraction of the run's mean CTR.
struct Trend {
  double first3 = 0;
  double last3 = 0;
  std::optional<double> change;  // last3 / first3 - 1; absent when first3 is 0
  double slope_per_day = 0;
  std::optional<double> ci_low;
  std::optional<double> ci_high;
};

// The version 2 statistics every run carries (the main run and each
// experiment): empty or absent in a version 1 file.
struct RunAnalysis {
  std::map<std::string, ArmEffects> effects;  // InvR arms
  std::optional<Srm> srm;
  std::vector<std::string> srm_arms;  // arm names matching srm's per-arm lists
  std::map<std::string, Trend> trend;
};

struct AaSalt {
  std::string salt;
  double srm_p = 1;
  std::vector<std::pair<std::string, double>> excluding;  // metric, intervals excluding 0
};

// The A/A calibration (version 2, "aa"): every arm serves control, the users
// are bucketed with `salts` salts, and each 95% interval should exclude 0 in
// about 5% of the comparisons.
struct AaCalibration {
  long long salts = 0;
  long long comparisons = 0;
  // File order; NaN where no comparison was defined (null in the file).
  std::vector<std::pair<std::string, double>> false_positive_rate;
  // Comparisons with a defined change per metric, in the same order (files
  // before "defined" existed: every comparison).
  std::vector<long long> defined;
  long long out_of_range = 0;
  long long srm_flagged = 0;
  std::vector<AaSalt> per_salt;
};

struct ArmInfo {
  std::string name;
  std::string ordering;  // "" for control; a competing method's name (results.json "method")
  std::vector<long long> slots;
  double users = 0;
};

struct DailyPoint {
  long long day = 0;
  double ctr = 0;
  double psei = 0;
  double producer_b50ps = 0;
  // Producer concentration over the 7-day window ending this day (version 2).
  std::optional<Concentration> producer_7d;
};

struct Histogram {
  std::vector<double> edges;  // counts.size() + 1, ascending
  std::vector<double> counts;
};

struct Curve {
  std::vector<double> x;
  std::vector<double> y;
};

struct UserEffects {
  std::optional<Histogram> ctr_change;
  std::optional<double> share_lost_relevance;
};

struct ExperimentResult {
  std::string name;
  std::string description;
  std::vector<std::string> arms;  // first-seen order over relative, then totals
  std::map<std::string, Changes> relative;
  std::map<std::string, ArmTotals> totals;
  RunAnalysis analysis;
};

// How well the dataset oracle that plays the users predicts held-out data.
struct Oracle {
  std::string kind;  // "two-tower", "ease" or "item-knn"
  std::string protocol;
  double test_users = 0;
  double recall_at_20 = 0;
  double most_popular_recall_at_20 = 0;
};

struct WorldInfo {
  std::string kind;  // "synthetic" or "dataset"
  std::string name;
  double users = 0;
  double items = 0;
  double producers = 0;
  double days = 0;
  std::optional<Oracle> oracle;  // version 2, dataset worlds
};

// A knob sweep (version 2, "sweep"): method x knob points run as arms of
// the main run against one control, the points each metric's frontier
// dominates and the verdict per CTR budget and metric. The numbers of a
// point are its arm's estimates in "effects" and "relative": its CTR change
// (relative) and its difference from control in each metric (percentage
// points), the two axes the simulator decides dominance and the verdict on.
struct SweepPoint {
  std::string arm;
  std::string method;
  std::optional<std::string> knob;   // absent for a method without a knob
  std::optional<std::string> value;  // as written in the spec ("0.5", "3/8")
};

struct SweepMetric {
  std::string key;  // a metric of "relative" (find_metric knows it)
  std::string label;
  bool higher_is_better = true;
  Unit unit = Unit::kShare;  // of its levels: a share or a percentage (PSEI)
  double to_points = 100;    // points_per_unit(unit): its difference in percentage points
};

// A verdict row's winner or runner-up: a point and its numbers, each equal
// to its arm's estimate in the file. CTR and `change` are relative changes
// (fractions); `difference` is arm - control in percentage points, the scale
// the simulator ranks and separates on; the levels (the metric's unit) are
// the arm's estimate's, for the table.
struct SweepPick {
  std::size_t point = 0;  // index in Sweep::points
  std::optional<double> ctr_change, ctr_ci_low, ctr_ci_high;
  std::optional<double> change, ci_low, ci_high;  // null when control's level is 0
  double difference = 0;                          // always defined for a pick
  std::optional<double> difference_ci_low, difference_ci_high;
  std::optional<double> control_level, arm_level;
};

struct SweepVerdict {
  double ctr_budget = 0;   // a CTR change of at least this (<= 0) is eligible
  std::size_t metric = 0;  // index in Sweep::metrics
  long long eligible = 0;  // points within the budget
  std::optional<SweepPick> winner;
  std::optional<SweepPick> runner_up;  // the best eligible point of another method
  bool separated = false;              // the two difference intervals do not overlap
};

struct Sweep {
  std::string spec;
  std::string ctr_estimator;       // "paired" or "cuped": the frontier's x axis
  std::vector<SweepPoint> points;  // spec order, a method's points consecutive
  std::vector<SweepMetric> metrics;
  std::vector<std::vector<std::string>> dominated;  // per metric, arm names
  std::vector<SweepVerdict> verdict;
};

struct Results {
  std::string file;  // where it was read from, for the page footer
  long long version = 1;
  std::string config_text;  // the "config" object, pretty-printed; "" if absent
  bool assignment_truth = false;  // config.simulation.assignment_truth: a diagnostic run
  bool blocked_assignment = false;  // config.simulation.blocked_assignment
  WorldInfo world;
  std::vector<ArmInfo> arms;
  std::string control;  // name of the control arm
  std::map<std::string, ArmTotals> totals;
  std::map<std::string, Changes> relative;               // every arm but control
  std::map<std::string, std::vector<DailyPoint>> daily;  // by arm, by day
  RunAnalysis analysis;                                  // version 2
  std::optional<AaCalibration> aa;                       // version 2, when run
  std::optional<Sweep> sweep;                            // version 2, a sweep run
  // Optional sections: empty when absent from the file.
  std::map<std::string, Curve> lorenz;
  std::map<std::string, Histogram> treated_histogram;
  std::map<std::string, UserEffects> users;
  std::vector<ExperimentResult> experiments;

  const ArmInfo* find_arm(std::string_view name) const;
};

// Parses and checks a results file's text. DataError names `file` and the
// JSON path of the first problem.
Results read_results(std::string_view text, const std::string& file);

}  // namespace invr::report
