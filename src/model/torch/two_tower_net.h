// The two-tower network in LibTorch. Internal: only src/model/*.cc include
// this (it pulls in torch headers, which the rest of invr never sees).
//
//  item tower: [id emb | producer emb | mean of token-bucket embs | age-bucket emb]
//              -> Linear -> ReLU -> Linear -> d
//  user tower: history item-id embeddings (shared with the item tower) pooled by
//              attention (learned query + recency bias) or by time decay,
//              plus log(1 + history length) -> Linear -> ReLU -> Linear -> d
//  score = dot(user, item), both optionally L2-normalised.
// A user with no history pools to zeros, so the tower's output for it is a
// learned constant: the "new user" vector, trained on every user's first event.
#pragma once

#include <torch/torch.h>

#include "invr/model_config.h"
#include "model/core/features.h"

namespace invr::model {

class TwoTowerNetImpl : public torch::nn::Module {
 public:
  // num_items / num_producers: size of the model's id maps (row 0 = unknown).
  TwoTowerNetImpl(const ModelConfig& config, std::int64_t num_items, std::int64_t num_producers);

  // [B, E] id embeddings for item input ids.
  torch::Tensor item_id_vectors(const torch::Tensor& item);
  // The item tower on given id vectors, so callers can swap in other vectors
  // (a random vector for an item the model never saw).
  torch::Tensor item_tower(const torch::Tensor& id_vectors, const torch::Tensor& producer,
                           const torch::Tensor& tokens, const torch::Tensor& token_offsets,
                           const torch::Tensor& age_days);
  torch::Tensor user_tower(const torch::Tensor& history, const torch::Tensor& mask,
                           const torch::Tensor& age_days);

  // The id and token tables, whose gradients are sparse, and everything else.
  std::vector<torch::Tensor> sparse_parameters() const;
  std::vector<torch::Tensor> dense_parameters() const;

  std::int64_t embedding_dim() const { return embedding_dim_; }
  std::int64_t dim() const { return dim_; }

 private:
  torch::Tensor finish(const torch::Tensor& x) const;

  std::int64_t dim_;
  std::int64_t embedding_dim_;
  std::int64_t history_length_;
  std::int64_t age_buckets_;
  bool attention_;
  double decay_rate_per_day_;
  bool normalize_;
  torch::nn::Embedding item_embedding_{nullptr};
  torch::nn::Embedding producer_embedding_{nullptr};
  torch::nn::EmbeddingBag token_bag_{nullptr};
  torch::nn::Embedding age_embedding_{nullptr};
  torch::nn::Sequential item_mlp_{nullptr};
  torch::nn::Linear attention_key_{nullptr};
  torch::Tensor attention_query_;
  torch::Tensor recency_bias_;
  torch::nn::Sequential user_mlp_{nullptr};
};
TORCH_MODULE(TwoTowerNet);

// Plain vectors to tensors (copies, so the tensors own their memory).
torch::Tensor to_tensor(const std::vector<std::int64_t>& values);
torch::Tensor to_tensor(const std::vector<float>& values);
struct ItemTensors {
  torch::Tensor item, producer, tokens, token_offsets, age_days;
};
ItemTensors to_tensors(const ItemInputs& inputs);
struct UserTensors {
  torch::Tensor history, mask, age_days;
};
UserTensors to_tensors(const UserInputs& inputs);

// A [rows, cols] float tensor's contents, row-major.
std::vector<float> to_vector(const torch::Tensor& matrix);

}  // namespace invr::model
