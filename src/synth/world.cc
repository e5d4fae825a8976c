// Publishers, items and users of the synthetic world, and generate_world().
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include <fmt/format.h>

#include "invr/synth.h"
#include "common/parallel.h"
#include "rng.h"
#include "world_internal.h"

namespace invr::synth {
namespace {
constexpr double kSecondsPerDay = 86400;

// A unit vector near one dominant topic, sometimes with a weaker second one:
// the shape shared by item topics and user interests.
void draw_latent(Rng& rng, std::size_t dim, double noise, float* out) {
  const double scale = noise / std::sqrt(static_cast<double>(dim));
  std::vector<double> v(dim);
  for (auto& x : v) x = scale * rng.normal();
  const auto first = rng.below(dim);
  v[first] += 1.0;
  if (dim > 1 && rng.bernoulli(0.5)) v[(first + 1 + rng.below(dim - 1)) % dim] += 0.5;
  double norm = 0;
  for (double x : v) norm += x * x;
  norm = std::sqrt(norm);
  for (std::size_t k = 0; k < dim; ++k) out[k] = static_cast<float>(v[k] / norm);
}

// Publisher of each item: every publisher gets one, the rest follow Zipf
// weights, then the order is shuffled so size does not follow publish time.
std::vector<Index> draw_item_publishers(const WorldParams& params) {
  const auto n_items = static_cast<std::size_t>(params.items);
  const auto n_publishers = static_cast<std::size_t>(params.publishers);
  std::vector<double> cumulative(n_publishers);
  double total = 0;
  for (std::size_t p = 0; p < n_publishers; ++p)
    cumulative[p] = total += std::pow(static_cast<double>(p + 1), -params.publisher_zipf);
  Rng rng(params.seed, Stream::item_publisher);
  std::vector<Index> publisher(n_items);
  for (std::size_t i = 0; i < n_items; ++i) {
    if (i < n_publishers) {
      publisher[i] = static_cast<Index>(i);
      continue;
    }
    const double r = rng.uniform() * total;
    auto it = std::upper_bound(cumulative.begin(), cumulative.end(), r);
    publisher[i] = static_cast<Index>(std::min<std::size_t>(it - cumulative.begin(), n_publishers - 1));
  }
  for (std::size_t i = n_items; i > 1; --i) std::swap(publisher[i - 1], publisher[rng.below(i)]);
  return publisher;
}

// Publish times, ascending: the initial catalogue at start_time, the rest
// uniform over the period in whole seconds.
std::vector<double> draw_publish_times(const WorldParams& params) {
  const auto n_items = static_cast<std::size_t>(params.items);
  auto initial = static_cast<std::size_t>(
      std::llround(params.initial_catalog_fraction * static_cast<double>(n_items)));
  initial = std::clamp<std::size_t>(initial, 1, n_items);  // something to show at once
  const double period = static_cast<double>(params.days) * kSecondsPerDay;
  Rng rng(params.seed, Stream::item_time);
  std::vector<double> times(n_items, params.start_time);
  for (std::size_t i = initial; i < n_items; ++i)
    times[i] = params.start_time + std::floor(rng.uniform() * period);
  std::sort(times.begin(), times.end());
  return times;
}
}  // namespace

void draw_catalog(const WorldParams& params, World& world) {
  const auto n_items = static_cast<std::size_t>(params.items);
  const auto n_publishers = static_cast<std::size_t>(params.publishers);
  const auto dim = static_cast<std::size_t>(params.dim);
  WorldTruth& truth = world.truth;
  Dataset& dataset = world.dataset;

  truth.publisher_quality.resize(n_publishers);
  Rng publisher_rng(params.seed, Stream::publishers);
  for (auto& q : truth.publisher_quality) q = static_cast<float>(publisher_rng.normal());
  dataset.producers.reserve(n_publishers);
  for (std::size_t p = 0; p < n_publishers; ++p)
    dataset.producers.add(synth_publisher_id(static_cast<Index>(p)));

  truth.item_publisher = draw_item_publishers(params);
  const std::vector<double> publish_times = draw_publish_times(params);
  truth.item_topic.resize(n_items * dim);
  truth.item_quality.resize(n_items);
  dataset.items.reserve(n_items);

  // Token k of topic t is "word=t<t>_<k>"; indices follow first appearance.
  std::unordered_map<std::uint64_t, Index> token_index;
  std::vector<Index> item_tokens;
  std::vector<double> topic_cumulative(dim);
  const auto words = static_cast<std::uint64_t>(params.words_per_topic);
  for (std::size_t i = 0; i < n_items; ++i) {
    Rng rng(params.seed, Stream::item_topic, i);
    float* topic = truth.item_topic.data() + i * dim;
    draw_latent(rng, dim, params.topic_noise, topic);
    const Index publisher = truth.item_publisher[i];
    truth.item_quality[i] = static_cast<float>(
        truth.publisher_quality[static_cast<std::size_t>(publisher)] +
        params.item_quality_noise * rng.normal());

    // Tokens mostly come from the item's strong topics (weight = component²).
    double total = 0;
    for (std::size_t k = 0; k < dim; ++k)
      topic_cumulative[k] = total += topic[k] > 0 ? double(topic[k]) * topic[k] : 0.0;
    item_tokens.clear();
    for (std::int64_t draw = 0; draw < params.tokens_per_item; ++draw) {
      std::size_t topic_id;
      if (rng.bernoulli(params.token_noise)) {
        topic_id = rng.below(dim);
      } else {
        const double r = rng.uniform() * total;
        topic_id = std::min<std::size_t>(
            std::upper_bound(topic_cumulative.begin(), topic_cumulative.end(), r) -
                topic_cumulative.begin(),
            dim - 1);
      }
      const std::uint64_t word = rng.below(words);
      auto [it, added] = token_index.try_emplace(topic_id * words + word, kNoIndex);
      if (added) it->second = dataset.tokens.add(fmt::format("word=t{}_{}", topic_id, word));
      if (std::find(item_tokens.begin(), item_tokens.end(), it->second) == item_tokens.end())
        item_tokens.push_back(it->second);
    }
    dataset.items.add(synth_item_id(static_cast<Index>(i)));
    dataset.item_table.push_back(publisher, publish_times[i], item_tokens);
  }
}

std::vector<double> draw_users(const WorldParams& params, World& world) {
  const auto n_users = static_cast<std::size_t>(params.users);
  const auto dim = static_cast<std::size_t>(params.dim);
  world.truth.user_interest.resize(n_users * dim);
  std::vector<double> activity(n_users);
  // Mean-one lognormal: exp(sigma·z - sigma²/2).
  const double sigma = params.activity_sigma;
  constexpr std::size_t kChunk = 16384;
  parallel_tasks((n_users + kChunk - 1) / kChunk, static_cast<int>(params.threads),
                  [&](std::size_t chunk) {
                    const std::size_t end = std::min(n_users, (chunk + 1) * kChunk);
                    for (std::size_t u = chunk * kChunk; u < end; ++u) {
                      Rng rng(params.seed, Stream::user, u);
                      draw_latent(rng, dim, params.topic_noise,
                                  world.truth.user_interest.data() + u * dim);
                      activity[u] = std::exp(sigma * rng.normal() - 0.5 * sigma * sigma);
                    }
                  });
  world.dataset.users.reserve(n_users);
  for (std::size_t u = 0; u < n_users; ++u) world.dataset.users.add(synth_user_id(static_cast<Index>(u)));
  return activity;
}

}  // namespace invr::synth

namespace invr {

World generate_world(const WorldParams& params) {
  validate(params);
  World world;
  world.dataset.name = "world";
  WorldTruth& truth = world.truth;
  truth.dim = static_cast<std::uint32_t>(params.dim);
  truth.seed = params.seed;
  truth.start_time = params.start_time;
  truth.end_time = params.start_time + static_cast<double>(params.days) * 86400;
  truth.relevance_weight = params.relevance_weight;
  truth.quality_weight = params.quality_weight;
  truth.examination.eta = params.examination_eta;

  synth::draw_catalog(params, world);
  const std::vector<double> activity = synth::draw_users(params, world);
  truth.relevance_bias =
      synth::calibrate_relevance_bias(truth, params.mean_relevance, params.seed);
  synth::run_legacy_recommender(params, activity, world);
  return world;
}

}  // namespace invr
