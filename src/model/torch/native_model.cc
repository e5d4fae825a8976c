#include "model/torch/native_model.h"

#include <random>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/log.h"
#include "model/core/model_files.h"
#include "model/torch/plugin.h"
#include "model/torch/torch_file.h"

namespace invr::model {
namespace fs = std::filesystem;

namespace {
// Rows per forward pass when embedding: bounds memory, keeps GEMMs large.
constexpr std::size_t kEmbedBatch = 4096;

const char* kWeightsFile = "weights.pt";
const char* kConfigFile = "config.toml";
const char* kItemsFile = "items.txt";
const char* kProducersFile = "producers.txt";
const char* kUsersFile = "users.txt";
const char* kCountsFile = "item_counts.txt";

double resolve_as_of(const Dataset& dataset, const EmbedOptions& options) {
  return has_time(options.as_of) ? options.as_of : latest_timestamp(dataset);
}
}  // namespace

torch::Tensor embed_catalog(TwoTowerNet& net, const ItemCatalog& catalog, const IdMap& item_ids,
                            std::span<const std::uint64_t> item_count, ColdStart cold_start,
                            double as_of, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (std::size_t begin = 0; begin < catalog.size(); begin += kEmbedBatch) {
    const std::size_t end = std::min(catalog.size(), begin + kEmbedBatch);
    std::vector<Index> items(end - begin);
    for (std::size_t i = begin; i < end; ++i) items[i - begin] = static_cast<Index>(i);
    const std::vector<double> times(items.size(), as_of);
    ItemInputs inputs = item_inputs(catalog, items, times);
    // Random mode: a cold item is its id vector alone, as in the InvR paper
    // (no content: that is what content mode is for); items unknown to the
    // model get a seeded random id vector (random_rows).
    std::vector<std::size_t> random_rows, cold_rows;
    for (std::size_t b = 0; b < inputs.size(); ++b) {
      const std::int64_t id = inputs.item[b];
      const bool cold = id == 0 || item_count[static_cast<std::size_t>(id - 1)] == 0;
      if (!cold) continue;
      if (cold_start == ColdStart::content) {
        inputs.item[b] = 0;
        continue;
      }
      cold_rows.push_back(b);
      if (id == 0) random_rows.push_back(b);
    }
    strip_content(inputs, cold_rows);
    const ItemTensors t = to_tensors(inputs);
    torch::Tensor id_vectors = net->item_id_vectors(t.item);
    if (!random_rows.empty()) {
      id_vectors = id_vectors.clone();
      for (std::size_t b : random_rows) {
        std::mt19937_64 rng(fnv1a64(item_ids.id(items[b]), seed));
        std::normal_distribution<float> normal(0.0f, 1.0f);
        auto row = id_vectors[static_cast<std::int64_t>(b)];
        auto accessor = row.accessor<float, 1>();
        for (std::int64_t k = 0; k < accessor.size(0); ++k) accessor[k] = normal(rng);
      }
    }
    parts.push_back(net->item_tower(id_vectors, t.producer, t.tokens, t.token_offsets, t.age_days));
  }
  if (parts.empty()) return torch::zeros({0, net->dim()});
  return torch::cat(parts, 0);
}

torch::Tensor embed_histories(TwoTowerNet& net, const UserHistories& histories,
                              std::span<const Index> users, double cutoff,
                              double reference_time, std::span<const std::int64_t> item_input_id,
                              std::int64_t history_length) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  if (users.empty()) return torch::zeros({0, net->dim()});
  std::size_t begin = 0;
  do {
    const std::size_t end = std::min(users.size(), begin + kEmbedBatch);
    UserInputs inputs;
    inputs.length = history_length;
    for (std::size_t b = begin; b < end; ++b)
      append_history(inputs, histories, users[b], histories.count_before(users[b], cutoff),
                     reference_time, item_input_id);
    const UserTensors t = to_tensors(inputs);
    parts.push_back(net->user_tower(t.history, t.mask, t.age_days));
    begin = end;
  } while (begin < users.size());
  return torch::cat(parts, 0);
}

NativeModel::NativeModel(ModelConfig config, Vocabulary vocabulary, TwoTowerNet net)
    : config_(std::move(config)), vocabulary_(std::move(vocabulary)), net_(std::move(net)) {
  net_->eval();
}

Matrix NativeModel::embed_items(const Dataset& dataset, const EmbedOptions& options) const {
  const ColdStart mode = options.cold_start.value_or(*parse_cold_start(config_.cold_start));
  if (mode == ColdStart::content && config_.cold_start != "content")
    invr::logger().warn("embedding cold items by content with a model trained for cold_start = {}: "
                        "its unknown-id path was never trained",
                        config_.cold_start);
  const ItemCatalog catalog =
      make_item_catalog(dataset, vocabulary_.items, vocabulary_.producers, config_.token_buckets);
  const torch::Tensor result = embed_catalog(net_, catalog, dataset.items, vocabulary_.item_count,
                                             mode, resolve_as_of(dataset, options), config_.seed);
  Matrix matrix(dataset.items.size(), dim());
  matrix.data = to_vector(result);
  return matrix;
}

Matrix NativeModel::embed_users(const Dataset& dataset, const EmbedOptions& options) const {
  const ItemCatalog catalog =
      make_item_catalog(dataset, vocabulary_.items, vocabulary_.producers, config_.token_buckets);
  const UserHistories histories = user_histories(dataset.interactions, dataset.users.size());
  std::vector<Index> users(dataset.users.size());
  for (std::size_t u = 0; u < users.size(); ++u) users[u] = static_cast<Index>(u);
  // Without --as-of every event counts, and recency is measured from the last one.
  const torch::Tensor result =
      embed_histories(net_, histories, users, options.as_of, resolve_as_of(dataset, options),
                      catalog.input_id, config_.history_length);
  Matrix matrix(users.size(), dim());
  matrix.data = to_vector(result);
  return matrix;
}

void save_weights(TwoTowerNet& net, const fs::path& path) {
  // Through a writer function, so the archive's inner folder is "archive"
  // rather than the temporary file's name (the same weights give the same
  // bytes), and a failed write is an IoError rather than an abort.
  save_torch_file(path, "weights", [&](const TorchWriter& writer) { torch::save(net, writer); });
}

void load_weights(TwoTowerNet& net, const fs::path& path) {
  try {
    torch::load(net, path.string());
  } catch (const c10::Error& e) {
    std::string why = e.what_without_backtrace();
    why = why.substr(0, why.find('\n'));
    throw DataError(path.string(), 0, 0, "cannot read the weights: " + why);
  }
}

void save_model_dir(const fs::path& dir, const ModelConfig& config, const Vocabulary& vocabulary,
                    TwoTowerNet& net, const nlohmann::json& info) {
  fs::create_directories(dir);
  write_model_config(dir / kConfigFile, config);
  write_id_file(dir / kItemsFile, vocabulary.items);
  write_id_file(dir / kProducersFile, vocabulary.producers);
  write_id_file(dir / kUsersFile, vocabulary.users);
  write_counts(dir / kCountsFile, vocabulary.item_count);
  save_weights(net, dir / kWeightsFile);
  Manifest manifest;
  manifest.kind = "two-tower";
  manifest.dim = static_cast<std::size_t>(config.dim);
  manifest.info = info;
  write_manifest(dir, manifest,
                 {kConfigFile, kItemsFile, kProducersFile, kUsersFile, kCountsFile, kWeightsFile});
}

void NativeModel::save(const fs::path& dir, const nlohmann::json& info) const {
  save_model_dir(dir, config_, vocabulary_, net_, info);
}

std::unique_ptr<NativeModel> NativeModel::load(const fs::path& dir, const Manifest& manifest) {
  ModelConfig config;
  read_model_config(checked_file(dir, manifest, kConfigFile), config);
  Vocabulary vocabulary;
  vocabulary.items = read_id_file(checked_file(dir, manifest, kItemsFile));
  vocabulary.producers = read_id_file(checked_file(dir, manifest, kProducersFile));
  vocabulary.users = read_id_file(checked_file(dir, manifest, kUsersFile));
  vocabulary.item_count =
      read_counts(checked_file(dir, manifest, kCountsFile), vocabulary.items.size());
  if (manifest.dim != static_cast<std::size_t>(config.dim))
    throw DataError((dir / kManifestFile).string(), 0, 0,
                    fmt::format("dim {} disagrees with {} (dim = {})", manifest.dim, kConfigFile,
                                config.dim));
  TwoTowerNet net(config, static_cast<std::int64_t>(vocabulary.items.size()),
                  static_cast<std::int64_t>(vocabulary.producers.size()));
  load_weights(net, checked_file(dir, manifest, kWeightsFile));
  return std::make_unique<NativeModel>(std::move(config), std::move(vocabulary), std::move(net));
}

std::unique_ptr<TwoTowerModel> load_native_model(const fs::path& dir, const Manifest& manifest) {
  return NativeModel::load(dir, manifest);
}

}  // namespace invr::model
