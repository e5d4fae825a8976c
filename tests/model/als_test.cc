// Implicit ALS (docs/model.md, "The als kind"): the solver, what training
// learns on planted structure, fold-in, determinism, settings and the model
// directory.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/model.h"
#include "invr/model_train.h"
#include "model/core/als_solve.h"
#include "model/core/als_train.h"
#include "model/core/features.h"
#include "test_util.h"
#include "toy_data.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

ModelConfig als_config() {
  ModelConfig c;
  c.kind = "als";
  c.dim = 16;
  c.als_iterations = 15;
  c.als_alpha = 10;
  c.als_regularization = 1;
  c.threads = 2;
  c.seed = 5;
  return c;
}

TrainOptions into(const fs::path& dir) {
  TrainOptions options;
  options.out_dir = dir;
  options.progress = false;
  return options;
}

double cosine(std::span<const float> a, std::span<const float> b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    ab += static_cast<double>(a[k]) * b[k];
    aa += static_cast<double>(a[k]) * a[k];
    bb += static_cast<double>(b[k]) * b[k];
  }
  return ab / std::sqrt(aa * bb);
}

TEST(AlsSolve, ConjugateGradientMatchesACholeskySolve) {
  constexpr std::size_t kDim = 8, kFixed = 30;
  std::vector<float> fixed(kFixed * kDim);
  for (std::size_t i = 0; i < fixed.size(); ++i)
    fixed[i] = static_cast<float>(std::sin(0.37 * static_cast<double>(i * i + 1)));
  std::vector<float> gram(kDim * kDim);
  model::gram_matrix(fixed.data(), kFixed, kDim, gram.data());
  // Symmetric and equal to a hand-computed entry.
  double g01 = 0;
  for (std::size_t r = 0; r < kFixed; ++r) g01 += fixed[r * kDim] * fixed[r * kDim + 1];
  EXPECT_NEAR(gram[1], g01, 1e-4);
  EXPECT_FLOAT_EQ(gram[1], gram[kDim]);

  const std::vector<Index> columns = {1, 4, 7, 12, 29};
  const std::vector<float> counts = {1, 3, 1, 2, 1};
  model::AlsSolveParams params{kDim, 4.0f, 0.5f, static_cast<int>(kDim)};
  std::vector<float> exact(kDim), iterative(kDim, 0.0f), scratch(3 * kDim);
  std::vector<double> dense_scratch(kDim * (kDim + 1));
  model::cholesky_solve_row(gram.data(), fixed.data(), columns, counts, params, exact.data(),
                            dense_scratch.data());
  // d CG steps solve a d-dimensional SPD system (up to rounding).
  model::cg_solve_row(gram.data(), fixed.data(), columns, counts, params, iterative.data(),
                      scratch.data());
  for (std::size_t k = 0; k < kDim; ++k) EXPECT_NEAR(iterative[k], exact[k], 2e-3) << k;
  // The exact solution satisfies the normal equations.
  std::vector<float> residual(kDim);
  for (std::size_t i = 0; i < kDim; ++i) {
    double lhs = params.regularization * exact[i];
    for (std::size_t j = 0; j < kDim; ++j) lhs += gram[i * kDim + j] * exact[j];
    double rhs = 0;
    for (std::size_t n = 0; n < columns.size(); ++n) {
      const float* y = fixed.data() + static_cast<std::size_t>(columns[n]) * kDim;
      double yx = 0;
      for (std::size_t j = 0; j < kDim; ++j) yx += y[j] * exact[j];
      lhs += params.alpha * counts[n] * yx * y[i];
      rhs += (1 + params.alpha * counts[n]) * y[i];
    }
    EXPECT_NEAR(lhs, rhs, 1e-3) << i;
  }
}

TEST(Als, BeatsMostPopularOnPlantedClusters) {
  test::TempDir dir;
  const Dataset data = test::make_toy_dataset();
  const TrainResult result = train_als(data, als_config(), into(dir / "model"));
  const TrainReport& r = result.report;
  ASSERT_GT(r.validation_users, 0u);
  ASSERT_EQ(r.epochs.size(), 15u);
  // Random ranking: about 20 of 320 items.
  EXPECT_GT(r.best_recall, 3 * 20.0 / 320.0) << r.best_recall;
  EXPECT_GE(r.best_recall, 1.5 * r.popularity_recall)
      << r.best_recall << " vs most popular " << r.popularity_recall;
}

TEST(Als, FoldInReproducesATrainingUsersFactors) {
  const Dataset data = test::make_toy_dataset();
  ModelConfig config = als_config();
  config.validation_fraction = 0;
  config.als_cg_steps = 4;
  test::TempDir dir;
  const TrainResult result = train_als(data, config, into(dir / "model"));
  const model::UserHistories histories = model::user_histories(data.interactions, data.users.size());
  const model::AlsFactors trained =
      model::train_als_factors(model::count_matrix(histories, data.items.size()), config);
  const Matrix folded = result.model->embed_users(data);
  ASSERT_EQ(folded.rows, data.users.size());
  double worst = 1;
  for (std::size_t u = 0; u < folded.rows; ++u) worst = std::min(worst, cosine(folded.row(u), trained.users.row(u)));
  EXPECT_GT(worst, 0.99);
  // A user whose events all lie after as_of has no history: the new-user vector.
  EmbedOptions early;
  early.as_of = 1.0;
  const Matrix fresh = result.model->embed_users(data, early);
  for (std::size_t u = 1; u < fresh.rows; ++u)
    for (std::size_t k = 0; k < fresh.cols; ++k) ASSERT_EQ(fresh.data[u * fresh.cols + k], fresh.data[k]);
  EXPECT_NE(fresh.data[0], folded.data[0]);
}

TEST(Als, SameSeedGivesIdenticalFactorsOnAnyThreadCount) {
  const Dataset data = test::make_toy_dataset();
  const model::UserHistories histories = model::user_histories(data.interactions, data.users.size());
  const model::CountMatrix counts = model::count_matrix(histories, data.items.size());
  ModelConfig config = als_config();
  config.als_iterations = 4;
  const model::AlsFactors a = model::train_als_factors(counts, config);
  config.threads = 1;
  const model::AlsFactors b = model::train_als_factors(counts, config);
  EXPECT_EQ(a.users.data, b.users.data);
  EXPECT_EQ(a.items.data, b.items.data);
  config.seed = 6;
  const model::AlsFactors c = model::train_als_factors(counts, config);
  EXPECT_NE(a.items.data, c.items.data);
}

TEST(Als, ColdItemsFromContentLandInTheirUsersCluster) {
  test::ToyParams params;
  params.cold_per_cluster = 10;
  const Dataset data = test::make_toy_dataset(params);
  ModelConfig config = als_config();
  config.validation_fraction = 0;
  test::TempDir dir;
  const TrainResult result = train_als(data, config, into(dir / "model"));
  const Matrix items = result.model->embed_items(data);
  const Matrix users = result.model->embed_users(data);
  // Each user's top-5 cold items: how many share the user's cluster (chance 1/8).
  std::size_t own = 0, total = 0;
  for (std::size_t u = 0; u < users.rows; ++u) {
    std::vector<std::pair<float, int>> scored;
    for (int c = 0; c < params.clusters; ++c)
      for (int j = params.items_per_cluster - params.cold_per_cluster; j < params.items_per_cluster; ++j) {
        const auto item = static_cast<std::size_t>(c * params.items_per_cluster + j);
        float s = 0;
        for (std::size_t k = 0; k < items.cols; ++k) s += users.row(u)[k] * items.row(item)[k];
        scored.push_back({-s, c});
      }
    std::partial_sort(scored.begin(), scored.begin() + 5, scored.end());
    for (int n = 0; n < 5; ++n, ++total)
      own += scored[static_cast<std::size_t>(n)].second == test::toy_cluster_of_user(static_cast<int>(u), params);
  }
  EXPECT_GT(static_cast<double>(own) / static_cast<double>(total), 0.8);
  // cold_start random instead: seeded, so the same on every call, and not the content vector.
  EmbedOptions random;
  random.cold_start = ColdStart::random;
  const Matrix a = result.model->embed_items(data, random), b = result.model->embed_items(data, random);
  EXPECT_EQ(a.data, b.data);
  const std::size_t cold = static_cast<std::size_t>(params.items_per_cluster - 1);
  EXPECT_NE(a.row(cold)[0], items.row(cold)[0]);
  EXPECT_EQ(a.row(0)[0], items.row(0)[0]);  // warm rows are the factors either way
}

TEST(Als, BadSettingsNameTheSetting) {
  const Dataset data = test::make_toy_dataset();
  test::TempDir dir;
  auto message = [&](auto change) {
    ModelConfig config = als_config();
    change(config);
    try {
      train_als(data, config, into(dir / "model"));
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([](ModelConfig& c) { c.dim = 0; }).find("--dim"), std::string::npos);
  EXPECT_NE(message([](ModelConfig& c) { c.als_regularization = -1; }).find("--als-regularization"),
            std::string::npos);
  EXPECT_NE(message([](ModelConfig& c) { c.als_alpha = -0.5; }).find("--als-alpha"), std::string::npos);
  EXPECT_NE(message([](ModelConfig& c) { c.als_iterations = 0; }).find("--als-iterations"),
            std::string::npos);
  Dataset empty = data;
  empty.interactions = Interactions{};
  EXPECT_THROW(train_als(empty, als_config(), into(dir / "model")), UsageError);
}

TEST(AlsModelDir, LoadsWhatTrainingWroteAndNamesABadFile) {
  const Dataset data = test::make_toy_dataset();
  test::TempDir dir;
  const fs::path model_dir = dir / "model";
  const TrainResult result = train_model(data, als_config(), into(model_dir));
  const auto loaded = TwoTowerModel::load(model_dir);
  EXPECT_EQ(loaded->kind(), "als");
  EXPECT_EQ(loaded->dim(), 16u);
  EXPECT_EQ(loaded->embed_items(data).data, result.model->embed_items(data).data);
  EXPECT_EQ(loaded->embed_users(data).data, result.model->embed_users(data).data);

  auto error_of = [&](const fs::path& copy) {
    try {
      TwoTowerModel::load(copy);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("loaded");
  };
  for (const char* file : {"item_factors.npy", "item_factors.ids", "content_weights.npy",
                           "new_user.npy", "config.toml"}) {
    const fs::path missing = dir / (std::string("missing-") + file);
    fs::copy(model_dir, missing);
    fs::remove(missing / file);
    EXPECT_NE(error_of(missing).find((missing / file).string()), std::string::npos) << error_of(missing);

    const fs::path corrupt = dir / (std::string("corrupt-") + file);
    fs::copy(model_dir, corrupt);
    {
      std::fstream f(corrupt / file, std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(fs::file_size(corrupt / file) - 2));
      f.put('#');
    }
    const std::string why = error_of(corrupt);
    EXPECT_NE(why.find((corrupt / file).string()), std::string::npos) << why;
    EXPECT_NE(why.find("checksum"), std::string::npos) << why;
  }
}

}  // namespace
}  // namespace invr
