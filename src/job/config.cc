// invr.toml for the job: [selection], [retrieval], [inversion] and [job], each
// read through the one spec table of its settings.
#include <array>

#include "invr/job.h"
#include "invr/read_file.h"
#include "job/spec_table.h"

namespace invr {
namespace {
using J = JobSettings;
const std::array kJobSpecs = {
    JobSettingsSpec{"store",
                    "Candidate store: \"rocksdb:PATH\", a PATH, or \"redis://HOST:PORT[/DB]\"", 0,
                    0, nullptr, &J::store},
    JobSettingsSpec{"as_of", "Run as of this Unix time (seconds); 0 = after the last event", 0,
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

// Top-level tables other components of a shared invr.toml read.
constexpr std::array<std::string_view, 5> kOtherSections = {"serve", "slate", "experiment",
                                                            "arms", "simulate"};
}  // namespace

std::span<const JobSettingsSpec> job_settings_specs() { return kJobSpecs; }

toml::table job::parse_toml_file(const std::filesystem::path& path) {
  const std::string text = read_whole_file(path, "config file");
  try {
    return toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    throw DataError(path.string(), e.source().begin.line, e.source().begin.column,
                    std::string(e.description()));
  }
}

void read_job_config(const std::filesystem::path& path, JobConfig& config) {
  job::read_job_tables(job::parse_toml_file(path), path, config);
}

void job::read_job_tables(const toml::table& root, const std::filesystem::path& path,
                          JobConfig& config) {
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
      job::read_spec_table(*table, path, name, selection_param_specs(), config.selection);
    } else if (name == "retrieval") {
      job::read_spec_table(*table, path, name, retrieval_settings_specs(), config.retrieval);
    } else if (name == "inversion") {
      job::read_spec_table(*table, path, name, inversion_param_specs(), config.inversion);
    } else if (name == "job") {
      job::read_spec_table(*table, path, name, job_settings_specs(), config.job);
    } else {
      throw DataError(path.string(), where.line, where.column,
                      fmt::format("unknown section [{}]; expected selection, retrieval, "
                                  "inversion, job, serve, slate, experiment or simulate",
                                  name));
    }
  }
}

void validate(const JobConfig& config) {
  validate(config.selection);
  validate(config.retrieval);
  validate(config.inversion);
  for (const auto& spec : kJobSpecs) {
    const std::string problem = job::spec_problem(spec, config.job);
    if (!problem.empty()) throw UsageError(job::flag_name(spec.name) + " " + problem);
  }
}

std::string job_config_toml(const JobConfig& config) {
  std::string text = "# invr job configuration; see docs/job.md\n\n";
  text += job::spec_table_toml("selection", selection_param_specs(), config.selection) + "\n";
  text += job::spec_table_toml("retrieval", retrieval_settings_specs(), config.retrieval) + "\n";
  text += job::spec_table_toml("inversion", inversion_param_specs(), config.inversion) + "\n";
  text += job::spec_table_toml("job", job_settings_specs(), config.job);
  return text;
}

RowRange shard_rows(std::int64_t users, int rank, int ranks) {
  INVR_CHECK(ranks >= 1 && rank >= 0 && rank < ranks && users >= 0);
  const std::int64_t per_rank = users / ranks;
  RowRange range;
  range.begin = per_rank * rank;
  range.end = rank == ranks - 1 ? users : range.begin + per_rank;
  return range;
}

}  // namespace invr
