// train_als: implicit ALS as `invr train --kind als` runs it (docs/model.md,
// "The als kind"). The validation rows are those the two-tower would hold
// out (prepare_training_data), so `invr evaluate --model` tests on rows the
// model never saw; Recall@eval_k on them is measured once, after training.
#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/evaluate.h"
#include "invr/log.h"
#include "invr/model_train.h"
#include "invr/progress.h"
#include "invr/retrieval.h"
#include "invr/split.h"
#include "model/als_model.h"
#include "model/core/als_content.h"
#include "model/core/als_train.h"
#include "model/core/training_data.h"

namespace invr::model {
namespace {
using Clock = std::chrono::steady_clock;

// Recall@k of the validation users' vectors over all items, their training
// items excluded (the two-tower's validation protocol).
double validation_recall(const ValidationSet& validation, const Matrix& user_vectors,
                         const Matrix& items, std::size_t k) {
  if (validation.empty() || items.rows == 0) return 0;
  const std::size_t d = items.cols;
  const std::size_t n = validation.users.size();
  Matrix queries(n, d);
  std::size_t most_seen = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const auto row = user_vectors.row(static_cast<std::size_t>(validation.users[r]));
    std::copy(row.begin(), row.end(), queries.row(r).begin());
    most_seen = std::max(most_seen, validation.seen.list(r).size());
  }
  const std::size_t width = std::min(items.rows, k + most_seen);
  std::vector<float> scores(n * width);
  std::vector<RowId> ids(n * width, kNoRow);
  exact_search({queries.data.data(), static_cast<std::int64_t>(n), static_cast<std::int64_t>(d)},
               {items.data.data(), static_cast<std::int64_t>(items.rows), static_cast<std::int64_t>(d)},
               static_cast<int>(width), scores.data(), ids.data());
  std::vector<Index> rows(n);
  for (std::size_t r = 0; r < n; ++r) rows[r] = static_cast<Index>(r);
  const ItemLists ranked = unseen_top_k(ids, width, rows, validation.seen, k);
  return accuracy_at_k(ranked, validation.relevant, k).recall;
}

// The mean factors of the users with training positives: their average
// score for an item tracks how many of them like it, so a user without
// history is shown what people in general take (the two-tower's new user).
std::vector<float> mean_user(const Matrix& users, const CountMatrix& counts) {
  std::vector<double> sum(users.cols, 0.0);
  std::size_t active = 0;
  for (std::size_t u = 0; u < users.rows; ++u) {
    if (counts.offsets[u] == counts.offsets[u + 1]) continue;
    ++active;
    const auto row = users.row(u);
    for (std::size_t k = 0; k < users.cols; ++k) sum[k] += row[k];
  }
  std::vector<float> mean(users.cols, 0.0f);
  for (std::size_t k = 0; k < users.cols && active > 0; ++k)
    mean[k] = static_cast<float>(sum[k] / static_cast<double>(active));
  return mean;
}
}  // namespace

AlsTraining fit_als(const Dataset& dataset, const ModelConfig& given, bool show_progress) {
  validate(given);
  ModelConfig config = given;
  config.kind = "als";
  const TrainingData data = prepare_training_data(dataset, config);
  if (data.histories.item.empty())
    throw UsageError("als: the dataset has no positive events to train on");
  const CountMatrix counts = count_matrix(data.histories, dataset.items.size());

  AlsTraining training;
  TrainReport& report = training.report;
  report.train_examples = data.histories.item.size();
  report.validation_users = data.validation.users.size();
  report.validation_cutoff = data.validation.cutoff;
  const auto k = static_cast<std::size_t>(config.eval_k);
  report.popularity_recall = popularity_recall(data, k);
  invr::logger().info("als: {} users × {} items, {} (user, item) pairs from {} positives; d = {}",
                      counts.rows, counts.cols, counts.nnz(), report.train_examples, config.dim);

  std::unique_ptr<Progress> progress;
  if (show_progress && Progress::enabled())
    progress = std::make_unique<Progress>("als sweeps", static_cast<std::uint64_t>(config.als_iterations));
  auto sweep_start = Clock::now();
  const AlsFactors factors = train_als_factors(counts, config, [&](int sweep) {
    const auto now = Clock::now();
    EpochReport epoch;
    epoch.epoch = sweep;
    epoch.seconds = std::chrono::duration<double>(now - sweep_start).count();
    epoch.examples_per_second = static_cast<double>(report.train_examples) / std::max(1e-9, epoch.seconds);
    report.epochs.push_back(epoch);
    sweep_start = now;
    if (progress) progress->add(1);
  });
  if (progress) progress->finish();

  AlsParts& parts = training.parts;
  parts.config = config;
  std::vector<Index> warm;
  for (std::size_t i = 0; i < counts.cols; ++i)
    if (data.item_count[i] > 0) warm.push_back(static_cast<Index>(i));
  parts.item_factors = Matrix(warm.size(), factors.items.cols);
  for (std::size_t w = 0; w < warm.size(); ++w) {
    parts.items.add(dataset.items.id(warm[w]));
    const auto row = factors.items.row(static_cast<std::size_t>(warm[w]));
    std::copy(row.begin(), row.end(), parts.item_factors.row(w).begin());
  }
  const ContentFeatures features =
      content_features(dataset, static_cast<std::size_t>(config.als_content_buckets));
  parts.content_weights = fit_content_regression(features, warm, parts.item_factors,
                                                 config.als_content_regularization);
  parts.new_user = mean_user(factors.users, counts);

  if (!data.validation.empty()) {
    // Users folded in from their training positives, as `invr evaluate` and
    // the server embed them, so this is the recall of the model as served.
    Dataset train_view = with_interactions(dataset, Interactions{});
    for (std::size_t u = 0; u < data.histories.users(); ++u)
      for (std::size_t n = data.histories.offsets[u]; n < data.histories.offsets[u + 1]; ++n)
        train_view.interactions.push_back(static_cast<Index>(u), data.histories.item[n],
                                          data.histories.time[n], EventType::click, 1.0f);
    EmbedOptions embed;
    embed.as_of = data.validation.reference_time;
    const auto model = make_als_model(parts);
    const Matrix items = model->embed_items(dataset, embed);
    report.best_recall =
        validation_recall(data.validation, model->embed_users(train_view, {}), items, k);
    invr::logger().info("als: validation recall@{} {:.4f} (most popular {:.4f})", k, report.best_recall,
                        report.popularity_recall);
  }
  report.best_epoch = static_cast<int>(config.als_iterations);
  if (!report.epochs.empty()) report.epochs.back().recall = report.best_recall;
  training.info = {{"train_examples", report.train_examples},
                   {"validation_users", report.validation_users},
                   {"recall", report.best_recall},
                   {"popularity_recall", report.popularity_recall},
                   {"warm_items", warm.size()}};
  return training;
}
}  // namespace invr::model

namespace invr {

TrainResult train_als(const Dataset& dataset, const ModelConfig& config, const TrainOptions& options) {
  if (options.resume || !options.warm_start.empty())
    invr::logger().warn("als: --resume and warm starts do not apply; training from scratch");
  model::AlsTraining training = model::fit_als(dataset, config, options.progress);
  model::save_als_model(options.out_dir, training.parts, training.info);
  TrainResult result;
  result.report = std::move(training.report);
  result.model = model::make_als_model(std::move(training.parts));
  return result;
}

}  // namespace invr
