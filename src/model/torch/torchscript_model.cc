// The "torchscript" model kind: bring-your-own towers. user_tower.pt and
// item_tower.pt are TorchScript modules whose forward() takes the tower
// inputs of features.h (docs/model.md, "Bring your own model"); invr builds
// the inputs exactly as for its own network, so only the towers differ.
#include <torch/script.h>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/model_config.h"
#include "model/core/features.h"
#include "model/torch/plugin.h"
#include "model/core/model_files.h"
#include "model/torch/two_tower_net.h"

namespace invr::model {
namespace fs = std::filesystem;

namespace {
const char* kUserTower = "user_tower.pt";
const char* kItemTower = "item_tower.pt";
const char* kUserSignature =
    "(history: int64[B, L], mask: float32[B, L], age_days: float32[B, L]) -> float32[B, d]";
const char* kItemSignature =
    "(item: int64[B], producer: int64[B], tokens: int64[T], token_offsets: int64[B], "
    "age_days: float32[B]) -> float32[B, d]";
constexpr std::size_t kEmbedBatch = 4096;

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

torch::jit::Module load_tower(const fs::path& path, std::size_t inputs, const char* signature) {
  torch::jit::Module module;
  try {
    module = torch::jit::load(path.string());
  } catch (const c10::Error& e) {
    throw DataError(path.string(), 0, 0,
                    "not a TorchScript module: " + first_line(e.what_without_backtrace()));
  }
  module.eval();
  const auto method = module.find_method("forward");
  if (!method) throw DataError(path.string(), 0, 0, fmt::format("has no forward{}", signature));
  const auto& arguments = method->function().getSchema().arguments();
  // arguments[0] is self.
  bool all_tensors = arguments.size() == inputs + 1;
  for (std::size_t a = 1; all_tensors && a < arguments.size(); ++a)
    all_tensors = arguments[a].type()->kind() == c10::TypeKind::TensorType;
  if (!all_tensors) {
    std::string got;
    for (std::size_t a = 1; a < arguments.size(); ++a)
      got += (a > 1 ? ", " : "") + arguments[a].name() + ": " + arguments[a].type()->str();
    throw DataError(path.string(), 0, 0,
                    fmt::format("forward({}) has the wrong signature; expected forward{}", got,
                                signature));
  }
  return module;
}

torch::Tensor run(torch::jit::Module& module, std::vector<torch::jit::IValue> inputs,
                  std::int64_t rows, const fs::path& path, const char* signature) {
  torch::jit::IValue output;
  try {
    output = module.forward(std::move(inputs));
  } catch (const std::exception& e) {
    throw DataError(path.string(), 0, 0,
                    fmt::format("forward{} failed: {}", signature, first_line(e.what())));
  }
  if (!output.isTensor() || output.toTensor().dim() != 2 || output.toTensor().size(0) != rows ||
      output.toTensor().scalar_type() != torch::kFloat)
    throw DataError(path.string(), 0, 0,
                    fmt::format("forward must return a float32 [B, d] tensor with B = {}", rows));
  return output.toTensor();
}

class TorchScriptModel final : public TwoTowerModel {
 public:
  TorchScriptModel(const fs::path& dir, const Manifest& manifest) : dir_(dir) {
    if (fs::exists(dir / "config.toml")) read_model_config(checked_file(dir, manifest, "config.toml"), config_);
    items_ = read_id_file(checked_file(dir, manifest, "items.txt"));
    producers_ = read_id_file(checked_file(dir, manifest, "producers.txt"));
    if (fs::exists(dir / "item_counts.txt"))
      item_count_ = read_counts(checked_file(dir, manifest, "item_counts.txt"), items_.size());
    user_tower_ = load_tower(checked_file(dir, manifest, kUserTower), 3, kUserSignature);
    item_tower_ = load_tower(checked_file(dir, manifest, kItemTower), 5, kItemSignature);
    // A two-row trial batch: one empty history, one with an unknown-age item.
    torch::NoGradGuard no_grad;
    const std::int64_t l = config_.history_length;
    const auto user_dim =
        users({torch::zeros({2, l}, torch::kLong), torch::zeros({2, l}), torch::zeros({2, l})}, 2)
            .size(1);
    const auto item_dim = items({torch::zeros({2}, torch::kLong), torch::zeros({2}, torch::kLong),
                                 torch::zeros({1}, torch::kLong), torch::tensor({0, 1}, torch::kLong),
                                 torch::tensor({-1.0f, 3.0f})},
                                2)
                              .size(1);
    if (user_dim != item_dim)
      throw DataError((dir / kItemTower).string(), 0, 0,
                      fmt::format("returns d = {} but {} returns d = {}", item_dim, kUserTower,
                                  user_dim));
    if (manifest.dim != 0 && manifest.dim != static_cast<std::size_t>(item_dim))
      throw DataError((dir / kManifestFile).string(), 0, 0,
                      fmt::format("says dim {} but the towers return {}", manifest.dim, item_dim));
    dim_ = static_cast<std::size_t>(item_dim);
  }

  std::string kind() const override { return "torchscript"; }
  std::size_t dim() const override { return dim_; }

  Matrix embed_items(const Dataset& dataset, const EmbedOptions& options) const override {
    const ItemCatalog catalog = make_item_catalog(dataset, items_, producers_, config_.token_buckets);
    const double as_of = has_time(options.as_of) ? options.as_of : latest_timestamp(dataset);
    const bool content = options.cold_start.value_or(ColdStart::random) == ColdStart::content;
    torch::NoGradGuard no_grad;
    Matrix out(catalog.size(), dim_);
    for (std::size_t begin = 0; begin < catalog.size(); begin += kEmbedBatch) {
      const std::size_t end = std::min(catalog.size(), begin + kEmbedBatch);
      std::vector<Index> rows(end - begin);
      for (std::size_t i = begin; i < end; ++i) rows[i - begin] = static_cast<Index>(i);
      ItemInputs inputs = item_inputs(catalog, rows, std::vector<double>(rows.size(), as_of));
      // Content cold start needs counts to know which items are cold.
      if (content && !item_count_.empty())
        for (auto& id : inputs.item)
          if (id != 0 && item_count_[static_cast<std::size_t>(id - 1)] == 0) id = 0;
      const ItemTensors t = to_tensors(inputs);
      const auto result =
          items({t.item, t.producer, t.tokens, t.token_offsets, t.age_days}, t.item.size(0));
      const auto values = to_vector(result);
      std::copy(values.begin(), values.end(), out.data.begin() + static_cast<std::ptrdiff_t>(begin * dim_));
    }
    return out;
  }

  Matrix embed_users(const Dataset& dataset, const EmbedOptions& options) const override {
    const ItemCatalog catalog = make_item_catalog(dataset, items_, producers_, config_.token_buckets);
    const UserHistories histories = user_histories(dataset.interactions, dataset.users.size());
    const double reference = has_time(options.as_of) ? options.as_of : latest_timestamp(dataset);
    torch::NoGradGuard no_grad;
    Matrix out(dataset.users.size(), dim_);
    for (std::size_t begin = 0; begin < out.rows; begin += kEmbedBatch) {
      const std::size_t end = std::min(out.rows, begin + kEmbedBatch);
      UserInputs inputs;
      inputs.length = config_.history_length;
      for (std::size_t u = begin; u < end; ++u) {
        const auto user = static_cast<Index>(u);
        append_history(inputs, histories, user, histories.count_before(user, options.as_of),
                       reference, catalog.input_id);
      }
      const UserTensors t = to_tensors(inputs);
      const auto values = to_vector(users({t.history, t.mask, t.age_days}, t.history.size(0)));
      std::copy(values.begin(), values.end(), out.data.begin() + static_cast<std::ptrdiff_t>(begin * dim_));
    }
    return out;
  }

 private:
  torch::Tensor users(std::vector<torch::jit::IValue> inputs, std::int64_t rows) const {
    return run(user_tower_, std::move(inputs), rows, dir_ / kUserTower, kUserSignature);
  }
  torch::Tensor items(std::vector<torch::jit::IValue> inputs, std::int64_t rows) const {
    return run(item_tower_, std::move(inputs), rows, dir_ / kItemTower, kItemSignature);
  }

  fs::path dir_;
  ModelConfig config_;
  IdMap items_;
  IdMap producers_;
  std::vector<std::uint64_t> item_count_;
  // forward() does not change a module in eval mode; the API is just not const.
  mutable torch::jit::Module user_tower_;
  mutable torch::jit::Module item_tower_;
  std::size_t dim_ = 0;
};
}  // namespace

std::unique_ptr<TwoTowerModel> load_torchscript_model(const fs::path& dir,
                                                      const Manifest& manifest) {
  return std::make_unique<TorchScriptModel>(dir, manifest);
}

}  // namespace invr::model
