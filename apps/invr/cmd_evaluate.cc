// invr evaluate: offline accuracy of the two-tower model and of honest
// baselines (most popular, item-kNN, EASE) on one holdout, as JSON keyed by
// method. The protocol is in docs/metrics.md, "Model evaluation".
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/baselines.h"
#include "invr/error.h"
#include "invr/evaluate.h"
#include "invr/model.h"
#include "invr/model_config.h"
#include "invr/retrieval.h"

namespace invr::cli {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

const std::vector<std::string> kMethods = {"two_tower", "most_popular", "item_knn", "ease"};

struct EvaluateArgs {
  std::string model;
  std::string data;
  std::string name;
  std::string producer_column = AtomicLoadOptions{}.producer_column;
  std::size_t k = 20;
  double test_fraction = 0.2;
  CLI::Option* test_fraction_option = nullptr;
  std::string split;
  std::string methods;
  std::uint64_t seed = 42;
  CLI::Option* seed_option = nullptr;
  std::size_t neighbours = ItemKnnParams{}.neighbours;
  double lambda = EaseParams{}.lambda;
  std::size_t ease_max_items = EaseParams{}.max_items;
};

std::vector<std::string> parse_methods(const EvaluateArgs& args) {
  if (args.methods.empty()) {
    std::vector<std::string> all(kMethods.begin() + (args.model.empty() ? 1 : 0), kMethods.end());
    return all;
  }
  std::vector<std::string> methods;
  std::stringstream in(args.methods);
  for (std::string m; std::getline(in, m, ',');) {
    if (std::find(kMethods.begin(), kMethods.end(), m) == kMethods.end())
      throw UsageError(fmt::format("--methods: unknown method '{}' (expected two_tower, "
                                   "most_popular, item_knn or ease)", m));
    methods.push_back(m);
  }
  if (std::find(methods.begin(), methods.end(), "two_tower") != methods.end() && args.model.empty())
    throw UsageError("--methods two_tower needs --model MODEL_DIR");
  return methods;
}

// The rows `invr train` validated on, from the model directory's config.toml,
// so the test rows are ones the model never trained on: by its
// validation_split, the cutoff at its validation_fraction of positives, each
// user's latest validation_fraction of rows, or its seeded random rows
// (validation_fraction and seed). Explicit flags win; a
// split file needs neither.
void use_model_holdout(const EvaluateArgs& args, const Dataset& dataset, HoldoutOptions& options) {
  const bool fraction_given = args.test_fraction_option->count() > 0;
  const bool seed_given = args.seed_option->count() > 0;
  if (args.model.empty() || options.split_file) return;
  const fs::path config_path = fs::path(args.model) / "config.toml";
  if (!fs::exists(config_path)) return;
  ModelConfig config;
  read_model_config(config_path, config);
  if (config.validation_fraction <= 0) {
    spdlog::warn("the model trained on all events (validation_fraction = 0): its test events "
                 "are not held out; using --test-fraction {}", options.test_fraction);
    return;
  }
  const std::string protocol = validation_protocol(config, dataset.has_timestamps());
  options.per_user = protocol == "user-temporal";
  if (protocol == "temporal") {
    if (!fraction_given) options.cutoff = positive_cutoff(dataset.interactions, config.validation_fraction);
    return;
  }
  if (!fraction_given) options.test_fraction = config.validation_fraction;
  if (!seed_given) options.seed = config.seed;
}

// Each user's top lists from the model: over every item (training items
// dropped) and over the cold items alone, where content and random cold
// start differ (the cold-start protocol of DropoutNet, Volkovs et al. 2017).
struct TwoTowerLists {
  ItemLists overall;
  ItemLists cold_only;
};

// Rows of `users` for `evaluated`, searched against `items` rows `candidates`
// (all when empty); result ids are candidate positions, width per row.
std::vector<RowId> search(const Matrix& users, std::span<const Index> evaluated,
                          const Matrix& items, std::span<const Index> candidates,
                          std::size_t width) {
  const std::size_t dim = items.cols;
  std::vector<float> queries(evaluated.size() * dim);
  for (std::size_t r = 0; r < evaluated.size(); ++r) {
    const auto row = users.row(static_cast<std::size_t>(evaluated[r]));
    std::copy(row.begin(), row.end(), queries.begin() + static_cast<std::ptrdiff_t>(r * dim));
  }
  std::vector<float> base;
  if (!candidates.empty()) {
    base.resize(candidates.size() * dim);
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      const auto row = items.row(static_cast<std::size_t>(candidates[c]));
      std::copy(row.begin(), row.end(), base.begin() + static_cast<std::ptrdiff_t>(c * dim));
    }
  }
  const float* base_data = candidates.empty() ? items.data.data() : base.data();
  const auto base_rows = static_cast<std::int64_t>(candidates.empty() ? items.rows : candidates.size());
  std::vector<float> scores(evaluated.size() * width);
  std::vector<RowId> ids(evaluated.size() * width, kNoRow);
  const auto n = static_cast<std::int64_t>(evaluated.size());
  if (n > 0 && width > 0)
    exact_search({queries.data(), n, static_cast<std::int64_t>(dim)},
                 {base_data, base_rows, static_cast<std::int64_t>(dim)}, static_cast<int>(width),
                 scores.data(), ids.data());
  return ids;
}

TwoTowerLists two_tower_lists(const EvaluateArgs& args, const Dataset& dataset,
                              const Holdout& holdout, const EvaluationSets& sets) {
  const auto model = TwoTowerModel::load(args.model);
  EmbedOptions options;
  options.as_of = holdout.cutoff;  // kNoTime (every event) for untimed data
  // Users embedded from training events only: test rows must not leak in.
  Dataset train_view;
  train_view.users = dataset.users;
  train_view.items = dataset.items;
  train_view.producers = dataset.producers;
  train_view.tokens = dataset.tokens;
  train_view.item_table = dataset.item_table;
  train_view.interactions = holdout.train;
  const Matrix items = model->embed_items(train_view, options);
  const Matrix users = model->embed_users(train_view, options);
  std::vector<Index> evaluated, evaluated_cold;
  std::size_t most_seen = 0;
  for (std::size_t u = 0; u < sets.relevant.size(); ++u) {
    if (!sets.relevant_cold.list(u).empty()) evaluated_cold.push_back(static_cast<Index>(u));
    if (sets.relevant.list(u).empty()) continue;
    evaluated.push_back(static_cast<Index>(u));
    most_seen = std::max(most_seen, sets.train_items.list(u).size());
  }
  TwoTowerLists lists;
  // Wide enough that k unseen items remain after dropping training items.
  const std::size_t width = std::min(items.rows, args.k + most_seen);
  lists.overall =
      unseen_top_k(search(users, evaluated, items, {}, width), width, evaluated, sets.train_items, args.k);

  // Nobody trained on a cold item, so there is nothing to drop.
  std::vector<Index> cold;
  for (std::size_t i = 0; i < sets.cold_item.size(); ++i)
    if (sets.cold_item[i]) cold.push_back(static_cast<Index>(i));
  const std::size_t cold_width = std::min(cold.size(), args.k);
  const std::vector<RowId> ids = search(users, evaluated_cold, items, cold, cold_width);
  std::vector<std::vector<Index>> cold_lists(sets.relevant.size());
  for (std::size_t r = 0; r < evaluated_cold.size(); ++r)
    for (std::size_t c = 0; c < cold_width; ++c)
      if (const RowId id = ids[r * cold_width + c]; id != kNoRow)
        cold_lists[static_cast<std::size_t>(evaluated_cold[r])].push_back(
            cold[static_cast<std::size_t>(id)]);
  lists.cold_only = ItemLists::from(cold_lists);
  return lists;
}

Json metrics_json(const AccuracyMetrics& m, std::size_t k) {
  return {{"users", m.users},
          {fmt::format("recall@{}", k), m.recall},
          {fmt::format("ndcg@{}", k), m.ndcg},
          {fmt::format("mrr@{}", k), m.mrr},
          {fmt::format("hit@{}", k), m.hit_rate}};
}

int run_evaluate(const EvaluateArgs& args) {
  if (args.k < 1) throw UsageError("--k must be at least 1");
  const std::vector<std::string> methods = parse_methods(args);
  AtomicLoadOptions load_options;
  load_options.producer_column = args.producer_column;
  const Dataset dataset = load_atomic(args.data, args.name, load_options);
  const std::string name = args.name.empty() ? find_atomic_name(args.data) : args.name;

  HoldoutOptions holdout_options;
  holdout_options.test_fraction = args.test_fraction;
  holdout_options.seed = args.seed;
  const fs::path own_split = fs::path(args.data) / (name + ".split");
  if (!args.split.empty()) holdout_options.split_file = args.split;
  else if (fs::exists(own_split)) holdout_options.split_file = own_split;
  use_model_holdout(args, dataset, holdout_options);
  const Holdout holdout = make_holdout(dataset, holdout_options);
  const std::size_t num_users = dataset.users.size();
  const std::size_t num_items = dataset.items.size();
  const EvaluationSets sets = evaluation_sets(holdout, num_users, num_items);

  Json out;
  Json setup = {{"protocol", holdout.protocol},
                {"k", args.k},
                {"train_rows", holdout.train.size()},
                {"test_rows", holdout.test.size()},
                {"cold_test_rows", sets.cold_test_rows},
                {"users", num_users},
                {"items", num_items}};
  if (has_time(holdout.cutoff)) setup["cutoff"] = holdout.cutoff;
  if (holdout_options.split_file) setup["split_file"] = holdout_options.split_file->string();
  out["setup"] = setup;
  spdlog::info("{} holdout: {} train rows, {} test rows ({} on cold items)", holdout.protocol,
               holdout.train.size(), holdout.test.size(), sets.cold_test_rows);

  for (const std::string& method : methods) {
    const auto start = std::chrono::steady_clock::now();
    ItemLists ranked;
    std::optional<AccuracyMetrics> cold_only;
    if (method == "two_tower") {
      TwoTowerLists lists = two_tower_lists(args, dataset, holdout, sets);
      ranked = std::move(lists.overall);
      cold_only = accuracy_at_k(lists.cold_only, sets.relevant_cold, args.k);
    } else if (method == "most_popular") {
      ranked = most_popular_top_k(sets.train_items, num_items, args.k);
    } else if (method == "item_knn") {
      ranked = item_knn_top_k(sets.train_items, num_items, args.k, {args.neighbours});
    } else {
      const EaseParams params{args.lambda, args.ease_max_items};
      if (std::string why = ease_refusal(num_items, params); !why.empty()) {
        spdlog::warn("ease skipped: {}", why);
        out[method] = {{"skipped", why}};
        continue;
      }
      ranked = ease_top_k(sets.train_items, num_items, args.k, params);
    }
    const MethodAccuracy accuracy = score_method(ranked, sets, args.k);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    spdlog::info("{}: recall@{} {:.4f} ({:.1f} s)", method, args.k, accuracy.overall.recall, seconds);
    out[method] = {{"overall", metrics_json(accuracy.overall, args.k)},
                   {"cold", metrics_json(accuracy.cold, args.k)}};
    if (cold_only) out[method]["cold_only"] = metrics_json(*cold_only, args.k);
    out[method]["seconds"] = seconds;
  }
  std::cout << out.dump(2) << '\n';
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
      "two_tower's \"cold_only\" ranks the cold items alone for those users.\n"
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
                 "Comma-separated: two_tower,most_popular,item_knn,ease (default: all; "
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
  return [args] { return run_evaluate(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("evaluate", "Accuracy of the model and baselines on a holdout (docs/metrics.md)",
             invr::cli::setup_evaluate);
