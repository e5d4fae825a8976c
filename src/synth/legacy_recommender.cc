// The legacy recommender whose logs the synthetic world records.
//
// Each day it ranks from a popularity snapshot taken at the start of the day:
// item weight = publisher_items^γ × (1 + popularity)^β, where popularity is
// decayed clicks plus a little credit per impression. A visit draws
// candidates in proportion to weight among items already published, adds a
// few uniform ones, and ranks them by ρ·log(weight) + relevance mix + Gumbel
// noise. Items live when the day starts are drawn from an alias table (O(1));
// items published during the day, a small set, from a cumulative array cut
// at the visit time, so no draw scans or binary-searches the whole catalogue. Big publishers and already popular items win: the bias InvR
// works against. Users within a day are independent given the snapshot, so
// they run in parallel, each with its own random stream per day.
#include <algorithm>
#include <cmath>


#include "invr/error.h"
#include "invr/log.h"
#include "invr/progress.h"
#include "invr/synth.h"
#include "alias_table.h"
#include "common/parallel.h"
#include "rng.h"
#include "world_internal.h"

namespace invr::synth {
namespace {
constexpr double kSecondsPerDay = 86400;
constexpr std::size_t kUsersPerChunk = 2048;

// Visit times per user in CSR form, ascending within a user.
struct Visits {
  std::vector<std::uint64_t> offsets;
  std::vector<double> time;
};

// Impressions of one chunk of users over one day, in user then visit order.
struct ChunkLog {
  std::vector<Index> user;
  std::vector<Index> item;
  std::vector<std::int32_t> position;
  std::vector<std::uint8_t> clicked;
  std::vector<double> time;
  std::uint64_t visits = 0;
};

// The snapshot a day ranks from. Items are in publish-time order, so "live
// at the start of the day" is the prefix [0, settled).
struct PopularitySnapshot {
  std::vector<double> weight;
  std::vector<double> log_weight;
  std::size_t settled = 0;
  double settled_weight = 0;
  AliasTable settled_alias;
  // Prefix sums of weight over [settled, settled + fresh_cumulative.size()):
  // the items published during the day.
  std::vector<double> fresh_cumulative;
};

struct Candidate {
  double score;
  Index item;
};

// Every user visits at least once; the rest follows activity so the mean
// number of impressions per user is about the requested one.
Visits draw_visits(const WorldParams& params, const std::vector<double>& activity) {
  const auto n_users = static_cast<std::size_t>(params.users);
  const double per_user = params.impressions > 0
                              ? static_cast<double>(params.impressions) / static_cast<double>(n_users)
                              : params.impressions_per_user;
  const double extra_visits =
      std::max(0.0, per_user / static_cast<double>(params.slate_size) - 1.0);
  // Clicks land up to slate_size seconds after a visit: keep them in the period.
  const double span = static_cast<double>(params.days) * kSecondsPerDay -
                      static_cast<double>(params.slate_size) - 60;
  const std::size_t chunks = (n_users + kUsersPerChunk - 1) / kUsersPerChunk;
  const int threads = static_cast<int>(params.threads);

  Visits visits;
  visits.offsets.assign(n_users + 1, 0);
  auto count_of = [&](Rng& rng, std::size_t u) {
    return static_cast<std::uint64_t>(1 + rng.poisson(extra_visits * activity[u]));
  };
  parallel_tasks(chunks, threads, [&](std::size_t chunk) {
    const std::size_t end = std::min(n_users, (chunk + 1) * kUsersPerChunk);
    for (std::size_t u = chunk * kUsersPerChunk; u < end; ++u) {
      Rng rng(params.seed, Stream::visits, u);
      visits.offsets[u + 1] = count_of(rng, u);
    }
  });
  for (std::size_t u = 0; u < n_users; ++u) visits.offsets[u + 1] += visits.offsets[u];
  visits.time.resize(visits.offsets.back());
  parallel_tasks(chunks, threads, [&](std::size_t chunk) {
    const std::size_t end = std::min(n_users, (chunk + 1) * kUsersPerChunk);
    for (std::size_t u = chunk * kUsersPerChunk; u < end; ++u) {
      Rng rng(params.seed, Stream::visits, u);
      count_of(rng, u);  // same stream as the counting pass
      double* first = visits.time.data() + visits.offsets[u];
      double* last = visits.time.data() + visits.offsets[u + 1];
      for (double* t = first; t != last; ++t)
        *t = params.start_time + std::floor(rng.uniform() * span);
      std::sort(first, last);
    }
  });
  return visits;
}

class LegacyRecommender {
 public:
  LegacyRecommender(const WorldParams& params, World& world)
      : params_(params),
        truth_(world.truth),
        publish_time_(world.dataset.item_table.publish_time),
        dim_(world.truth.dim) {
    const std::size_t n_items = truth_.n_items();
    std::vector<double> publisher_items(truth_.n_publishers(), 0);
    for (Index p : truth_.item_publisher) publisher_items[static_cast<std::size_t>(p)] += 1;
    publisher_boost_.resize(n_items);
    for (std::size_t i = 0; i < n_items; ++i)
      publisher_boost_[i] = std::pow(
          publisher_items[static_cast<std::size_t>(truth_.item_publisher[i])],
          params.publisher_size_exponent);
    clicks_.assign(n_items, 0);
    impressions_.assign(n_items, 0);
    snapshot_.weight.resize(n_items);
    snapshot_.log_weight.resize(n_items);
    clicked_by_user_.resize(truth_.n_users());
  }

  // Recomputes weights from the decayed counts for the day [day_start, day_end).
  void take_snapshot(double day_start, double day_end) {
    PopularitySnapshot& s = snapshot_;
    for (std::size_t i = 0; i < publisher_boost_.size(); ++i) {
      const double popularity = clicks_[i] + params_.impression_credit * impressions_[i];
      s.weight[i] = publisher_boost_[i] * std::pow(1.0 + popularity, params_.popularity_exponent);
      s.log_weight[i] = std::log(s.weight[i]);
    }
    s.settled = live_at(day_start);
    s.settled_weight = 0;
    for (std::size_t i = 0; i < s.settled; ++i) s.settled_weight += s.weight[i];
    if (s.settled > 0) s.settled_alias.build({s.weight.data(), s.settled});
    s.fresh_cumulative.clear();
    double total = 0;
    for (std::size_t i = s.settled; i < live_at(day_end); ++i)
      s.fresh_cumulative.push_back(total += s.weight[i]);
  }

  // Decays yesterday's counts and adds today's, in chunk order.
  void add_day(const std::vector<ChunkLog>& logs) {
    for (std::size_t i = 0; i < clicks_.size(); ++i) {
      clicks_[i] *= params_.popularity_decay;
      impressions_[i] *= params_.popularity_decay;
    }
    for (const ChunkLog& log : logs)
      for (std::size_t r = 0; r < log.item.size(); ++r) {
        const auto i = static_cast<std::size_t>(log.item[r]);
        impressions_[i] += 1;
        clicks_[i] += log.clicked[r];
      }
  }

  // One user's visits in [.., day_end): appends slates to log.
  void serve_user(Index user, std::int64_t day, const Visits& visits, std::uint64_t& cursor,
                  double day_end, std::vector<Candidate>& scratch, ChunkLog& log) {
    const std::uint64_t end = visits.offsets[static_cast<std::size_t>(user) + 1];
    if (cursor == end || visits.time[cursor] >= day_end) return;
    Rng rng(params_.seed, Stream::slates, static_cast<std::uint64_t>(user),
            static_cast<std::uint64_t>(day));
    for (; cursor < end && visits.time[cursor] < day_end; ++cursor) {
      serve_visit(user, visits.time[cursor], rng, scratch, log);
      ++log.visits;
    }
  }

 private:
  // Items published at or before `time`: a prefix, as items are in publish order.
  std::size_t live_at(double time) const {
    return static_cast<std::size_t>(
        std::upper_bound(publish_time_.begin(), publish_time_.end(), time) - publish_time_.begin());
  }

  // One draw in proportion to weight among the first `live` items (live >= settled).
  Index draw_popular(std::size_t live, Rng& rng) const {
    const PopularitySnapshot& s = snapshot_;
    const std::size_t fresh = live - s.settled;
    const double fresh_weight = fresh ? s.fresh_cumulative[fresh - 1] : 0.0;
    const double r = rng.uniform() * (s.settled_weight + fresh_weight);
    // fresh == 0 also covers r rounding up to the total.
    if (fresh == 0 || r < s.settled_weight) return static_cast<Index>(s.settled_alias.sample(rng));
    const auto begin = s.fresh_cumulative.begin();
    const auto k = std::upper_bound(begin, begin + static_cast<std::ptrdiff_t>(fresh),
                                    r - s.settled_weight) - begin;
    return static_cast<Index>(s.settled +
                              std::min<std::size_t>(static_cast<std::size_t>(k), fresh - 1));
  }

  void serve_visit(Index user, double time, Rng& rng, std::vector<Candidate>& candidates,
                   ChunkLog& log) {
    const std::size_t live = live_at(time);
    INVR_CHECK(live > 0 && live >= snapshot_.settled);
    const auto slate = static_cast<std::size_t>(params_.slate_size);
    std::vector<Index>& clicked = clicked_by_user_[static_cast<std::size_t>(user)];
    candidates.clear();
    auto offer = [&](Index item) {
      if (std::find(clicked.begin(), clicked.end(), item) != clicked.end()) return;
      for (const Candidate& c : candidates)
        if (c.item == item) return;
      candidates.push_back({0, item});
    };
    const std::size_t wanted =
        std::min(live, static_cast<std::size_t>(params_.candidates_per_slot) * slate);
    for (std::size_t attempt = 0; attempt < 4 * wanted && candidates.size() < wanted; ++attempt)
      offer(draw_popular(live, rng));
    for (std::int64_t k = 0; k < params_.exploration_candidates; ++k)
      offer(static_cast<Index>(rng.below(live)));

    const float* interest = truth_.user_interest.data() + static_cast<std::size_t>(user) * dim_;
    for (Candidate& c : candidates) {
      const float* topic = truth_.item_topic.data() + static_cast<std::size_t>(c.item) * dim_;
      double dot = 0;
      for (std::size_t k = 0; k < dim_; ++k) dot += static_cast<double>(interest[k]) * topic[k];
      c.score = params_.popularity_in_ranking * snapshot_.log_weight[static_cast<std::size_t>(c.item)] +
                params_.relevance_mix * dot + params_.ranking_noise * rng.gumbel();
    }
    const std::size_t shown = std::min(slate, candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(shown),
                      candidates.end(), [](const Candidate& a, const Candidate& b) {
                        return a.score > b.score || (a.score == b.score && a.item < b.item);
                      });
    for (std::size_t pos = 0; pos < shown; ++pos) {
      const Index item = candidates[pos].item;
      const bool click =
          rng.bernoulli(click_probability(truth_, user, item, static_cast<int>(pos)));
      if (click) clicked.push_back(item);
      log.user.push_back(user);
      log.item.push_back(item);
      log.position.push_back(static_cast<std::int32_t>(pos));
      log.clicked.push_back(click ? 1 : 0);
      log.time.push_back(time);
    }
  }

  const WorldParams& params_;
  const WorldTruth& truth_;
  const std::vector<double>& publish_time_;
  const std::size_t dim_;
  std::vector<double> publisher_boost_;
  std::vector<double> clicks_;       // decayed
  std::vector<double> impressions_;  // decayed
  PopularitySnapshot snapshot_;
  // Users are not shown what they already clicked. Each user is touched by
  // one thread at a time (chunks partition users).
  std::vector<std::vector<Index>> clicked_by_user_;
};

void append_day(const std::vector<ChunkLog>& logs, World& world) {
  ExposureLog& exposures = world.exposures;
  Interactions& interactions = world.dataset.interactions;
  for (const ChunkLog& log : logs) {
    for (std::size_t r = 0; r < log.item.size(); ++r) {
      exposures.push_back(log.user[r], log.item[r], log.position[r], log.clicked[r] != 0,
                          log.time[r], kNoIndex);
      interactions.push_back(log.user[r], log.item[r], log.time[r], EventType::impression, 1);
      // The click comes a moment after the slate, later for lower slots.
      if (log.clicked[r])
        interactions.push_back(log.user[r], log.item[r], log.time[r] + 1 + log.position[r],
                               EventType::click, 1);
    }
  }
}
}  // namespace

void run_legacy_recommender(const WorldParams& params, const std::vector<double>& activity,
                            World& world) {
  const Visits visits = draw_visits(params, activity);
  const auto n_users = static_cast<std::size_t>(params.users);
  const std::size_t chunks = (n_users + kUsersPerChunk - 1) / kUsersPerChunk;
  const std::uint64_t total_visits = visits.offsets.back();
  const auto expected_rows = total_visits * static_cast<std::uint64_t>(params.slate_size);
  world.exposures.users = world.dataset.users;
  world.exposures.user.reserve(expected_rows);
  world.exposures.item.reserve(expected_rows);
  world.exposures.position.reserve(expected_rows);
  world.exposures.clicked.reserve(expected_rows);
  world.exposures.timestamp.reserve(expected_rows);
  world.exposures.arm.reserve(expected_rows);
  world.dataset.interactions.reserve(expected_rows + expected_rows / 10);

  LegacyRecommender recommender(params, world);
  std::vector<std::uint64_t> cursor(visits.offsets.begin(), visits.offsets.end() - 1);
  Progress progress("legacy recommender", total_visits, "visits");
  for (std::int64_t day = 0; day < params.days; ++day) {
    const double day_start = params.start_time + static_cast<double>(day) * kSecondsPerDay;
    const double day_end = day + 1 == params.days ? world.truth.end_time
                                                  : day_start + kSecondsPerDay;
    recommender.take_snapshot(day_start, day_end);
    std::vector<ChunkLog> logs(chunks);
    parallel_tasks(chunks, static_cast<int>(params.threads), [&](std::size_t chunk) {
      const std::size_t end = std::min(n_users, (chunk + 1) * kUsersPerChunk);
      ChunkLog& log = logs[chunk];
      std::vector<Candidate> scratch;
      for (std::size_t u = chunk * kUsersPerChunk; u < end; ++u)
        recommender.serve_user(static_cast<Index>(u), day, visits, cursor[u], day_end, scratch, log);
      progress.add(log.visits);
    });
    recommender.add_day(logs);
    append_day(logs, world);
  }
  progress.finish();
  const auto shown = world.exposures.size();
  std::size_t clicks = 0;
  for (auto c : world.exposures.clicked) clicks += c;
  invr::logger().info("legacy recommender: {} visits, {} impressions, {} clicks (CTR {:.2f}%)",
                      total_visits, shown, clicks, shown ? 100.0 * double(clicks) / double(shown) : 0.0);
}

}  // namespace invr::synth
