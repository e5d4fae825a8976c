// invr settings: the declared settings tables (invr/settings.h), listed, or
// one printed as the docs' Markdown table or as TOML to start a config file
// from. scripts/settings_docs.py writes the Markdown into docs/*.md.
#include <functional>
#include <iostream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "command.h"
#include "common/settings_toml.h"
#include "invr/assign.h"
#include "invr/error.h"
#include "invr/inverse.h"
#include "invr/job.h"
#include "invr/model_config.h"
#include "invr/server.h"
#include "invr/settings.h"
#include "invr/simulation.h"
#include "invr/slate.h"
#include "invr/synth.h"

namespace invr::cli {
namespace {

// Where a table's TOML lives: a [section] of invr.toml, a file of its own
// (model.toml), or nowhere (flags only).
enum class Toml { kSection, kFile, kNone };

struct Table {
  std::string name;
  std::string read_by;  // what reads it: files and commands
  Toml toml;
  std::function<std::string()> markdown;
  std::function<std::string()> toml_text;  // without the section header
  std::string section = {};  // the TOML section when not the name
};

// Each table with its own defaults (P{}); a command that starts from other
// defaults says so in the docs around the table.
template <class P>
Table table(std::string name, std::string read_by, Toml toml, std::span<const Setting<P>> specs) {
  return {std::move(name), std::move(read_by), toml,
          [specs] { return settings_markdown(specs, P{}); },
          [specs, toml] { return settings_toml(specs, P{}, toml == Toml::kFile); }};
}

// Two tables share invr.toml's [assignment] (the solver's and the job's keys).
Table with_section(Table t, std::string section) {
  t.section = std::move(section);
  return t;
}

// invr.toml's job tables are read by three commands.
std::string job_table(const char* section) {
  return fmt::format("invr.toml [{}] (invr job, invr serve's embedded job, invr simulate "
                     "--job-config), invr job flags",
                     section);
}

const std::vector<Table>& tables() {
  static const std::vector<Table> all = {
      table("world", "invr generate / invr demo flags", Toml::kNone, world_param_specs()),
      table("model", "model.toml (invr train --config, invr simulate --model-config), invr train flags",
            Toml::kFile, model_config_specs()),
      table("selection", job_table("selection"), Toml::kSection, selection_param_specs()),
      table("retrieval", job_table("retrieval"), Toml::kSection, retrieval_settings_specs()),
      table("inversion", job_table("inversion"), Toml::kSection, inversion_param_specs()),
      table("job", job_table("job"), Toml::kSection, job_settings_specs()),
      table("assignment", job_table("assignment"), Toml::kSection, assignment_param_specs()),
      with_section(table("assignment_job", job_table("assignment") + " (the job's keys)",
                         Toml::kSection, assignment_settings_specs()),
                   "assignment"),
      table("slate", "invr.toml [slate] (invr serve), invr serve flags", Toml::kSection,
            slate_param_specs()),
      table("serve", "invr.toml [serve] (invr serve), invr serve flags", Toml::kSection,
            serve_setting_specs()),
      table("simulation", "invr simulate flags", Toml::kNone, simulation_param_specs()),
  };
  return all;
}

std::string names() {
  std::string text;
  for (const Table& t : tables()) text += (text.empty() ? "" : ", ") + t.name;
  return text;
}

int print_settings(const std::string& name, const std::string& format) {
  if (name.empty()) {
    for (const Table& t : tables()) fmt::print("{:<14} {}\n", t.name, t.read_by);
    return 0;
  }
  for (const Table& t : tables()) {
    if (t.name != name) continue;
    if (format == "markdown") {
      std::cout << t.markdown();
    } else if (t.toml == Toml::kNone) {
      throw UsageError(fmt::format("--format toml: the {} settings are read from {} only, not "
                                   "from a TOML file",
                                   name, t.read_by));
    } else {
      std::cout << fmt::format("# {}: {}\n", name, t.read_by)
                << (t.toml == Toml::kSection
                        ? fmt::format("[{}]\n", t.section.empty() ? name : t.section)
                        : "")
                << t.toml_text();
    }
    return 0;
  }
  throw UsageError(fmt::format("invr settings: unknown table '{}'; expected one of {}", name,
                               names()));
}

std::function<int()> setup(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  auto format = std::make_shared<std::string>("markdown");
  app.footer(
      "Without NAME, lists the tables and what reads them. With NAME, prints that table:\n"
      "markdown is the table in docs/ (scripts/settings_docs.py keeps them equal), toml\n"
      "is a config file section with every default, to start an invr.toml or model.toml.\n"
      "Example: invr settings selection --format toml >> invr.toml");
  app.add_option("name", *name, "The table (" + names() + ")");
  app.add_option("--format", *format, "markdown or toml")
      ->check(CLI::IsMember({"markdown", "toml"}))
      ->capture_default_str();
  return [name, format] { return print_settings(*name, *format); };
}
}  // namespace

INVR_COMMAND("settings", "The declared settings tables, as the docs' Markdown or as TOML", setup);
}  // namespace invr::cli
