// The ground-truth click model and the id scheme that ties files to truth.
#include <charconv>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/synth.h"
#include "rng.h"
#include "world_internal.h"

namespace invr {
namespace {
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// a·dot + b·quality, the part of the logit that does not depend on c.
double relevance_logit_without_bias(const WorldTruth& truth, Index user, Index item) {
  const std::size_t dim = truth.dim;
  const float* u = truth.user_interest.data() + static_cast<std::size_t>(user) * dim;
  const float* v = truth.item_topic.data() + static_cast<std::size_t>(item) * dim;
  double dot = 0;
  for (std::size_t k = 0; k < dim; ++k) dot += static_cast<double>(u[k]) * v[k];
  return truth.relevance_weight * dot +
         truth.quality_weight * truth.item_quality[static_cast<std::size_t>(item)];
}
}  // namespace

double relevance(const WorldTruth& truth, Index user, Index item) {
  if (user < 0 || static_cast<std::size_t>(user) >= truth.n_users())
    throw UsageError(fmt::format("relevance: user {} is not one of the {} users", user,
                                 truth.n_users()));
  if (item < 0 || static_cast<std::size_t>(item) >= truth.n_items())
    throw UsageError(fmt::format("relevance: item {} is not one of the {} items", item,
                                 truth.n_items()));
  return sigmoid(relevance_logit_without_bias(truth, user, item) + truth.relevance_bias);
}

double click_probability(const WorldTruth& truth, Index user, Index item, int position) {
  if (position < 0)
    throw UsageError(fmt::format("click_probability: position {} is negative", position));
  return relevance(truth, user, item) * truth.examination.at(position);
}

std::string synth_user_id(Index user) { return fmt::format("u{}", user); }
std::string synth_item_id(Index item) { return fmt::format("i{}", item); }
std::string synth_publisher_id(Index publisher) { return fmt::format("p{}", publisher); }

std::vector<Index> truth_indices(const IdMap& ids, char prefix, std::size_t truth_size,
                                 const std::string& source) {
  std::vector<Index> out(ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k) {
    const std::string& id = ids.id(static_cast<Index>(k));
    long long n = -1;
    bool ok = id.size() > 1 && id[0] == prefix;
    if (ok) {
      auto [end, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), n);
      ok = ec == std::errc() && end == id.data() + id.size() && n >= 0 &&
           static_cast<unsigned long long>(n) < truth_size;
    }
    if (!ok)
      throw DataError(source, 0, 0,
                      fmt::format("id '{}' is not a synthetic id '{}<n>' with n < {}", id, prefix,
                                  truth_size));
    out[k] = static_cast<Index>(n);
  }
  return out;
}

namespace synth {

double calibrate_relevance_bias(const WorldTruth& truth, double mean_relevance,
                                std::uint64_t seed) {
  // A fixed sample is enough: the mean of a sigmoid over 20k pairs is stable
  // to well under a percent, and the sample does not grow with the world.
  constexpr int kPairs = 20000;
  Rng rng(seed, Stream::calibration);
  std::vector<double> logits(kPairs);
  for (auto& logit : logits) {
    auto user = static_cast<Index>(rng.below(truth.n_users()));
    auto item = static_cast<Index>(rng.below(truth.n_items()));
    logit = relevance_logit_without_bias(truth, user, item);
  }
  // The mean is increasing in c: bisect.
  double low = -50, high = 50;
  for (int step = 0; step < 100; ++step) {
    const double mid = 0.5 * (low + high);
    double sum = 0;
    for (double logit : logits) sum += sigmoid(logit + mid);
    (sum / kPairs < mean_relevance ? low : high) = mid;
  }
  return 0.5 * (low + high);
}

}  // namespace synth
}  // namespace invr
