// `invr evaluate` as a library call (model.h, "Offline evaluation"): the
// holdout the model's own validation implies, the two-tower lists by exact
// top-k over its embeddings, and the baselines, all scored by evaluate.h.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/log.h"
#include "invr/model.h"
#include "invr/model_config.h"
#include "invr/retrieval.h"
#include "invr/split.h"
#include "model/als_model.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

// Checks options before any work: k, and each method's name and needs.
std::vector<std::string> methods_to_run(const EvaluationOptions& options) {
  if (options.k < 1) throw UsageError("--k must be at least 1");
  const auto known_begin = std::begin(kEvaluationMethods);
  const auto known_end = std::end(kEvaluationMethods);
  if (options.methods.empty())
    return std::vector<std::string>(known_begin + (options.model_dir.empty() ? 1 : 0), known_end);
  for (const std::string& m : options.methods)
    if (std::find(known_begin, known_end, m) == known_end)
      throw UsageError(fmt::format("--methods: unknown method '{}' (expected two_tower, als, "
                                   "most_popular, item_knn or ease)", m));
  if (std::find(options.methods.begin(), options.methods.end(), "two_tower") !=
          options.methods.end() &&
      options.model_dir.empty())
    throw UsageError("--methods two_tower needs --model MODEL_DIR");
  return options.methods;
}

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

// Implicit ALS trained on the holdout's training rows, in memory: like the
// baselines, it learns from every row the holdout lets it see.
std::unique_ptr<TwoTowerModel> als_on_holdout(ModelConfig config, const Dataset& dataset,
                                              const Holdout& holdout) {
  config.kind = "als";
  config.validation_fraction = 0;
  model::AlsTraining trained = model::fit_als(with_interactions(dataset, holdout.train), config, false);
  return model::make_als_model(std::move(trained.parts));
}

// The name the model directory's row is reported under: "als" for an als
// directory (another algorithm, which has a method of its own), else
// "two_tower" (trained towers, TorchScript towers or precomputed embeddings).
std::string model_label(const TwoTowerModel& model) { return model.kind() == "als" ? "als" : "two_tower"; }

}  // namespace

MethodEvaluation evaluate_method(const std::string& method, const EvaluationOptions& options,
                                 const Dataset& dataset, const Holdout& holdout,
                                 const EvaluationSets& sets) {
  const auto start = std::chrono::steady_clock::now();
  const std::size_t num_items = dataset.items.size();
  MethodEvaluation result;
  result.method = method;
  ItemLists ranked;
  if (method == "two_tower" || method == "als") {
    const auto model = method == "als" ? als_on_holdout(options.als, dataset, holdout)
                                       : TwoTowerModel::load(options.model_dir);
    if (method == "two_tower") result.method = model_label(*model);
    TwoTowerLists lists = two_tower_lists(*model, dataset, holdout, sets, options.k);
    ranked = std::move(lists.overall);
    result.cold_only = accuracy_at_k(lists.cold_only, sets.relevant_cold, options.k);
  } else if (method == "most_popular") {
    ranked = most_popular_top_k(sets.train_items, num_items, options.k);
  } else if (method == "item_knn") {
    ranked = item_knn_top_k(sets.train_items, num_items, options.k, options.item_knn);
  } else {
    if (std::string why = ease_refusal(num_items, options.ease); !why.empty()) {
      invr::logger().warn("ease skipped: {}", why);
      result.skipped = std::move(why);
      return result;
    }
    ranked = ease_top_k(sets.train_items, num_items, options.k, options.ease);
  }
  result.accuracy = score_method(ranked, sets, options.k);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  invr::logger().info("{}: recall@{} {:.4f} ({:.1f} s)", result.method, options.k,
                      result.accuracy.overall.recall, result.seconds);
  return result;
}

HoldoutOptions evaluation_holdout_options(const Dataset& dataset, const EvaluationOptions& options) {
  HoldoutOptions holdout;
  holdout.split_file = options.split_file;
  if (options.test_fraction) holdout.test_fraction = *options.test_fraction;
  if (options.seed) holdout.seed = *options.seed;
  // The rows `invr train` validated on, so the test rows are ones the model
  // never trained on. A split file needs none of it.
  if (options.model_dir.empty() || holdout.split_file) return holdout;
  const fs::path config_path = options.model_dir / "config.toml";
  if (!fs::exists(config_path)) return holdout;
  ModelConfig config;
  read_model_config(config_path, config);
  if (config.validation_fraction <= 0) {
    invr::logger().warn("the model trained on all events (validation_fraction = 0): its test events "
                        "are not held out; using --test-fraction {}", holdout.test_fraction);
    return holdout;
  }
  const std::string protocol = validation_protocol(config, dataset.has_timestamps());
  holdout.per_user = protocol == "user-temporal";
  if (protocol == "temporal") {
    if (!options.test_fraction)
      holdout.cutoff = positive_cutoff(dataset.interactions, config.validation_fraction);
    return holdout;
  }
  if (!options.test_fraction) holdout.test_fraction = config.validation_fraction;
  if (!options.seed) holdout.seed = config.seed;
  return holdout;
}

TwoTowerLists two_tower_lists(const TwoTowerModel& model, const Dataset& dataset,
                              const Holdout& holdout, const EvaluationSets& sets, std::size_t k) {
  EmbedOptions options;
  options.as_of = holdout.cutoff;  // kNoTime (every event) for untimed data
  // Users embedded from training events only: test rows must not leak in.
  const Dataset train_view = with_interactions(dataset, holdout.train);
  const Matrix items = model.embed_items(train_view, options);
  const Matrix users = model.embed_users(train_view, options);
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
  const std::size_t width = std::min(items.rows, k + most_seen);
  lists.overall =
      unseen_top_k(search(users, evaluated, items, {}, width), width, evaluated, sets.train_items, k);

  // Nobody trained on a cold item, so there is nothing to drop.
  std::vector<Index> cold;
  for (std::size_t i = 0; i < sets.cold_item.size(); ++i)
    if (sets.cold_item[i]) cold.push_back(static_cast<Index>(i));
  const std::size_t cold_width = std::min(cold.size(), k);
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

EvaluationReport evaluate_methods(const Dataset& dataset, const EvaluationOptions& options) {
  const std::vector<std::string> methods = methods_to_run(options);
  EvaluationReport report;
  report.holdout_options = evaluation_holdout_options(dataset, options);
  const Holdout holdout = make_holdout(dataset, report.holdout_options);
  report.users = dataset.users.size();
  report.items = dataset.items.size();
  const EvaluationSets sets = evaluation_sets(holdout, report.users, report.items);
  report.protocol = holdout.protocol;
  report.cutoff = holdout.cutoff;
  report.train_rows = holdout.train.size();
  report.test_rows = holdout.test.size();
  report.cold_test_rows = sets.cold_test_rows;
  invr::logger().info("{} holdout: {} train rows, {} test rows ({} on cold items)", holdout.protocol,
                      holdout.train.size(), holdout.test.size(), sets.cold_test_rows);
  for (const std::string& method : methods) {
    report.methods.push_back(evaluate_method(method, options, dataset, holdout, sets));
    // An als model directory beside the als method would both be "als".
    std::string& label = report.methods.back().method;
    if (method == "two_tower" && label != method &&
        std::find(methods.begin(), methods.end(), label) != methods.end())
      label += "_model";
  }
  return report;
}

EvaluationReport evaluate_methods(const fs::path& data_dir, const std::string& name,
                                  const AtomicLoadOptions& load_options, EvaluationOptions options) {
  methods_to_run(options);  // bad options fail before the data loads
  const Dataset dataset = load_atomic(data_dir, name, load_options);
  if (!options.split_file) {
    const fs::path own_split = data_dir / ((name.empty() ? find_atomic_name(data_dir) : name) + ".split");
    if (fs::exists(own_split)) options.split_file = own_split;
  }
  return evaluate_methods(dataset, options);
}

}  // namespace invr
