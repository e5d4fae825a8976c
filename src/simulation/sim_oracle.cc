// Dataset oracles (two-tower, item-kNN, EASE) behind a simulation's clicks,
// their fit on a holdout, and the one click formula of every world.
#include "simulation/sim_oracle.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "invr/error.h"
#include "invr/evaluate.h"
#include "invr/model_train.h"
#include "invr/retrieval.h"
#include "invr/split.h"
#include "simulation/sim_internal.h"
#include "simulation/sim_stats.h"

namespace invr::simulation {
namespace {
namespace fs = std::filesystem;
constexpr std::size_t kHoldoutK = 20;

class TwoTowerOracle final : public Oracle {
 public:
  TwoTowerOracle(Matrix users, Matrix items) : users_(std::move(users)), items_(std::move(items)) {
    INVR_CHECK(users_.cols == items_.cols);
    const std::size_t d = items_.cols, n = std::max<std::size_t>(items_.rows, 1);
    // The items' mean and covariance give every user's exact mean and
    // variance over the catalogue without scoring it.
    std::vector<double> mu(d, 0.0), cov(d * d, 0.0), centred(d);
    for (std::size_t i = 0; i < items_.rows; ++i)
      for (std::size_t a = 0; a < d; ++a) mu[a] += items_.row(i)[a];
    for (double& m : mu) m /= static_cast<double>(n);
    for (std::size_t i = 0; i < items_.rows; ++i) {
      for (std::size_t a = 0; a < d; ++a) centred[a] = items_.row(i)[a] - mu[a];
      for (std::size_t a = 0; a < d; ++a)
        for (std::size_t b = 0; b < d; ++b) cov[a * d + b] += centred[a] * centred[b];
    }
    for (double& c : cov) c /= static_cast<double>(n);
    mean_.resize(users_.rows);
    inverse_std_.resize(users_.rows);
    for (std::size_t u = 0; u < users_.rows; ++u) {
      const auto x = users_.row(u);
      double m = 0, v = 0;
      for (std::size_t a = 0; a < d; ++a) {
        m += x[a] * mu[a];
        double row = 0;
        for (std::size_t b = 0; b < d; ++b) row += cov[a * d + b] * x[b];
        v += x[a] * row;
      }
      mean_[u] = m;
      inverse_std_[u] = v > 1e-24 ? 1.0 / std::sqrt(v) : 0.0;
    }
  }
  const char* kind() const override { return "two-tower"; }
  double score(Index user, Index item) const override {
    const auto u = users_.row(static_cast<std::size_t>(user));
    const auto v = items_.row(static_cast<std::size_t>(item));
    double dot = 0;
    for (std::size_t k = 0; k < u.size(); ++k) dot += static_cast<double>(u[k]) * v[k];
    return dot;
  }
  double z(Index user, Index item) const override {
    const auto u = static_cast<std::size_t>(user);
    return (score(user, item) - mean_[u]) * inverse_std_[u];
  }

 private:
  Matrix users_, items_;
  std::vector<double> mean_, inverse_std_;
};

// Sparse item-item weights by target item: score(u, i) sums w(j, i) over the
// user's items j that item i's source list holds. Both lists are sorted, so
// a lookup walks the shorter one and binary-searches the longer. z ranks the
// score among the user's nonzero scores, kept sorted per user.
class ItemItemOracle final : public Oracle {
 public:
  // by_target[i]: (source j, w(j, i)), any order.
  ItemItemOracle(const char* kind, const ItemLists& user_items,
                 std::vector<std::vector<Neighbour>> by_target, int threads)
      : kind_(kind), items_(by_target.size()), user_items_(user_items) {
    const std::size_t n = items_;
    offset_.assign(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
      auto& list = by_target[i];
      std::sort(list.begin(), list.end(),
                [](const Neighbour& a, const Neighbour& b) { return a.item < b.item; });
      offset_[i + 1] = offset_[i] + list.size();
    }
    source_.reserve(offset_[n]);
    weight_.reserve(offset_[n]);
    // The same weights by source, only to score every item for each user.
    std::vector<std::vector<Neighbour>> by_source(n);
    for (std::size_t i = 0; i < n; ++i)
      for (const Neighbour& s : by_target[i]) {
        source_.push_back(s.item);
        weight_.push_back(s.similarity);
        by_source[static_cast<std::size_t>(s.item)].push_back(
            {static_cast<Index>(i), s.similarity});
      }
    by_target = {};
    // Each user's nonzero scores, summed in score()'s order (sources
    // ascending), so a lookup finds its own value among them.
    const std::size_t users = user_items_.size();
    const auto tasks = static_cast<std::size_t>(std::max(1, threads));
    std::vector<std::vector<float>> sorted(tasks);
    std::vector<std::vector<std::size_t>> sizes(tasks);
    negatives_.assign(users, 0);
    parallel_tasks(tasks, threads, [&](std::size_t task) {
      std::vector<double> sum(n, 0.0);
      std::vector<std::uint8_t> seen(n, 0);
      std::vector<Index> touched;
      std::vector<float> mine;
      for (std::size_t u = task * users / tasks; u < (task + 1) * users / tasks; ++u) {
        touched.clear();
        for (Index j : user_items_.list(u))
          for (const Neighbour& t : by_source[static_cast<std::size_t>(j)]) {
            const auto i = static_cast<std::size_t>(t.item);
            if (!seen[i]) seen[i] = 1, touched.push_back(t.item);
            sum[i] += t.similarity;
          }
        mine.clear();
        for (Index item : touched) {
          const auto i = static_cast<std::size_t>(item);
          const auto s = static_cast<float>(sum[i]);
          if (s != 0.0f) mine.push_back(s);
          sum[i] = 0.0;
          seen[i] = 0;
        }
        std::sort(mine.begin(), mine.end());
        negatives_[u] = static_cast<std::size_t>(std::lower_bound(mine.begin(), mine.end(), 0.0f) -
                                                 mine.begin());
        sorted[task].insert(sorted[task].end(), mine.begin(), mine.end());
        sizes[task].push_back(mine.size());
      }
    });
    score_offset_.assign(1, 0);
    for (std::size_t task = 0; task < tasks; ++task) {
      scores_.insert(scores_.end(), sorted[task].begin(), sorted[task].end());
      for (std::size_t size : sizes[task]) score_offset_.push_back(score_offset_.back() + size);
    }
  }
  const char* kind() const override { return kind_; }
  double score(Index user, Index item) const override {
    const auto mine = user_items_.list(static_cast<std::size_t>(user));
    const auto i = static_cast<std::size_t>(item);
    const Index* first = source_.data() + offset_[i];
    const Index* last = source_.data() + offset_[i + 1];
    double s = 0;
    if (mine.size() <= static_cast<std::size_t>(last - first)) {
      for (Index j : mine) {
        first = std::lower_bound(first, last, j);
        if (first == last) break;
        if (*first == j) s += weight_[static_cast<std::size_t>(first - source_.data())];
      }
    } else {
      const Index* at = mine.data();
      const Index* end = mine.data() + mine.size();
      for (const Index* k = first; k != last; ++k) {
        at = std::lower_bound(at, end, *k);
        if (at == end) break;
        if (*at == *k) s += weight_[static_cast<std::size_t>(k - source_.data())];
      }
    }
    return s;
  }
  double z(Index user, Index item) const override {
    const auto u = static_cast<std::size_t>(user);
    const float* first = scores_.data() + score_offset_[u];
    const float* last = scores_.data() + score_offset_[u + 1];
    const std::size_t nonzero = static_cast<std::size_t>(last - first);
    if (nonzero == 0) return 0.0;  // every item scores 0
    const std::size_t zeros = items_ - nonzero;
    const auto s = static_cast<float>(score(user, item));
    double below, equal;
    if (s == 0.0f) {
      below = static_cast<double>(negatives_[u]);
      equal = static_cast<double>(zeros);
    } else {
      const auto [low, high] = std::equal_range(first, last, s);
      below = static_cast<double>(low - first) + (s > 0.0f ? static_cast<double>(zeros) : 0.0);
      equal = static_cast<double>(high - low);
    }
    return normal_quantile((below + 0.5 * equal) / static_cast<double>(items_));
  }

 private:
  const char* kind_;
  std::size_t items_;
  ItemLists user_items_;
  std::vector<std::size_t> offset_;  // per target item, into source_ / weight_
  std::vector<Index> source_;
  std::vector<float> weight_;
  std::vector<std::size_t> score_offset_;  // per user, into scores_
  std::vector<float> scores_;              // each user's nonzero scores, ascending
  std::vector<std::size_t> negatives_;     // per user, how many of them are < 0
};

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// The two-tower ranking of every item for the users with held-out positives.
ItemLists two_tower_ranking(const TwoTowerModel& model, const Dataset& train_view,
                            const EvaluationSets& sets) {
  const Matrix items = model.embed_items(train_view);
  const Matrix users = model.embed_users(train_view);
  std::vector<Index> evaluated;
  std::size_t most_seen = 0;
  for (std::size_t u = 0; u < sets.relevant.size(); ++u) {
    if (sets.relevant.list(u).empty()) continue;
    evaluated.push_back(static_cast<Index>(u));
    most_seen = std::max(most_seen, sets.train_items.list(u).size());
  }
  // Wide enough that k unseen items remain after dropping training items.
  const std::size_t width = std::min(items.rows, kHoldoutK + most_seen);
  const std::size_t d = items.cols;
  std::vector<float> queries(evaluated.size() * d);
  for (std::size_t r = 0; r < evaluated.size(); ++r)
    std::copy_n(users.row(static_cast<std::size_t>(evaluated[r])).data(), d,
                queries.begin() + static_cast<std::ptrdiff_t>(r * d));
  std::vector<float> scores(evaluated.size() * width);
  std::vector<RowId> ids(evaluated.size() * width, kNoRow);
  if (!evaluated.empty() && width > 0)
    exact_search(
        {queries.data(), static_cast<std::int64_t>(evaluated.size()), static_cast<std::int64_t>(d)},
        {items.data.data(), static_cast<std::int64_t>(items.rows), static_cast<std::int64_t>(d)},
        static_cast<int>(width), scores.data(), ids.data());
  return unseen_top_k(ids, width, evaluated, sets.train_items, kHoldoutK);
}

// The dataset with no clock: every timestamp and publish time removed. A
// two-tower oracle trained and embedded on it cannot tie its truth to time
// by any path (the order and recency of a user's history, which events the
// user tower reads, item ages), so every timeline of the same data gets the
// same truth (SimOracle.TwoTowerTruthDoesNotDependOnTheTimeline; trained on
// the timed data, two timelines' truths differed by up to 0.45).
Dataset without_time(const Dataset& dataset) {
  Dataset timeless = dataset;
  for (double& t : timeless.interactions.timestamp) t = kNoTime;
  for (double& p : timeless.item_table.publish_time) p = kNoTime;
  return timeless;
}

std::shared_ptr<const TwoTowerModel> train_oracle_model(const Dataset& dataset,
                                                        const ModelConfig& served,
                                                        const fs::path& dir) {
  TrainOptions options;
  options.out_dir = dir;
  TrainResult trained = train_two_tower(dataset, oracle_model_config(served), options);
  return std::shared_ptr<const TwoTowerModel>(std::move(trained.model));
}
}  // namespace

std::unique_ptr<Oracle> two_tower_oracle(Matrix users, Matrix items) {
  return std::make_unique<TwoTowerOracle>(std::move(users), std::move(items));
}

std::unique_ptr<Oracle> item_knn_oracle(const ItemLists& user_items, std::size_t num_items,
                                        const ItemKnnParams& params, int threads) {
  const auto neighbours = item_knn_neighbours(user_items, num_items, params);
  std::vector<std::vector<Neighbour>> by_target(num_items);
  for (std::size_t j = 0; j < num_items; ++j)
    for (const Neighbour& n : neighbours[j])
      by_target[static_cast<std::size_t>(n.item)].push_back({static_cast<Index>(j), n.similarity});
  return std::make_unique<ItemItemOracle>("item-knn", user_items, std::move(by_target), threads);
}

std::unique_ptr<Oracle> ease_oracle(const ItemLists& user_items, std::size_t num_items,
                                    const EaseParams& params, std::size_t kept_per_item,
                                    int threads) {
  const std::size_t n = num_items;
  std::vector<std::vector<Neighbour>> by_target(n);
  {
    const std::vector<double> weights = ease_weights(user_items, n, params);  // row j: w(j, ·)
    // Each target column keeps its kept_per_item largest |w| (ties: smaller
    // source); threads split the columns and scan the rows in order.
    const auto larger = [](const Neighbour& a, const Neighbour& b) {
      const float x = std::abs(a.similarity), y = std::abs(b.similarity);
      return x != y ? x > y : a.item < b.item;
    };
    const auto tasks = static_cast<std::size_t>(std::max(1, threads));
    parallel_tasks(tasks, threads, [&](std::size_t task) {
      const std::size_t begin = task * n / tasks, end = (task + 1) * n / tasks;
      for (std::size_t j = 0; j < n; ++j) {
        const double* row = &weights[j * n];
        for (std::size_t i = begin; i < end; ++i) {
          if (row[i] == 0.0) continue;
          auto& heap = by_target[i];  // a min-heap by `larger`: front = the weakest kept
          const Neighbour candidate{static_cast<Index>(j), static_cast<float>(row[i])};
          if (heap.size() < kept_per_item) {
            heap.push_back(candidate);
            std::push_heap(heap.begin(), heap.end(), larger);
          } else if (larger(candidate, heap.front())) {
            std::pop_heap(heap.begin(), heap.end(), larger);
            heap.back() = candidate;
            std::push_heap(heap.begin(), heap.end(), larger);
          }
        }
      }
    });
  }
  return std::make_unique<ItemItemOracle>("ease", user_items, std::move(by_target), threads);
}

double oracle_relevance(const WorldTruth& truth, double z) {
  return sigmoid(truth.relevance_weight * z + truth.relevance_bias);
}

double world_click_probability(const SimulationWorld& world, Index user, Index item, int position) {
  if (world.oracle)
    return oracle_relevance(world.truth, world.oracle->z(user, item)) *
           world.truth.examination.at(position);
  return click_probability(world.truth, world.truth_user[static_cast<std::size_t>(user)],
                           world.truth_item[static_cast<std::size_t>(item)], position);
}

ModelConfig oracle_model_config(const ModelConfig& served) {
  ModelConfig config = served;
  config.validation_fraction = 0;  // the oracle sees every interaction
  // Truth must not depend on time: "before" histories and item ages let the
  // oracle learn publish times (Last.fm's control CTR climbed 4% -> 11%).
  config.train_history = "others";
  config.age_buckets = 2;
  return config;
}

OracleHoldout oracle_holdout(const std::string& kind, const Dataset& dataset,
                             const std::vector<bool>& test_rows, std::string protocol,
                             const SimulationConfig& config, const fs::path& dir) {
  const Interactions& rows = dataset.interactions;
  INVR_CHECK(test_rows.size() == rows.size());
  std::vector<bool> train_rows(test_rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) train_rows[r] = !test_rows[r];
  Holdout holdout;
  holdout.train = rows.select(train_rows);
  holdout.test = rows.select(test_rows);
  holdout.protocol = protocol;
  const std::size_t num_items = dataset.items.size();
  const EvaluationSets sets = evaluation_sets(holdout, dataset.users.size(), num_items);
  ItemLists ranked;
  if (kind == "item-knn") {
    ranked = item_knn_top_k(sets.train_items, num_items, kHoldoutK);
  } else if (kind == "ease") {
    ranked = ease_top_k(sets.train_items, num_items, kHoldoutK);
  } else {
    const Dataset train_view = without_time(with_interactions(dataset, holdout.train));
    ranked =
        two_tower_ranking(*train_oracle_model(train_view, config.model, dir), train_view, sets);
  }
  OracleHoldout out;
  out.protocol = std::move(protocol);
  const AccuracyMetrics fit = score_method(ranked, sets, kHoldoutK).overall;
  out.test_users = fit.users;
  out.recall_at_20 = fit.recall;
  out.most_popular_recall_at_20 =
      score_method(most_popular_top_k(sets.train_items, num_items, kHoldoutK), sets, kHoldoutK)
          .overall.recall;
  return out;
}

std::shared_ptr<const Oracle> fit_oracle(const std::string& kind, const Dataset& dataset,
                                         const SimulationConfig& config, const fs::path& dir) {
  if (kind == "two-tower") {
    const Dataset timeless = without_time(dataset);
    const auto model = train_oracle_model(timeless, config.model, dir);
    return two_tower_oracle(model->embed_users(timeless), model->embed_items(timeless));
  }
  const int threads = resolve_threads(config.params.threads);
  const ItemLists positives = training_item_sets(dataset.interactions, dataset.users.size());
  if (kind == "item-knn") return item_knn_oracle(positives, dataset.items.size(), {}, threads);
  INVR_CHECK(kind == "ease");
  return ease_oracle(positives, dataset.items.size(), {}, kEaseKeptPerItem, threads);
}

}  // namespace invr::simulation
