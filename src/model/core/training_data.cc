#include "model/core/training_data.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <random>


#include "invr/log.h"
#include "invr/npy.h"
#include "invr/split.h"

namespace invr::model {
namespace {

Interactions positives_of(const Interactions& interactions) {
  std::vector<bool> keep(interactions.size());
  for (std::size_t r = 0; r < interactions.size(); ++r) keep[r] = is_positive(interactions.event[r]);
  return interactions.select(keep);
}

double latest(const Interactions& interactions) {
  double result = kNoTime;
  for (double t : interactions.timestamp)
    if (has_time(t) && (!has_time(result) || t > result)) result = t;
  return result;
}

ValidationSet make_validation(const Split& split, double cutoff, const UserHistories& histories,
                              std::size_t num_users, const ModelConfig& config) {
  ValidationSet validation;
  validation.cutoff = cutoff;
  validation.reference_time = has_time(cutoff) ? cutoff : latest(split.train);
  std::vector<std::vector<Index>> held_out(num_users);
  for (std::size_t r = 0; r < split.test.size(); ++r)
    held_out[static_cast<std::size_t>(split.test.user[r])].push_back(split.test.item[r]);
  // Relevant = held-out items the user had not had in training: the model is
  // judged on discovering new items, since seen ones are excluded from ranking.
  std::vector<std::vector<Index>> seen(num_users);
  std::vector<Index> candidates;
  for (std::size_t u = 0; u < num_users; ++u) {
    if (held_out[u].empty()) continue;
    auto& items = held_out[u];
    std::sort(items.begin(), items.end());
    items.erase(std::unique(items.begin(), items.end()), items.end());
    seen[u].assign(histories.item.begin() + static_cast<std::ptrdiff_t>(histories.offsets[u]),
                   histories.item.begin() + static_cast<std::ptrdiff_t>(histories.offsets[u + 1]));
    std::sort(seen[u].begin(), seen[u].end());
    seen[u].erase(std::unique(seen[u].begin(), seen[u].end()), seen[u].end());
    std::erase_if(items, [&](Index item) {
      return std::binary_search(seen[u].begin(), seen[u].end(), item);
    });
    if (!items.empty()) candidates.push_back(static_cast<Index>(u));
  }
  const auto cap = static_cast<std::size_t>(config.max_validation_users);
  if (candidates.size() > cap) {
    std::mt19937_64 rng(config.seed);
    std::shuffle(candidates.begin(), candidates.end(), rng);
    candidates.resize(cap);
    std::sort(candidates.begin(), candidates.end());
  }
  validation.users = candidates;
  for (Index u : validation.users) {
    validation.relevant.push_back(held_out[static_cast<std::size_t>(u)]);
    validation.seen.push_back(seen[static_cast<std::size_t>(u)]);
  }
  return validation;
}

}  // namespace

TrainingData prepare_training_data(const Dataset& dataset, const ModelConfig& config) {
  const std::size_t num_users = dataset.users.size();
  const std::size_t num_items = dataset.items.size();
  const Interactions positives = positives_of(dataset.interactions);

  Split split;
  double cutoff = kNoTime;
  if (config.validation_fraction > 0 && positives.size() > 1) {
    const std::string protocol = validation_protocol(config, dataset.has_timestamps());
    if (protocol == "temporal") {
      cutoff = temporal_cutoff(positives, config.validation_fraction);
      split = temporal_split(positives, cutoff);
    } else {
      // The rows `invr evaluate` holds out for this model (same protocol,
      // fraction and seed), so it never scores a row the model trained on.
      invr::logger().info("validating on {} {:.0f}% of the rows",
                          protocol == "random" ? "a seeded random" : "each user's latest",
                          100 * config.validation_fraction);
      const Split rows =
          protocol == "random"
              ? random_split(dataset.interactions, config.validation_fraction, config.seed)
              : user_temporal_split(dataset.interactions, config.validation_fraction);
      split.train = positives_of(rows.train);
      split.test = positives_of(rows.test);
    }
    if (split.train.size() == 0 || split.test.size() == 0) {
      invr::logger().warn("validation split is empty on one side; training without validation");
      split = Split{positives, {}};
      cutoff = kNoTime;
    }
  } else {
    split.train = positives;
  }

  TrainingData data;
  data.histories = user_histories(split.train, num_users);
  data.set_histories = config.train_history == "others" ||
                       (config.train_history == "auto" && !dataset.has_timestamps());
  // Examples in time order (ties by user, then position) for a stable start.
  for (std::size_t u = 0; u < num_users; ++u)
    for (std::size_t k = 0; k < data.histories.count(static_cast<Index>(u)); ++k)
      data.examples.push_back({static_cast<Index>(u), static_cast<std::uint32_t>(k)});
  auto time_key = [&](const Example& e) {
    const double t = data.example_time(e);
    return has_time(t) ? t : -std::numeric_limits<double>::infinity();
  };
  std::stable_sort(data.examples.begin(), data.examples.end(),
                   [&](const Example& a, const Example& b) { return time_key(a) < time_key(b); });

  data.item_count.assign(num_items, 0);
  for (Index item : data.histories.item) ++data.item_count[static_cast<std::size_t>(item)];
  // Log-Q: in-batch candidates are drawn in proportion to their positives.
  const double total = static_cast<double>(data.histories.item.size());
  data.log_q.assign(num_items + 1, 0.0f);
  for (std::size_t i = 0; i < num_items; ++i)
    if (data.item_count[i] > 0)
      data.log_q[i + 1] = static_cast<float>(std::log(static_cast<double>(data.item_count[i]) / total));

  if (split.test.size() > 0)
    data.validation = make_validation(split, cutoff, data.histories, num_users, config);
  return data;
}

namespace {
template <typename From>
std::vector<std::int64_t> as_int64(const std::vector<From>& values) {
  return std::vector<std::int64_t>(values.begin(), values.end());
}

std::vector<std::int64_t> time_bits(const std::vector<double>& times) {
  std::vector<std::int64_t> bits(times.size());
  for (std::size_t i = 0; i < times.size(); ++i) bits[i] = std::bit_cast<std::int64_t>(times[i]);
  return bits;
}

void write_vector(const std::filesystem::path& path, const std::vector<std::int64_t>& values) {
  const std::size_t shape[] = {values.size()};
  write_npy(path, std::span<const std::int64_t>(values), shape);
}
}  // namespace

void write_training_dump(const TrainingData& data, const ItemCatalog& catalog,
                         std::size_t num_producers, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::vector<std::int64_t> user, position;
  for (const Example& e : data.examples) {
    user.push_back(e.user);
    position.push_back(e.position);
  }
  write_vector(dir / "example_user.npy", user);
  write_vector(dir / "example_position.npy", position);
  write_vector(dir / "history_offsets.npy", as_int64(data.histories.offsets));
  write_vector(dir / "history_item.npy", as_int64(data.histories.item));
  write_vector(dir / "history_time_bits.npy", time_bits(data.histories.time));
  write_vector(dir / "item_input_id.npy", catalog.input_id);
  write_vector(dir / "item_producer.npy", catalog.producer_input_id);
  write_vector(dir / "item_token_offsets.npy", as_int64(catalog.token_offsets));
  write_vector(dir / "item_tokens.npy", catalog.token_bucket);
  write_vector(dir / "item_publish_time_bits.npy", time_bits(catalog.publish_time));
  // Embedding-table sizes: model ids are the dataset's, row 0 = unknown.
  write_vector(dir / "table_rows.npy", {static_cast<std::int64_t>(catalog.size()) + 1,
                                        static_cast<std::int64_t>(num_producers) + 1});
  const std::size_t shape[] = {data.log_q.size()};
  write_npy(dir / "log_q.npy", std::span<const float>(data.log_q), shape);
}

double popularity_recall(const TrainingData& data, std::size_t k) {
  const auto& validation = data.validation;
  if (validation.empty()) return 0;
  std::vector<Index> by_popularity(data.item_count.size());
  std::iota(by_popularity.begin(), by_popularity.end(), Index{0});
  std::stable_sort(by_popularity.begin(), by_popularity.end(), [&](Index a, Index b) {
    return data.item_count[static_cast<std::size_t>(a)] > data.item_count[static_cast<std::size_t>(b)];
  });
  ItemLists ranked;
  std::vector<Index> list;
  for (std::size_t v = 0; v < validation.users.size(); ++v) {
    const auto seen = validation.seen.list(v);
    list.clear();
    for (Index item : by_popularity) {
      if (list.size() == k) break;
      if (!std::binary_search(seen.begin(), seen.end(), item)) list.push_back(item);
    }
    ranked.push_back(list);
  }
  return accuracy_at_k(ranked, validation.relevant, k).recall;
}

}  // namespace invr::model
