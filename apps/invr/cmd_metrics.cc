// invr metrics: exposure metrics of an exposure log, as JSON on stdout.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/exposure_log.h"
#include "invr/metrics.h"

namespace invr::cli {
namespace {
namespace fs = std::filesystem;

struct MetricsArgs {
  std::string exposures;
  std::string items;
  std::string treated;
  std::string interactions;
  // Defaults come from the library's declarations so CLI and API agree.
  std::string producer_column = AtomicLoadOptions{}.producer_column;
  std::uint64_t sufficient = ExposureMetricsParams{}.sufficient;
};

// A dataset given as its folder (one NAME.inter there) or as one of its files
// (DIR/NAME.ext). With items_only, a NAME.item file is read on its own.
Dataset load_dataset_at(const fs::path& path, const std::string& flag,
                        const AtomicLoadOptions& options, bool items_only = false) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return load_atomic(path, "", options);
  if (!fs::exists(path, ec))
    throw UsageError(fmt::format("{} {}: no such file or folder", flag, path.string()));
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  if (items_only && path.extension() == ".item")
    return load_atomic_items(dir, path.stem().string(), options);
  const fs::path inter = dir / (path.stem().string() + ".inter");
  if (!fs::exists(inter, ec))
    throw UsageError(
        fmt::format("{} {}: expected {} next to it (an atomic dataset NAME.item + NAME.inter)",
                    flag, path.string(), inter.string()));
  return load_atomic(dir, path.stem().string(), options);
}

int run_metrics(const MetricsArgs& args) {
  AtomicLoadOptions options;
  options.producer_column = args.producer_column;
  const Dataset catalog = load_dataset_at(args.items, "--items", options, /*items_only=*/true);
  const ExposureLog log = read_exposure_log(args.exposures, catalog.items);
  spdlog::info("{} impressions of {} users over {} items", log.size(), log.users.size(),
               catalog.items.size());

  ExposureMetricsParams params;
  params.sufficient = args.sufficient;
  if (!args.treated.empty()) {
    params.treated = read_item_list(args.treated, catalog.items);
    if (params.treated->empty())
      spdlog::warn("--treated {} lists no item; psei is reported as 0", args.treated);
  }
  std::string popularity_source = "clicks";
  if (!args.interactions.empty()) {
    AtomicLoadOptions train_options;
    train_options.producer_column = args.producer_column;
    const Dataset train = load_dataset_at(args.interactions, "--interactions", train_options);
    std::size_t skipped = 0;
    params.popularity = item_popularity(train, catalog.items, &skipped);
    if (skipped > 0)
      spdlog::warn(
          "--interactions: {} rows name items not in --items; they do not count towards popularity",
          skipped);
    popularity_source = "interactions";
  }

  const ExposureMetrics m = exposure_metrics(log, catalog.item_table, params);
  std::cout << exposure_metrics_json(m, params, catalog.items.size()) << '\n';
  return 0;
}

std::function<int()> setup_metrics(CLI::App& app) {
  auto args = std::make_shared<MetricsArgs>();
  app.footer(
      "Populations: every item of --items and every producer owning at least one item,\n"
      "including those never shown. Shares are of impressions (log rows).\n"
      "  b50ps     impressions of the floor(n/2) least-exposed / all impressions\n"
      "  t1ps      impressions of the ceil(n/100) most-exposed / all impressions\n"
      "  gini      n/(n-1)-corrected Gini of impressions (0 = equal, 1 = all on one)\n"
      "  coverage  share of entities with at least one impression\n"
      "  psei      percent of treated items with at least --sufficient impressions\n"
      "  aplt/arp  Elliot's APLT and ARP over each user's impressions; item popularity is\n"
      "            distinct users per item in --interactions, or distinct clicking users in\n"
      "            the log without it (\"popularity\" in the output says which)\n"
      "Ratios with a zero denominator are 0. Formulas: docs/metrics.md.\n"
      "Example: invr metrics --exposures run/exposures.tsv --items out/ml/ml.item\n"
      "           --interactions out/ml-train --treated run/treated.txt");
  app.add_option("--exposures", args->exposures,
                 "Exposure log (TSV: user_id, item_id, position, clicked, ...)")
      ->required();
  app.add_option("--items", args->items,
                 "The items: an atomic NAME.item (with NAME.inter beside it) or the dataset folder")
      ->required();
  app.add_option("--treated", args->treated,
                 "Items PSEI is measured over: one item_id per line (default: all)");
  app.add_option("--sufficient", args->sufficient,
                 "Impressions that make an item sufficiently exposed")
      ->capture_default_str();
  app.add_option(
      "--interactions", args->interactions,
      "Training interactions for APLT/ARP popularity: atomic dataset folder or NAME.inter");
  app.add_option("--producer-column", args->producer_column,
                 "Column of NAME.item holding the producer")
      ->capture_default_str();
  return [args] { return run_metrics(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("metrics", "Exposure metrics (b50ps, t1ps, psei, Gini, APLT, ARP) of an exposure log",
             invr::cli::setup_metrics);
