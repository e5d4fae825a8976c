// Small worlds and models for the simulator's tests: a generated world small
// enough to simulate in a fraction of a second, and a "precomputed" model
// whose embeddings are the world's own latent vectors (no LibTorch).
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "invr/model.h"
#include "invr/progress.h"
#include "invr/simulation.h"
#include "invr/synth.h"
#include "test_util.h"

namespace invr::test {

inline WorldParams tiny_world_params() {
  WorldParams p;
  p.users = 300;
  p.items = 160;
  p.publishers = 16;
  p.days = 4;
  p.dim = 8;
  p.impressions_per_user = 60;
  p.threads = 1;
  return p;
}

// Writes a precomputed model directory from the truth's vectors: the
// two-tower score is then the true affinity (before quality and bias).
inline void write_truth_model(const WorldTruth& truth, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::size_t dim = truth.dim;
  Matrix users(truth.n_users(), dim), items(truth.n_items(), dim);
  users.data = truth.user_interest;
  items.data = truth.item_topic;
  IdMap user_ids, item_ids;
  for (std::size_t u = 0; u < truth.n_users(); ++u) user_ids.add(synth_user_id(static_cast<Index>(u)));
  for (std::size_t i = 0; i < truth.n_items(); ++i) item_ids.add(synth_item_id(static_cast<Index>(i)));
  write_embeddings(dir / "user_embeddings.npy", users, user_ids);
  write_embeddings(dir / "item_embeddings.npy", items, item_ids);
  write_file(dir / "manifest.json",
             nlohmann::json{{"magic", "invr-model"}, {"format_version", 1},
                            {"kind", "precomputed"}, {"dim", dim}}
                 .dump());
}

// A simulation config small and fast enough for unit tests.
// Model settings that train in about a second on the tiny test data.
inline void use_small_model(ModelConfig& model, std::int64_t epochs) {
  model.dim = 8;
  model.embedding_dim = 8;
  model.hidden_dim = 16;
  model.epochs = epochs;
  model.batch_size = 64;
}

inline SimulationConfig tiny_config() {
  SimulationConfig config;
  config.params.days = 2;
  config.params.slate_size = 5;
  config.params.bootstrap_samples = 20;
  config.params.batch_size = 16;
  config.params.sufficient_impressions = 5;
  config.params.threads = 1;
  config.params.warmup_days = 0;  // the tests' scenarios start at S; SimWarmup tests the warm-up
  config.job.retrieval.top_users_per_item = 20;
  return config;
}

}  // namespace invr::test
