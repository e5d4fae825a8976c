// invr.toml for the job: [selection], [retrieval], [inversion] and [job], each
// read through the one spec table of its settings.
#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "common/settings_toml.h"
#include "invr/error.h"
#include "invr/job.h"

namespace invr {
namespace {
using J = JobSettings;
const std::array kJobSpecs = {
    JobSettingsSpec{"store",
                    "Candidate store: \"rocksdb:PATH\", a PATH, or "
                    "\"redis://HOST:PORT[/DB][?prefix=NAME]\"",
                    0, 0, nullptr, &J::store},
    JobSettingsSpec{"as_of", "Run as of this Unix time (seconds); 0 = one second after the last event", 0,
                    1e11, nullptr, &J::as_of},
    JobSettingsSpec{"cold_start",
                    "Embedding of items without interactions; empty = the model's setting", 0, 0,
                    "|random|content", &J::cold_start},
    JobSettingsSpec{"grace_seconds",
                    "Seconds a superseded generation stays readable before removal", 0, 1e9,
                    nullptr, &J::grace_seconds},
    JobSettingsSpec{"allow_dim_change",
                    "Allow a model whose embedding size differs from the served generation's",
                    0, 1, nullptr, &J::allow_dim_change},
};

using S = AssignmentSettings;
const std::array kAssignmentSettingsSpecs = {
    AssignmentSettingsSpec{"assign_targets",
                           "Compute the target ordering in every generation (off: its lists "
                           "stay empty)",
                           0, 1, nullptr, &S::assign_targets},
    AssignmentSettingsSpec{"interval_hours",
                           "Hours of traffic the target lists are planned for: the job's cadence",
                           1e-3, 8760, nullptr, &S::interval_hours},
    AssignmentSettingsSpec{"slots_per_visit", "InvR slots a slate shows per visit", 1, 1000,
                           nullptr, &S::slots_per_visit},
    AssignmentSettingsSpec{"sufficient_impressions",
                           "PSEI's threshold: impressions over horizon_days that count as "
                           "sufficient exposure",
                           0, 1e12, nullptr, &S::sufficient_impressions},
    AssignmentSettingsSpec{"horizon_days", "Days over which sufficient_impressions are counted",
                           1e-3, 36500, nullptr, &S::horizon_days},
    AssignmentSettingsSpec{"targets",
                           "Item targets: interval (the threshold scaled to one interval) or "
                           "deficit (what the item still lacks of it over horizon_days)",
                           0, 0, "interval|deficit", &S::targets},
    AssignmentSettingsSpec{"visit_window_days",
                           "A user's visits per day come from this last window of the logs",
                           1e-3, 36500, nullptr, &S::visit_window_days},
    AssignmentSettingsSpec{"displaced_rank",
                           "spare_capacity = displace: the slate position an inserted candidate "
                           "displaces; its score is the user's displaced_rank-th best over "
                           "displaced_items items",
                           1, 1000, nullptr, &S::displaced_rank},
    AssignmentSettingsSpec{"displaced_items",
                           "spare_capacity = displace: the items with the most logged events "
                           "that the displaced score is taken over",
                           1, 1e7, nullptr, &S::displaced_items},
    AssignmentSettingsSpec{"count_repeats",
                           "Plan each listed pair as max(1, visits per interval) impressions: a "
                           "user who visits again sees the same slots, and PSEI counts each",
                           0, 1, nullptr, &S::count_repeats},
    AssignmentSettingsSpec{"carry_treated",
                           "Keep the previous generation's treated items the selection drops "
                           "while they are below sufficient_impressions and within the age limit",
                           0, 1, nullptr, &S::carry_treated},
};

// [assignment] holds two tables' keys: the solver's (AssignmentParams) and
// the job's (AssignmentSettings); each key goes to the table that declares it.
void read_assignment_table(const toml::table& table, const std::filesystem::path& path,
                           JobConfig& config) {
  toml::table solver = table, job = table;  // copies keep their source positions
  for (auto&& [key, node] : table) {
    const bool of_job = find_setting(assignment_settings_specs(), key.str()) != nullptr;
    (of_job ? solver : job).erase(key.str());
  }
  read_toml_settings(solver, path, assignment_param_specs(), config.assignment, "assignment");
  read_toml_settings(job, path, assignment_settings_specs(), config.assignment_job, "assignment");
}

// Top-level tables other components of a shared invr.toml read.
constexpr std::array<std::string_view, 5> kOtherSections = {"serve", "slate", "experiment",
                                                            "arms", "simulate"};
}  // namespace

std::span<const JobSettingsSpec> job_settings_specs() { return kJobSpecs; }
std::span<const AssignmentSettingsSpec> assignment_settings_specs() {
  return kAssignmentSettingsSpecs;
}

void read_job_config(const std::filesystem::path& path, JobConfig& config) {
  const toml::table root = parse_toml_file(path, "config file");
  for (auto&& [key, node] : root) {
    const std::string_view name = key.str();
    const auto& where = key.source().begin;
    const bool other = std::find(kOtherSections.begin(), kOtherSections.end(), name) !=
                       kOtherSections.end();
    if (other) continue;
    const toml::table* table = node.as_table();
    if (!table)
      throw DataError(path.string(), where.line, where.column,
                      fmt::format("'{}' must be a table such as [{}]", name, name));
    if (name == "selection") {
      read_toml_settings(*table, path, selection_param_specs(), config.selection, name);
    } else if (name == "retrieval") {
      read_toml_settings(*table, path, retrieval_settings_specs(), config.retrieval, name);
    } else if (name == "inversion") {
      read_toml_settings(*table, path, inversion_param_specs(), config.inversion, name);
    } else if (name == "job") {
      read_toml_settings(*table, path, job_settings_specs(), config.job, name);
    } else if (name == "assignment") {
      read_assignment_table(*table, path, config);
    } else {
      throw DataError(path.string(), where.line, where.column,
                      fmt::format("unknown section [{}]; expected selection, retrieval, "
                                  "inversion, job, assignment, serve, slate, experiment or "
                                  "simulate",
                                  name));
    }
  }
}

void validate(const JobConfig& config) {
  validate(config.selection);
  validate(config.retrieval);
  validate(config.inversion);
  validate_settings(job_settings_specs(), config.job);
  validate(config.assignment);
  validate_settings(assignment_settings_specs(), config.assignment_job);
}

std::string job_config_toml(const JobConfig& config) {
  std::string text = "# invr job configuration; see docs/job.md\n\n";
  text += "[selection]\n" + settings_toml(selection_param_specs(), config.selection) + "\n";
  text += "[retrieval]\n" + settings_toml(retrieval_settings_specs(), config.retrieval) + "\n";
  text += "[inversion]\n" + settings_toml(inversion_param_specs(), config.inversion) + "\n";
  text += "[job]\n" + settings_toml(job_settings_specs(), config.job) + "\n";
  text += "[assignment]\n" + settings_toml(assignment_param_specs(), config.assignment) +
          settings_toml(assignment_settings_specs(), config.assignment_job);
  return text;
}

RowRange shard_rows(std::int64_t users, int rank, int ranks) {
  if (ranks < 1 || rank < 0 || rank >= ranks || users < 0)
    throw UsageError(fmt::format("shard_rows: rank {} of {} ranks over {} users; needs ranks >= 1, "
                                 "0 <= rank < ranks, users >= 0",
                                 rank, ranks, users));
  const std::int64_t per_rank = users / ranks;
  RowRange range;
  range.begin = per_rank * rank;
  range.end = rank == ranks - 1 ? users : range.begin + per_rank;
  return range;
}

}  // namespace invr
