// invr stats: descriptive statistics of an atomic dataset, JSON on stdout and
// a short table on stderr.
#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/stats.h"

namespace invr::cli {
namespace {

struct StatsArgs {
  std::string dir;
  std::string name;
  std::string producer_column = AtomicLoadOptions{}.producer_column;
};

nlohmann::ordered_json time_json(double t) {
  return has_time(t) ? nlohmann::ordered_json(t) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json shares_json(const Concentration& c) {
  return {{"count", c.entities},
          {"total", c.total},
          {"top1_share", c.top1_share},
          {"bottom50_share", c.bottom50_share},
          {"gini", c.gini},
          {"coverage", c.coverage}};
}

std::string date(double t) {
  if (!has_time(t)) return "-";
  const auto seconds = static_cast<std::time_t>(std::floor(t));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d", &utc);
  return buffer;
}

void print_table(const std::string& name, const DatasetStats& s) {
  std::string table =
      fmt::format("{}: {} users, {} items, {} producers, {} interactions ({} positive)\n", name,
                  s.users, s.items, s.producers, s.interactions, s.positive_interactions);
  table += fmt::format("density {:.4g}, time {} .. {}\n", s.density, date(s.first_time),
                       date(s.last_time));
  table += fmt::format("{:<10} {:>8} {:>11} {:>7} {:>9}\n", "level", "top-1%", "bottom-50%", "gini",
                       "coverage");
  for (const auto& [level, c] :
       {std::pair{"items", &s.item_interactions}, {"producers", &s.producer_interactions}})
    table += fmt::format("{:<10} {:>7.1f}% {:>10.1f}% {:>7.3f} {:>8.1f}%\n", level,
                         100 * c->top1_share, 100 * c->bottom50_share, c->gini, 100 * c->coverage);
  std::cerr << table;
}

int run_stats(const StatsArgs& args) {
  AtomicLoadOptions options;
  options.producer_column = args.producer_column;
  const Dataset dataset = load_atomic(args.dir, args.name, options);
  const DatasetStats s = dataset_stats(dataset);
  const nlohmann::ordered_json out = {
      {"name", dataset.name},
      {"users", s.users},
      {"items", s.items},
      {"producers", s.producers},
      {"interactions", s.interactions},
      {"positive_interactions", s.positive_interactions},
      {"user_item_pairs", s.user_item_pairs},
      {"density", s.density},
      {"first_time", time_json(s.first_time)},
      {"last_time", time_json(s.last_time)},
      {"item_interactions", shares_json(s.item_interactions)},
      {"producer_interactions", shares_json(s.producer_interactions)},
  };
  std::cout << out.dump() << '\n';
  print_table(dataset.name, s);
  return 0;
}

std::function<int()> setup_stats(CLI::App& app) {
  auto args = std::make_shared<StatsArgs>();
  app.footer(
      "Counts, density (distinct user-item pairs / users x items), time range, and the\n"
      "top-1% share, bottom-50% share, Gini and coverage of positive interactions per\n"
      "item and per producer (the same functions as `invr metrics`; docs/metrics.md).\n"
      "JSON goes to stdout, a short table to stderr.\n"
      "Example: invr stats out/ml --producer-column director");
  app.add_option("DIR", args->dir, "Atomic dataset folder (NAME.inter, optional NAME.item)")
      ->required();
  app.add_option("--name", args->name,
                 "Dataset name in DIR (default: the single NAME.inter there)");
  app.add_option("--producer-column", args->producer_column,
                 "Column of NAME.item holding the producer")
      ->capture_default_str();
  return [args] { return run_stats(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("stats", "Dataset statistics: sizes, density, time range, popularity skew",
             invr::cli::setup_stats);
