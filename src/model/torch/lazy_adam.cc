#include "model/torch/lazy_adam.h"

#include <cmath>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr::model {

LazyAdam::LazyAdam(std::vector<torch::Tensor> parameters, double learning_rate,
                   double weight_decay, double beta1, double beta2, double epsilon)
    : parameters_(std::move(parameters)),
      learning_rate_(learning_rate),
      weight_decay_(weight_decay),
      beta1_(beta1),
      beta2_(beta2),
      epsilon_(epsilon) {
  for (const auto& p : parameters_) {
    first_moment_.push_back(torch::zeros_like(p));
    second_moment_.push_back(torch::zeros_like(p));
  }
}

void LazyAdam::zero_grad() {
  for (auto& p : parameters_) p.mutable_grad() = torch::Tensor();
}

void LazyAdam::step() {
  torch::NoGradGuard no_grad;
  ++steps_;
  const double correction1 = 1.0 - std::pow(beta1_, static_cast<double>(steps_));
  const double correction2 = 1.0 - std::pow(beta2_, static_cast<double>(steps_));
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    torch::Tensor& p = parameters_[i];
    if (!p.grad().defined()) continue;
    INVR_CHECK(p.grad().is_sparse());
    // Coalescing sums the rows a table was hit at several times.
    const torch::Tensor grad = p.grad().coalesce();
    const torch::Tensor rows = grad.indices()[0];
    const torch::Tensor values = grad.values();
    const torch::Tensor m =
        first_moment_[i].index_select(0, rows).mul_(beta1_).add_(values, 1.0 - beta1_);
    const torch::Tensor v = second_moment_[i]
                                .index_select(0, rows)
                                .mul_(beta2_)
                                .addcmul_(values, values, 1.0 - beta2_);
    first_moment_[i].index_copy_(0, rows, m);
    second_moment_[i].index_copy_(0, rows, v);
    const torch::Tensor denominator = (v / correction2).sqrt_().add_(epsilon_);
    // Decoupled decay (AdamW): rows a batch never touches are not decayed,
    // so a cold item's random vector keeps its scale.
    if (weight_decay_ > 0)
      p.index_add_(0, rows, p.index_select(0, rows).mul_(-learning_rate_ * weight_decay_));
    p.index_add_(0, rows, (m / correction1).div_(denominator).mul_(-learning_rate_));
  }
}

void LazyAdam::save(const std::function<std::size_t(const void*, std::size_t)>& writer) const {
  std::vector<torch::Tensor> state = first_moment_;
  state.insert(state.end(), second_moment_.begin(), second_moment_.end());
  state.push_back(torch::tensor({steps_}, torch::kLong));
  torch::save(state, writer);
}

void LazyAdam::load(const std::filesystem::path& path) {
  std::vector<torch::Tensor> state;
  try {
    torch::load(state, path.string());
  } catch (const c10::Error&) {
    throw DataError(path.string(), 0, 0, "cannot read the optimizer state");
  }
  const std::size_t n = parameters_.size();
  bool fits = state.size() == 2 * n + 1;
  for (std::size_t i = 0; fits && i < n; ++i)
    fits = state[i].sizes() == parameters_[i].sizes() &&
           state[n + i].sizes() == parameters_[i].sizes();
  if (!fits) throw DataError(path.string(), 0, 0, "optimizer state does not fit the model");
  first_moment_.assign(state.begin(), state.begin() + static_cast<std::ptrdiff_t>(n));
  second_moment_.assign(state.begin() + static_cast<std::ptrdiff_t>(n),
                        state.begin() + static_cast<std::ptrdiff_t>(2 * n));
  steps_ = state.back().item<std::int64_t>();
}

}  // namespace invr::model
