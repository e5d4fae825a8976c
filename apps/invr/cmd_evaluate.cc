// invr evaluate: offline accuracy of the two-tower model and of honest
// baselines (most popular, item-kNN, EASE) on one holdout, as JSON keyed by
// method. The protocol is in docs/metrics.md, "Model evaluation"; the work is
// invr::evaluate_methods (model.h), so this file parses flags and prints.
#include <cstdint>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/baselines.h"
#include "invr/model.h"
#include "invr/model_config.h"

namespace invr::cli {
namespace {
using Json = nlohmann::ordered_json;

struct EvaluateArgs {
  std::string model;
  std::string data;
  std::string name;
  std::string producer_column = AtomicLoadOptions{}.producer_column;
  std::size_t k = EvaluationOptions{}.k;
  double test_fraction = HoldoutOptions{}.test_fraction;
  CLI::Option* test_fraction_option = nullptr;
  std::string split;
  std::string methods;
  std::uint64_t seed = HoldoutOptions{}.seed;
  CLI::Option* seed_option = nullptr;
  std::size_t neighbours = ItemKnnParams{}.neighbours;
  double lambda = EaseParams{}.lambda;
  std::size_t ease_max_items = EaseParams{}.max_items;
  std::string als_config;
};

EvaluationOptions evaluation_options(const EvaluateArgs& args) {
  EvaluationOptions options;
  options.model_dir = args.model;
  options.k = args.k;
  std::stringstream in(args.methods);
  for (std::string m; std::getline(in, m, ',');) options.methods.push_back(m);
  if (!args.split.empty()) options.split_file = args.split;
  // Unset, they follow the model's own validation (evaluation_holdout_options).
  if (args.test_fraction_option->count() > 0) options.test_fraction = args.test_fraction;
  if (args.seed_option->count() > 0) options.seed = args.seed;
  options.item_knn.neighbours = args.neighbours;
  options.ease = {args.lambda, args.ease_max_items};
  if (!args.als_config.empty()) read_model_config(args.als_config, options.als);
  return options;
}

Json metrics_json(const AccuracyMetrics& m, std::size_t k) {
  return {{"users", m.users},
          {fmt::format("recall@{}", k), m.recall},
          {fmt::format("ndcg@{}", k), m.ndcg},
          {fmt::format("mrr@{}", k), m.mrr},
          {fmt::format("hit@{}", k), m.hit_rate}};
}

Json report_json(const EvaluationReport& report, std::size_t k) {
  Json out;
  Json setup = {{"protocol", report.protocol},
                {"k", k},
                {"train_rows", report.train_rows},
                {"test_rows", report.test_rows},
                {"cold_test_rows", report.cold_test_rows},
                {"users", report.users},
                {"items", report.items}};
  if (has_time(report.cutoff)) setup["cutoff"] = report.cutoff;
  if (report.holdout_options.split_file)
    setup["split_file"] = report.holdout_options.split_file->string();
  out["setup"] = setup;
  for (const MethodEvaluation& m : report.methods) {
    if (!m.skipped.empty()) {
      out[m.method] = {{"skipped", m.skipped}};
      continue;
    }
    out[m.method] = {{"overall", metrics_json(m.accuracy.overall, k)},
                     {"cold", metrics_json(m.accuracy.cold, k)}};
    if (m.cold_only) out[m.method]["cold_only"] = metrics_json(*m.cold_only, k);
    out[m.method]["seconds"] = m.seconds;
  }
  return out;
}

int run_evaluate(const EvaluateArgs& args) {
  AtomicLoadOptions load_options;
  load_options.producer_column = args.producer_column;
  const EvaluationReport report =
      evaluate_methods(args.data, args.name, load_options, evaluation_options(args));
  std::cout << report_json(report, args.k).dump(2) << '\n';
  return 0;
}

std::function<int()> setup_evaluate(CLI::App& app) {
  auto args = std::make_shared<EvaluateArgs>();
  app.footer(
      "Holdout: NAME.split if present (or --split), else temporal (the model's own\n"
      "validation cutoff, or --test-fraction), else seeded random (the model's own\n"
      "validation rows, or --test-fraction and --seed); a model trained with\n"
      "--validation-split user-temporal is held out on each user's latest rows.\n"
      "`invr split` writes a NAME.split. Lists exclude each\n"
      "user's training items; \"cold\" scores only test items nobody trained on;\n"
      "two_tower's and als's \"cold_only\" ranks the cold items alone for those users;\n"
      "als trains implicit ALS on the holdout's training rows (--als-config).\n"
      "Example: invr evaluate --model models/ml --data data/ml --k 20");
  app.add_option("--model", args->model, "Model directory (needed for two_tower)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--data", args->data, "Atomic dataset folder")->required();
  app.add_option("--name", args->name, "Dataset name in --data (default: the single NAME.inter)");
  app.add_option("--producer-column", args->producer_column, "Column of NAME.item holding the producer")
      ->capture_default_str();
  app.add_option("--k", args->k, "List length k of every metric@k")->capture_default_str();
  args->test_fraction_option =
      app.add_option("--test-fraction", args->test_fraction,
                     "Share of positives held out (temporal or random protocol); overrides "
                     "the model's own cutoff")
          ->capture_default_str();
  app.add_option("--split", args->split, "A NAME.split file (train/valid/test per row)")
      ->check(CLI::ExistingFile);
  app.add_option("--methods", args->methods,
                 "Comma-separated: two_tower,als,most_popular,item_knn,ease (default: all; "
                 "two_tower only with --model)");
  args->seed_option =
      app.add_option("--seed", args->seed, "Seed of the random holdout (default: the model's own)")
          ->capture_default_str();
  app.add_option("--neighbours", args->neighbours, "item_knn: neighbours kept per item")
      ->capture_default_str();
  app.add_option("--lambda", args->lambda, "ease: L2 regularisation")->capture_default_str();
  app.add_option("--ease-max-items", args->ease_max_items,
                 "ease: skip above this many items (O(items³) inverse)")
      ->capture_default_str();
  app.add_option("--als-config", args->als_config,
                 "als: TOML of model settings (dim, als_alpha, als_regularization, ...)")
      ->check(CLI::ExistingFile);
  return [args] { return run_evaluate(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("evaluate", "Accuracy of the model and baselines on a holdout (docs/metrics.md)",
             invr::cli::setup_evaluate);
