// Adam for embedding tables with sparse gradients: only the rows a batch
// touched are updated, with per-row moments and a global step for bias
// correction (the rule of PyTorch's SparseAdam). Dense Adam would rewrite
// every row of a million-item table on every batch; this costs what the batch
// touches. Internal (LibTorch types).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <vector>

#include <torch/torch.h>

namespace invr::model {

class LazyAdam {
 public:
  // weight_decay: decoupled (AdamW) decay of the touched rows, each step.
  LazyAdam(std::vector<torch::Tensor> parameters, double learning_rate, double weight_decay = 0,
           double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8);

  // Drops the gradients (sparse gradients are rebuilt by every backward).
  void zero_grad();
  // Applies the parameters' sparse gradients.
  void step();

  // The moments and step count, written through writer (torch_file.h);
  // load expects the same parameter shapes.
  void save(const std::function<std::size_t(const void*, std::size_t)>& writer) const;
  void load(const std::filesystem::path& path);

 private:
  std::vector<torch::Tensor> parameters_;
  std::vector<torch::Tensor> first_moment_;
  std::vector<torch::Tensor> second_moment_;
  std::int64_t steps_ = 0;
  double learning_rate_, weight_decay_, beta1_, beta2_, epsilon_;
};

}  // namespace invr::model
