// Training the two-tower model (docs/model.md has the full recipe).
//
// Examples are the dataset's positive events (is_positive) in time order; a
// user's history for an event is their previous positives. The loss is an
// in-batch sampled softmax over the batch's positive items with the log-Q
// popularity correction of Yi et al. (RecSys 2019): each candidate's logit
// loses log(its share of training positives). Adam optimises it.
//
// The latest `validation_fraction` of positives (temporal_split) is held out;
// after each epoch Recall@eval_k over all items, with items the user already
// had excluded, decides early stopping, and the best epoch's weights are the
// model. Every epoch writes a checkpoint under OUT/checkpoint so a stopped run
// can resume. With threads = 1 the result is a pure function of the data and
// the config (seed included).
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <vector>

#include "invr/data.h"
#include "invr/model.h"
#include "invr/model_config.h"

namespace invr {

struct TrainOptions {
  std::filesystem::path out_dir;  // the model directory to write (created)
  // Continue from out_dir/checkpoint: the checkpoint's config is used, except
  // `epochs` and `threads`, which come from the config passed in.
  bool resume = false;
  // Start from this model directory's weights instead of random ones
  // (incremental retraining). It must have the same model shape settings
  // and list the dataset's users, items and producers in the same order;
  // UsageError otherwise. Ignored with `resume`.
  std::filesystem::path warm_start;
  bool progress = true;  // invr::Progress per epoch (honours Progress::enabled())
};

struct EpochReport {
  int epoch = 0;  // 1-based
  double loss = 0;  // mean training loss over the epoch
  double recall = 0;  // validation Recall@eval_k; 0 without validation
  double examples_per_second = 0;
  double seconds = 0;
};

struct TrainReport {
  std::size_t train_examples = 0;
  std::size_t validation_users = 0;
  double validation_cutoff = 0;    // kNoTime without validation
  double popularity_recall = 0;    // Recall@eval_k of "most popular unseen items"
  std::vector<EpochReport> epochs;  // every epoch run, resumed ones included
  int best_epoch = 0;               // whose weights the model holds
  double best_recall = 0;
};

struct TrainResult {
  TrainReport report;
  std::unique_ptr<TwoTowerModel> model;  // the model as written to out_dir
};

// Throws UsageError on a bad config or a dataset without positive events.
TrainResult train_two_tower(const Dataset& dataset, const ModelConfig& config,
                            const TrainOptions& options);

// Implicit ALS (docs/model.md, "The als kind"; torch-free): the same
// validation rows as the two-tower, config.als_iterations sweeps, Recall@
// eval_k on the validation rows once at the end (report.best_recall; one
// EpochReport per sweep). Writes a model directory of kind "als". `resume`
// and `warm_start` do not apply (it trains from scratch, with a warning).
// Deterministic for the data and the settings, whatever `threads`.
TrainResult train_als(const Dataset& dataset, const ModelConfig& config,
                      const TrainOptions& options);

// The model config.kind names: train_two_tower ("two-tower") or train_als ("als").
TrainResult train_model(const Dataset& dataset, const ModelConfig& config,
                        const TrainOptions& options);

}  // namespace invr
