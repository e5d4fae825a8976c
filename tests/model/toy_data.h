// Hand-made clustered data where the signal is clear: every user and item
// belongs to one of `clusters` groups, users only take items of their own
// group (popular ones more often), and one content token ("topic=tC") names
// an item's group. A model that learns the groups beats "most popular" easily; a model
// that cannot (or a random embedding) does not.
#pragma once

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "invr/data.h"
#include "invr/model_config.h"

namespace invr::test {

struct ToyParams {
  int clusters = 8;
  int items_per_cluster = 40;
  int users = 300;
  int events_per_user = 12;
  // Items per cluster that get no interactions at all (the last ones of
  // each group): cold items for the cold-start test.
  int cold_per_cluster = 0;
  unsigned seed = 7;
};

// prefix + number. (Not "literal" + std::to_string: GCC 12 warns -Wrestrict on it.)
inline std::string toy_name(std::string prefix, int number) {
  prefix += std::to_string(number);
  return prefix;
}

inline int toy_cluster_of_item(int item, const ToyParams& p) { return item / p.items_per_cluster; }
inline int toy_cluster_of_user(int user, const ToyParams& p) { return user % p.clusters; }

inline Dataset make_toy_dataset(const ToyParams& p = {}) {
  Dataset d;
  d.name = "toy";
  std::mt19937 rng(p.seed);
  const double start = 1.7e9;
  // Producers cut across clusters, so only the topic token tells an item's
  // group; the words are shared noise.
  constexpr int kProducers = 3;
  for (int q = 0; q < kProducers; ++q) d.producers.add(toy_name("p", q));
  for (int i = 0; i < p.clusters * p.items_per_cluster; ++i) {
    d.items.add(toy_name("i", i));
    const int c = toy_cluster_of_item(i, p);
    std::vector<Index> tokens = {d.tokens.add(toy_name("topic=t", c))};
    std::uniform_int_distribution<int> word(0, 19);
    for (int w = 0; w < 2; ++w) tokens.push_back(d.tokens.add(toy_name("word=w", word(rng))));
    std::sort(tokens.begin(), tokens.end());
    tokens.erase(std::unique(tokens.begin(), tokens.end()), tokens.end());
    d.item_table.push_back(static_cast<Index>(i % kProducers), start - 86400.0 * (i % 7), tokens);
  }
  const int warm = p.items_per_cluster - p.cold_per_cluster;
  std::vector<double> weights(static_cast<std::size_t>(warm));
  for (int r = 0; r < warm; ++r) weights[static_cast<std::size_t>(r)] = 1.0 / (r + 1);
  std::discrete_distribution<int> pick(weights.begin(), weights.end());
  for (int u = 0; u < p.users; ++u) d.users.add(toy_name("u", u));
  // Events interleave across users, so the latest 10% touches every user.
  for (int k = 0; k < p.events_per_user; ++k)
    for (int u = 0; u < p.users; ++u) {
      const int item = toy_cluster_of_user(u, p) * p.items_per_cluster + pick(rng);
      const double t = start + 3600.0 * (k * p.users + u);
      d.interactions.push_back(static_cast<Index>(u), static_cast<Index>(item), t,
                               EventType::click, 1.0f);
      // Impressions of a random item are logged too: they must not count as positives.
      if (u % 3 == 0) {
        std::uniform_int_distribution<int> any(0, p.clusters * p.items_per_cluster - 1);
        d.interactions.push_back(static_cast<Index>(u), static_cast<Index>(any(rng)), t,
                                 EventType::impression, 1.0f);
      }
    }
  return d;
}

// A small, fast configuration for tests.
inline ModelConfig toy_config() {
  ModelConfig c;
  c.dim = 16;
  c.embedding_dim = 16;
  c.hidden_dim = 32;
  c.history_length = 10;
  c.token_buckets = 257;
  c.epochs = 6;
  c.batch_size = 128;
  c.learning_rate = 5e-3;
  c.temperature = 0.1;
  c.threads = 1;
  c.patience = 3;
  return c;
}

}  // namespace invr::test
