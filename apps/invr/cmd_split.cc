// invr split: write a holdout down as DATA/NAME.split, so `invr train` (which
// drops its test rows) and `invr evaluate` (which scores them) agree on it.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/convert.h"
#include "invr/error.h"
#include "invr/evaluate.h"
#include "invr/split.h"

namespace invr::cli {
namespace {
namespace fs = std::filesystem;

struct SplitArgs {
  std::string data;
  std::string name;
  std::string protocol = "user-temporal";
  double test_fraction = 0.2;
  std::uint64_t seed = 42;
  bool force = false;
};

std::vector<bool> test_rows(const SplitArgs& args, const Interactions& rows) {
  if (args.protocol == "random") return random_test_rows(rows, args.test_fraction, args.seed);
  // The cutoff `invr evaluate` would use: the fraction counts positive rows.
  if (args.protocol == "temporal")
    return temporal_test_rows(rows, positive_cutoff(rows, args.test_fraction));
  return user_temporal_test_rows(rows, args.test_fraction);
}

int run_split(const SplitArgs& args) {
  if (!(args.test_fraction > 0 && args.test_fraction < 1))
    throw UsageError(fmt::format("--test-fraction must be in (0, 1), got {}", args.test_fraction));
  const std::string name = args.name.empty() ? find_atomic_name(args.data) : args.name;
  const fs::path out = fs::path(args.data) / (name + ".split");
  // A dataset's own split (Gowalla's) is not replaced by accident.
  if (fs::exists(out) && !args.force)
    throw UsageError(fmt::format("{} exists; pass --force to replace it", out.string()));
  const Dataset dataset = load_atomic(args.data, name);
  if (args.protocol != "random" && !dataset.has_timestamps())
    throw UsageError(fmt::format("--protocol {} needs timestamps and {} has none; use random",
                                 args.protocol, args.data));
  const std::vector<bool> test = test_rows(args, dataset.interactions);
  ConvertedSplit split;
  split.part.reserve(test.size());
  std::size_t test_count = 0;
  for (bool t : test) {
    split.part.push_back(t ? ConvertedSplit::kTest : ConvertedSplit::kTrain);
    test_count += t;
  }
  save_split(dataset, split, args.data, name);
  spdlog::info("wrote {}: {} train rows, {} test rows", out.string(), test.size() - test_count,
               test_count);
  std::cout << nlohmann::json{{"split_file", out.string()},
                              {"protocol", args.protocol},
                              {"test_fraction", args.test_fraction},
                              {"train", test.size() - test_count},
                              {"test", test_count}}
                   .dump()
            << '\n';
  return 0;
}

std::function<int()> setup_split(CLI::App& app) {
  auto args = std::make_shared<SplitArgs>();
  app.footer(
      "Protocols:\n"
      "  user-temporal  each user's latest share of rows (at least one stays in train)\n"
      "  temporal       one global cutoff: rows at or after it are test\n"
      "  random         a seeded random share of rows (for data without timestamps)\n"
      "Writes DATA/NAME.split (user, item, train|test per interaction row). `invr train\n"
      "--data DATA` then trains without the test rows and `invr evaluate --data DATA`\n"
      "scores them (docs/metrics.md, \"Holdouts\").\n"
      "Example: invr split --data out/ml --protocol user-temporal --test-fraction 0.2");
  app.add_option("--data", args->data, "Atomic dataset folder")->required();
  app.add_option("--name", args->name, "Dataset name in --data (default: the single NAME.inter)");
  app.add_option("--protocol", args->protocol, "user-temporal, temporal or random")
      ->check(CLI::IsMember({"user-temporal", "temporal", "random"}))
      ->capture_default_str();
  app.add_option("--test-fraction", args->test_fraction, "Share of rows held out")
      ->capture_default_str();
  app.add_option("--seed", args->seed, "Seed of --protocol random")->capture_default_str();
  app.add_flag("--force", args->force, "Replace an existing NAME.split");
  return [args] { return run_split(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("split", "Write a train/test holdout of a dataset as NAME.split",
             invr::cli::setup_split);
