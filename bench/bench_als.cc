// Implicit ALS (docs/model.md, "The als kind"): the cost of folding one user
// in (an exact d × d solve from their history), against the baseline of the
// same run, what one training sweep spends per user (warm-started CG steps).
// Usage: bench_als [DIM] [HISTORY] [USERS] [ITEMS]; defaults 64 50 2000 20000.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/random.h"
#include "invr/data.h"
#include "model/als_model.h"
#include "model/core/als_solve.h"
#include "model/core/als_train.h"

namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace invr;
  const std::size_t dim = argc > 1 ? std::stoul(argv[1]) : 64;
  const std::size_t history = argc > 2 ? std::stoul(argv[2]) : 50;
  const std::size_t users = argc > 3 ? std::stoul(argv[3]) : 2000;
  const std::size_t items = argc > 4 ? std::stoul(argv[4]) : 20000;

  // Every user takes `history` distinct random items, one click each.
  Dataset data;
  for (std::size_t i = 0; i < items; ++i) {
    data.items.add("i" + std::to_string(i));
    data.item_table.push_back(0, kNoTime, {});
  }
  data.producers.add("p");
  SplitMix64 rng(7);
  for (std::size_t u = 0; u < users; ++u) {
    const Index user = data.users.add("u" + std::to_string(u));
    for (std::size_t n = 0; n < history; ++n)
      data.interactions.push_back(user, static_cast<Index>((u * 7919 + n * 104729 + rng.below(97)) % items),
                                  kNoTime, EventType::click, 1);
  }
  ModelConfig config;
  config.kind = "als";
  config.dim = static_cast<std::int64_t>(dim);
  config.als_iterations = 3;
  config.validation_fraction = 0;
  config.threads = 1;
  model::AlsTraining trained = model::fit_als(data, config, false);
  const auto als = model::make_als_model(trained.parts);

  // Baseline: one user half-sweep (CG, cg_steps steps per user), 1 thread.
  const model::UserHistories histories = model::user_histories(data.interactions, users);
  const model::CountMatrix counts = model::count_matrix(histories, items);
  Matrix item_factors(items, dim), user_factors(users, dim);
  for (std::size_t w = 0; w < trained.parts.items.size(); ++w) {
    const Index i = data.items.find(trained.parts.items.id(static_cast<Index>(w)));
    const auto row = trained.parts.item_factors.row(w);
    std::copy(row.begin(), row.end(), item_factors.row(static_cast<std::size_t>(i)).begin());
  }
  const model::AlsSolveParams params = model::als_solve_params(config);
  double sweep = 1e30, fold = 1e30;
  for (int round = 0; round < 5; ++round) {
    auto start = Clock::now();
    model::als_sweep(counts, item_factors.data.data(), user_factors.data.data(), params, 1);
    sweep = std::min(sweep, seconds_since(start));
    start = Clock::now();
    const Matrix folded = als->embed_users(data);
    fold = std::min(fold, seconds_since(start));
    if (folded.rows != users) return 1;
  }
  const double per_user_fold = fold / static_cast<double>(users) * 1e3;
  const double per_user_sweep = sweep / static_cast<double>(users) * 1e3;
  std::printf("d=%zu history=%zu users=%zu items=%zu (1 thread, best of 5)\n", dim, history, users,
              items);
  std::printf("fold-in (embed_users, exact Cholesky): %.4f ms/user\n", per_user_fold);
  std::printf("baseline: training half-sweep (CG %lld steps + Gram): %.4f ms/user\n",
              static_cast<long long>(config.als_cg_steps), per_user_sweep);
  std::printf("fold-in / sweep: %.2f\n", per_user_fold / per_user_sweep);
  return 0;
}
