// Configuration of the two-tower model and its training, declared once
// (CONTRIBUTING.md, convention 4): model_config_specs() gives every field's
// name, default (the initialiser below), bounds and help text. The `invr
// train` flags, the config.toml a model directory carries and docs/model.md
// all follow that table, and a test checks they agree.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

#include "invr/settings.h"

namespace invr {

struct ModelConfig {
  // Which model `invr train` (train_model) trains: "two-tower" (the towers
  // below, LibTorch) or "als" (implicit ALS, torch-free; docs/model.md, "The
  // als kind": its factors are `dim`, and it reads the als_* settings, seed,
  // threads and the validation settings).
  std::string kind = "two-tower";
  // Towers.
  std::int64_t dim = 64;              // output embedding size d
  std::int64_t embedding_dim = 64;    // size of id, producer, token and age embeddings
  std::int64_t hidden_dim = 128;      // hidden layer of each tower's MLP
  std::int64_t history_length = 50;   // L: most recent positives a user tower reads
  std::string pooling = "attention";  // "attention" or "decay"
  double decay_half_life_days = 7;    // for pooling = "decay"
  std::int64_t token_buckets = 65536;  // B: tokens hash into B embedding rows
  std::int64_t age_buckets = 16;       // log2(days) buckets of item age, 0 = unknown
  bool normalize = true;               // L2-normalise both towers' outputs
  // Training.
  std::int64_t epochs = 10;
  std::int64_t batch_size = 512;
  double learning_rate = 1e-3;
  double weight_decay = 0;    // decoupled (AdamW) decay per step, × learning_rate
  double temperature = 0.05;  // logits = dot / temperature
  bool logq_correction = true;
  // Extra negatives per batch drawn uniformly from the items with training
  // positives (mixed negative sampling), shared by the batch's rows.
  std::int64_t uniform_negatives = 0;
  // Each training example's history: "before" = the user's positives before
  // it in time; "others" = a random sample of the user's other positives (a
  // set, for data whose order means nothing); "auto" = "others" exactly when
  // the data has no timestamps.
  std::string train_history = "auto";
  std::string cold_start = "random";  // "random" or "content"
  double id_dropout = 0.3;            // P(item id -> unknown id) when cold_start = "content"
  double validation_fraction = 0.1;   // share of positives held out; 0 = none
  // How the validation rows are chosen: "temporal" (one cutoff),
  // "user-temporal" (each user's latest rows), "random" (seeded), or "auto"
  // (temporal when the data has timestamps, else random).
  std::string validation_split = "auto";
  std::int64_t patience = 3;          // epochs without a better Recall@k before stopping
  std::int64_t eval_k = 20;
  std::int64_t max_validation_users = 5000;
  std::uint64_t seed = 42;
  std::int64_t threads = 0;  // 0 = LibTorch's default (all cores)
  // Implicit ALS (kind = "als"): confidence c = 1 + als_alpha · r for r
  // positive events on an item, L2 weight als_regularization, conjugate-
  // gradient steps per row and sweep, and the ridge regression that embeds
  // cold items from their content (producer and tokens hashed into
  // als_content_buckets features).
  double als_alpha = 3;
  double als_regularization = 10;
  std::int64_t als_iterations = 15;
  std::int64_t als_cg_steps = 3;
  std::int64_t als_content_buckets = 1024;
  double als_content_regularization = 10;
};

// One declared field (invr/settings.h): name (snake_case in TOML; the CLI
// flag is --kebab-case), help, inclusive bounds for numbers, allowed values
// for strings ("attention|decay"), the member it sets, and training_only
// (true: changes how a model is trained, not what it computes).
using ModelConfigSpec = Setting<ModelConfig>;
std::span<const ModelConfigSpec> model_config_specs();

// "--history-length" for "history_length".
std::string config_flag(const char* name);

// validation_split resolved for data with or without timestamps: "temporal",
// "user-temporal" or "random". `invr train` validates on these rows and
// `invr evaluate` holds the same ones out.
std::string validation_protocol(const ModelConfig& config, bool has_timestamps);

// Throws UsageError naming the flag if a value is out of bounds or not a choice.
void validate(const ModelConfig& config);

// Reads a TOML file of `name = value` pairs (any subset of the fields; the
// rest keep the values already in `config`). Unknown keys, wrong types and
// out-of-bounds values throw DataError naming the file, line and column.
void read_model_config(const std::filesystem::path& path, ModelConfig& config);

// Writes every field as TOML, atomically.
void write_model_config(const std::filesystem::path& path, const ModelConfig& config);

}  // namespace invr
