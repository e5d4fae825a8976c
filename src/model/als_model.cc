#include "model/als_model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/parallel.h"
#include "common/random.h"
#include "invr/error.h"
#include "invr/npy.h"
#include "invr/retrieval.h"
#include "model/core/als_content.h"
#include "model/core/als_solve.h"
#include "model/core/als_train.h"
#include "model/core/model_files.h"

namespace invr::model {
namespace fs = std::filesystem;

namespace {
const char* kItemFactors = "item_factors.npy";
const char* kItemIds = "item_factors.ids";  // = ids_sidecar(kItemFactors)
const char* kContentWeights = "content_weights.npy";
const char* kNewUser = "new_user.npy";
const char* kConfig = "config.toml";

class AlsModel final : public TwoTowerModel {
 public:
  explicit AlsModel(AlsParts parts) : parts_(std::move(parts)) {
    const std::size_t d = dim();
    gram_.resize(d * d);
    gram_matrix(parts_.item_factors.data.data(), parts_.item_factors.rows, d, gram_.data());
    double squares = 0;
    for (float v : parts_.item_factors.data) squares += static_cast<double>(v) * v;
    const auto values = static_cast<double>(std::max<std::size_t>(1, parts_.item_factors.data.size()));
    item_scale_ = std::sqrt(squares / values);
  }

  std::string kind() const override { return "als"; }
  std::size_t dim() const override { return parts_.item_factors.cols; }

  Matrix embed_items(const Dataset& dataset, const EmbedOptions& options) const override {
    const std::size_t d = dim();
    const ColdStart mode = options.cold_start.value_or(ColdStart::content);
    Matrix out(dataset.items.size(), d);
    ContentFeatures features;
    if (mode == ColdStart::content)
      features = content_features(dataset, static_cast<std::size_t>(parts_.config.als_content_buckets));
    for (std::size_t i = 0; i < dataset.items.size(); ++i) {
      const std::string& id = dataset.items.id(static_cast<Index>(i));
      float* row = out.row(i).data();
      if (const Index known = parts_.items.find(id); known != kNoIndex) {
        const auto source = parts_.item_factors.row(static_cast<std::size_t>(known));
        std::copy(source.begin(), source.end(), row);
      } else if (mode == ColdStart::content) {
        predict_from_content(features, static_cast<Index>(i), parts_.content_weights, row);
      } else {
        random_vector(id, row);
      }
    }
    return out;
  }

  Matrix embed_users(const Dataset& dataset, const EmbedOptions& options) const override {
    const std::size_t d = dim();
    const std::size_t num_users = dataset.users.size();
    // Dataset item -> model row (kNoIndex: not a warm item of the model).
    std::vector<Index> row_of(dataset.items.size());
    for (std::size_t i = 0; i < row_of.size(); ++i)
      row_of[i] = parts_.items.find(dataset.items.id(static_cast<Index>(i)));
    // Each user's model rows from positive events before as_of (untimed events count).
    const Interactions& in = dataset.interactions;
    std::vector<std::size_t> offsets(num_users + 1, 0);
    auto counts = [&](std::size_t r) {
      if (!is_positive(in.event[r]) || row_of[static_cast<std::size_t>(in.item[r])] == kNoIndex)
        return false;
      return !has_time(options.as_of) || !has_time(in.timestamp[r]) || in.timestamp[r] < options.as_of;
    };
    for (std::size_t r = 0; r < in.size(); ++r)
      if (counts(r)) ++offsets[static_cast<std::size_t>(in.user[r]) + 1];
    for (std::size_t u = 0; u < num_users; ++u) offsets[u + 1] += offsets[u];
    std::vector<Index> rows(offsets.back());
    std::vector<std::size_t> next(offsets.begin(), offsets.end() - 1);
    for (std::size_t r = 0; r < in.size(); ++r)
      if (counts(r)) rows[next[static_cast<std::size_t>(in.user[r])]++] = row_of[static_cast<std::size_t>(in.item[r])];

    Matrix out(num_users, d);
    const AlsSolveParams params = als_solve_params(parts_.config);
    constexpr std::size_t kUsersPerTask = 64;
    parallel_tasks((num_users + kUsersPerTask - 1) / kUsersPerTask,
                   resolve_threads(parts_.config.threads), [&](std::size_t task) {
      std::vector<double> scratch(d * (d + 1));
      std::vector<Index> columns;
      std::vector<float> weights;
      const std::size_t end = std::min(num_users, (task + 1) * kUsersPerTask);
      for (std::size_t u = task * kUsersPerTask; u < end; ++u) {
        float* x = out.row(u).data();
        if (offsets[u] == offsets[u + 1]) {
          std::copy(parts_.new_user.begin(), parts_.new_user.end(), x);
          continue;
        }
        columns.assign(rows.begin() + static_cast<std::ptrdiff_t>(offsets[u]),
                       rows.begin() + static_cast<std::ptrdiff_t>(offsets[u + 1]));
        std::sort(columns.begin(), columns.end());
        weights.clear();
        std::size_t kept = 0;
        for (std::size_t n = 0; n < columns.size(); ++n) {
          if (kept > 0 && columns[kept - 1] == columns[n]) {
            weights.back() += 1.0f;
            continue;
          }
          columns[kept++] = columns[n];
          weights.push_back(1.0f);
        }
        columns.resize(kept);
        cholesky_solve_row(gram_.data(), parts_.item_factors.data.data(), columns, weights, params,
                           x, scratch.data());
      }
    });
    return out;
  }

 private:
  // A N(0, scale²) vector seeded by the item id and the model's seed.
  void random_vector(const std::string& id, float* out) const {
    SplitMix64 rng(fnv1a64(id) ^ parts_.config.seed);
    for (std::size_t k = 0; k < dim(); ++k) {
      const double u1 = 1.0 - unit_interval(rng.next());  // (0, 1]
      const double u2 = unit_interval(rng.next());
      out[k] = static_cast<float>(item_scale_ * std::sqrt(-2.0 * std::log(u1)) *
                                  std::cos(2.0 * M_PI * u2));
    }
  }

  AlsParts parts_;
  std::vector<float> gram_;  // YᵀY of the item factors, d × d
  double item_scale_ = 0;    // root mean square of the item factors' values
};

NpyArray<float> read_matrix(const fs::path& dir, const Manifest& manifest, const char* file,
                            std::size_t rows, std::size_t cols) {
  const fs::path path = checked_file(dir, manifest, file);
  NpyArray<float> array = read_npy_matrix<float>(path);
  if ((rows != 0 && array.rows() != rows) || array.cols() != cols)
    throw DataError(path.string(), 0, 0,
                    fmt::format("is {} × {}; expected {} × {}", array.rows(), array.cols(),
                                rows == 0 ? std::string("n") : std::to_string(rows), cols));
  check_embeddings(MatrixView{array.data.data(), static_cast<std::int64_t>(array.rows()),
                              static_cast<std::int64_t>(array.cols())},
                   path.string());
  return array;
}

Matrix as_matrix(NpyArray<float>&& array) {
  Matrix m;
  m.rows = array.rows();
  m.cols = array.cols();
  m.data = std::move(array.data);
  return m;
}
}  // namespace

std::unique_ptr<TwoTowerModel> make_als_model(AlsParts parts) {
  return std::make_unique<AlsModel>(std::move(parts));
}

void save_als_model(const fs::path& dir, const AlsParts& parts, const nlohmann::json& info) {
  fs::create_directories(dir);
  const std::size_t d = parts.item_factors.cols;
  write_model_config(dir / kConfig, parts.config);
  const std::size_t item_shape[] = {parts.item_factors.rows, d};
  write_npy(dir / kItemFactors, std::span<const float>(parts.item_factors.data), item_shape);
  write_id_file(dir / kItemIds, parts.items);
  const std::size_t content_shape[] = {parts.content_weights.rows, d};
  write_npy(dir / kContentWeights, std::span<const float>(parts.content_weights.data), content_shape);
  const std::size_t user_shape[] = {1, d};
  write_npy(dir / kNewUser, std::span<const float>(parts.new_user), user_shape);
  Manifest manifest;
  manifest.kind = "als";
  manifest.dim = d;
  manifest.info = info;
  write_manifest(dir, manifest, {kConfig, kItemFactors, kItemIds, kContentWeights, kNewUser});
}

std::unique_ptr<TwoTowerModel> load_als_model(const fs::path& dir, const Manifest& manifest) {
  AlsParts parts;
  read_model_config(checked_file(dir, manifest, kConfig), parts.config);
  const auto d = static_cast<std::size_t>(parts.config.dim);
  if (manifest.dim != 0 && manifest.dim != d)
    throw DataError((dir / kManifestFile).string(), 0, 0,
                    fmt::format("\"dim\" is {} but {} says dim = {}", manifest.dim, kConfig, d));
  parts.items = read_id_file(checked_file(dir, manifest, kItemIds));
  parts.item_factors = as_matrix(read_matrix(dir, manifest, kItemFactors, 0, d));
  if (parts.item_factors.rows != parts.items.size())
    throw DataError((dir / kItemFactors).string(), 0, 0,
                    fmt::format("has {} rows but {} lists {} ids", parts.item_factors.rows,
                                kItemIds, parts.items.size()));
  parts.content_weights = as_matrix(read_matrix(
      dir, manifest, kContentWeights, static_cast<std::size_t>(parts.config.als_content_buckets) + 1, d));
  parts.new_user = read_matrix(dir, manifest, kNewUser, 1, d).data;
  return make_als_model(std::move(parts));
}

}  // namespace invr::model
