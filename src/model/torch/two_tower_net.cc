#include "model/torch/two_tower_net.h"

#include <cmath>

namespace invr::model {
namespace nn = torch::nn;
namespace F = torch::nn::functional;

TwoTowerNetImpl::TwoTowerNetImpl(const ModelConfig& config, std::int64_t num_items,
                                 std::int64_t num_producers)
    : dim_(config.dim),
      embedding_dim_(config.embedding_dim),
      history_length_(config.history_length),
      age_buckets_(config.age_buckets),
      attention_(config.pooling == "attention"),
      decay_rate_per_day_(std::log(2.0) / config.decay_half_life_days),
      normalize_(config.normalize) {
  const std::int64_t e = config.embedding_dim;
  const std::int64_t h = config.hidden_dim;
  // Row 0 of the id tables is the shared "unknown" id (see features.h).
  // The large tables get sparse gradients (see lazy_adam.h).
  item_embedding_ = register_module(
      "item_embedding", nn::Embedding(nn::EmbeddingOptions(num_items + 1, e).sparse(true)));
  producer_embedding_ = register_module(
      "producer_embedding",
      nn::Embedding(nn::EmbeddingOptions(num_producers + 1, e).sparse(true)));
  token_bag_ = register_module(
      "token_bag", nn::EmbeddingBag(nn::EmbeddingBagOptions(config.token_buckets, e)
                                        .mode(torch::kMean)
                                        .sparse(true)));
  age_embedding_ = register_module("age_embedding", nn::Embedding(config.age_buckets, e));
  item_mlp_ = register_module(
      "item_mlp", nn::Sequential(nn::Linear(4 * e, h), nn::ReLU(), nn::Linear(h, config.dim)));
  attention_key_ = register_module("attention_key", nn::Linear(e, e));
  attention_query_ = register_parameter("attention_query", torch::randn({e}) * 0.1);
  recency_bias_ = register_parameter("recency_bias", torch::zeros({config.history_length}));
  user_mlp_ = register_module(
      "user_mlp", nn::Sequential(nn::Linear(e + 1, h), nn::ReLU(), nn::Linear(h, config.dim)));
}

std::vector<torch::Tensor> TwoTowerNetImpl::sparse_parameters() const {
  return {item_embedding_->weight, producer_embedding_->weight, token_bag_->weight};
}

std::vector<torch::Tensor> TwoTowerNetImpl::dense_parameters() const {
  std::vector<torch::Tensor> dense;
  const auto sparse = sparse_parameters();
  for (const auto& p : parameters()) {
    bool is_sparse = false;
    for (const auto& s : sparse) is_sparse = is_sparse || p.is_same(s);
    if (!is_sparse) dense.push_back(p);
  }
  return dense;
}

torch::Tensor TwoTowerNetImpl::finish(const torch::Tensor& x) const {
  return normalize_ ? F::normalize(x, F::NormalizeFuncOptions().dim(1)) : x;
}

torch::Tensor TwoTowerNetImpl::item_id_vectors(const torch::Tensor& item) {
  return item_embedding_->forward(item);
}

torch::Tensor TwoTowerNetImpl::item_tower(const torch::Tensor& id_vectors,
                                          const torch::Tensor& producer,
                                          const torch::Tensor& tokens,
                                          const torch::Tensor& token_offsets,
                                          const torch::Tensor& age_days) {
  // Bucket 0 = unknown age; then 1 + floor(log2(1 + days)), capped.
  const torch::Tensor known_bucket =
      (torch::floor(torch::log2(1.0 + age_days.clamp_min(0))) + 1)
          .clamp(1, static_cast<double>(age_buckets_ - 1))
          .to(torch::kLong);
  const torch::Tensor bucket = torch::where(age_days < 0, torch::zeros_like(known_bucket),
                                            known_bucket);
  const torch::Tensor features = torch::cat(
      {id_vectors, producer_embedding_->forward(producer), token_bag_->forward(tokens, token_offsets),
       age_embedding_->forward(bucket)},
      1);
  return finish(item_mlp_->forward(features));
}

torch::Tensor TwoTowerNetImpl::user_tower(const torch::Tensor& history, const torch::Tensor& mask,
                                          const torch::Tensor& age_days) {
  const std::int64_t length = history.size(1);
  TORCH_CHECK(length <= history_length_, "history longer than the model's history_length");
  const torch::Tensor vectors = item_embedding_->forward(history);  // [B, L, E]
  torch::Tensor scores;
  if (attention_) {
    scores = torch::matmul(torch::tanh(attention_key_->forward(vectors)), attention_query_) +
             recency_bias_.slice(0, 0, length);
  } else {
    scores = age_days * static_cast<float>(-decay_rate_per_day_);
  }
  // Masked softmax; an empty history gets all-zero weights, hence a zero pool.
  const torch::Tensor weights =
      torch::softmax(scores.masked_fill(mask == 0, -1e9), 1) * mask;  // [B, L]
  const torch::Tensor pooled = torch::bmm(weights.unsqueeze(1), vectors).squeeze(1);  // [B, E]
  const torch::Tensor count = torch::log1p(mask.sum(1, /*keepdim=*/true));
  return finish(user_mlp_->forward(torch::cat({pooled, count}, 1)));
}

torch::Tensor to_tensor(const std::vector<std::int64_t>& values) {
  return torch::tensor(torch::ArrayRef<std::int64_t>(values), torch::kLong);
}

torch::Tensor to_tensor(const std::vector<float>& values) {
  return torch::tensor(torch::ArrayRef<float>(values), torch::kFloat);
}

ItemTensors to_tensors(const ItemInputs& inputs) {
  return {to_tensor(inputs.item), to_tensor(inputs.producer), to_tensor(inputs.tokens),
          to_tensor(inputs.token_offsets), to_tensor(inputs.age_days)};
}

UserTensors to_tensors(const UserInputs& inputs) {
  const auto b = static_cast<std::int64_t>(inputs.size());
  const std::int64_t l = inputs.length;
  return {to_tensor(inputs.history).view({b, l}), to_tensor(inputs.mask).view({b, l}),
          to_tensor(inputs.age_days).view({b, l})};
}

std::vector<float> to_vector(const torch::Tensor& matrix) {
  const torch::Tensor contiguous = matrix.to(torch::kFloat).contiguous();
  const float* data = contiguous.data_ptr<float>();
  return std::vector<float>(data, data + contiguous.numel());
}

}  // namespace invr::model
