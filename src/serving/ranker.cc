// The default ranking stage: the two-tower score plus an exponentially
// decaying freshness bonus, so new items can beat slightly better old ones.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/slate.h"

namespace invr {
namespace {

class FreshnessRanker final : public Ranker {
 public:
  FreshnessRanker(double weight, double half_life_hours)
      : weight_(weight), half_life_seconds_(half_life_hours * 3600.0) {}

  std::string name() const override { return "two-tower-freshness"; }

  void score(const SlateCatalog& catalog, const RankInput& input,
             std::span<double> scores) const override {
    if (scores.size() != input.items.size() || input.two_tower_scores.size() != input.items.size())
      throw UsageError(fmt::format("{}: score: {} items, {} two_tower_scores and {} score slots; "
                                   "all three must be equal",
                                   name(), input.items.size(), input.two_tower_scores.size(),
                                   scores.size()));
    for (std::size_t i = 0; i < input.items.size(); ++i) {
      scores[i] = input.two_tower_scores[i] +
                  bonus(input.now, catalog.publish_time[static_cast<std::size_t>(input.items[i])]);
    }
  }

 private:
  double bonus(double now, double published) const {
    if (weight_ == 0 || !has_time(now) || !has_time(published)) return 0;
    const double age = std::max(0.0, now - published);
    return weight_ * std::exp2(-age / half_life_seconds_);
  }

  double weight_;
  double half_life_seconds_;
};

}  // namespace

std::unique_ptr<Ranker> make_freshness_ranker(const SlateParams& params) {
  return std::make_unique<FreshnessRanker>(params.freshness_weight,
                                           params.freshness_half_life_hours);
}

const char* slate_source_name(SlateSource source) {
  switch (source) {
    case SlateSource::main:
      return "main";
    case SlateSource::popular:
      return "popular";
    case SlateSource::invr:
      return "invr";
    case SlateSource::platform:
      return "platform";
    case SlateSource::longtail:
      return "longtail";
  }
  return "?";
}

}  // namespace invr
