// The part of results.json ("invr-simulation-results", version 1) that the
// report shows, read and checked once so the page code never meets a bad
// value. Shares are fractions (0.05 = 5%), PSEI is a percentage (0-100), and
// relative changes are fractions of the control value (0.33 = +33%).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
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

// A relative change against control with its 95% bootstrap interval; the
// interval is absent when the simulator could not compute one (null).
struct Change {
  double change = 0;
  std::optional<double> ci_low;
  std::optional<double> ci_high;
};

// Relative changes by metric key ("ctr", "producer_b50ps", ...).
using Changes = std::map<std::string, Change>;

struct RelativeMetric {
  const char* key;
  const char* label;
  bool higher_is_better;
};
// The metrics the report charts, in display order.
const std::vector<RelativeMetric>& relative_metrics();

struct ArmInfo {
  std::string name;
  std::string ordering;  // "" for control
  std::vector<long long> slots;
  double users = 0;
};

struct DailyPoint {
  long long day = 0;
  double ctr = 0;
  double psei = 0;
  double producer_b50ps = 0;
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
};

struct WorldInfo {
  std::string kind;  // "synthetic" or "dataset"
  std::string name;
  double users = 0;
  double items = 0;
  double producers = 0;
  double days = 0;
};

struct Results {
  std::string file;         // where it was read from, for the page footer
  std::string config_text;  // the "config" object, pretty-printed; "" if absent
  WorldInfo world;
  std::vector<ArmInfo> arms;
  std::string control;  // name of the control arm
  std::map<std::string, ArmTotals> totals;
  std::map<std::string, Changes> relative;               // every arm but control
  std::map<std::string, std::vector<DailyPoint>> daily;  // by arm, by day
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
