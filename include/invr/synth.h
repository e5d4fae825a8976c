// A synthetic world with known ground truth, for testing and simulating InvR.
//
// generate_world() draws publishers (heavy-tailed sizes, a latent quality),
// items (latent topic vectors, publish times, topic-correlated tokens) and
// users (latent interests, heavy-tailed activity), then replays a legacy,
// popularity-favouring recommender over the days to produce logged
// impressions and clicks that carry the popularity bias real logs carry.
// WorldTruth keeps every latent quantity, so a simulator can later draw a
// click for any (user, item, position) with click_probability(), the same
// formula that produced the logs. docs/synthetic_world.md has the model.
//
// Contract:
//  - Matrices are row-major float: user_interest is n_users × dim,
//    item_topic is n_items × dim.
//  - Truth index u is the user with external id synth_user_id(u) ("u<u>"),
//    item i is synth_item_id(i) ("i<i>"), publisher p is "p<p>". The World's
//    Dataset uses exactly these indices; a Dataset reloaded from disk numbers
//    ids in order of appearance, so map it back with truth_indices().
//  - Items are numbered in publish-time order.
//  - Output is a pure function of WorldParams minus `threads`: the same seed
//    gives byte-identical files whatever the thread count.
//  - WorldTruth is a plain value; click_probability() is pure and thread-safe.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "invr/data.h"
#include "invr/settings.h"

namespace invr {

// Everything generate_world() needs. Each field is declared once, with its
// bounds and help, in world_param_specs(); the CLI and docs follow it.
struct WorldParams {
  // Sizes.
  std::int64_t users = 20000;
  std::int64_t items = 5000;
  std::int64_t publishers = 300;
  std::int64_t days = 14;
  std::int64_t dim = 16;
  std::uint64_t seed = 42;
  double start_time = 1704067200;  // 2024-01-01T00:00:00Z
  // Traffic: mean impressions per user, unless `impressions` (a total) is set.
  double impressions_per_user = 50;
  std::int64_t impressions = 0;
  std::int64_t slate_size = 10;
  double activity_sigma = 1.0;  // lognormal spread of user activity
  // Catalogue.
  double publisher_zipf = 0.8;             // publisher size ~ rank^-publisher_zipf
  double initial_catalog_fraction = 0.2;   // items live at start_time
  double item_quality_noise = 0.3;         // item quality = publisher quality + noise
  double topic_noise = 0.3;                // off-topic spread of latent vectors
  std::int64_t tokens_per_item = 8;
  std::int64_t words_per_topic = 50;
  double token_noise = 0.15;               // share of tokens drawn off-topic
  // Ground-truth click model.
  double relevance_weight = 4.0;  // a in sigmoid(a·dot + b·quality + c)
  double quality_weight = 0.7;    // b
  double mean_relevance = 0.06;   // c is calibrated so random pairs average this
  double examination_eta = 0.7;   // P(examine position k) = (1/(k+1))^eta
  // Legacy recommender.
  double publisher_size_exponent = 0.3;  // item weight ∝ publisher_items^this
  double popularity_exponent = 0.5;      // ... × (1 + popularity)^this
  double impression_credit = 0.05;       // popularity = clicks + credit × impressions
  double popularity_decay = 0.8;         // yesterday's popularity kept per day
  std::int64_t candidates_per_slot = 3;  // popularity samples per slate slot
  std::int64_t exploration_candidates = 2;  // uniform samples per slate
  // Ranking score = popularity_in_ranking × log(weight) + relevance_mix × dot(user, item)
  //                + ranking_noise × Gumbel noise.
  double popularity_in_ranking = 0.3;
  double relevance_mix = 2.0;
  double ranking_noise = 1.0;
  // Execution; does not change the output.
  std::int64_t threads = 2;
};

// One declared parameter (invr/settings.h): name (snake_case; the CLI flag
// is --kebab-case), help text, inclusive bounds, and the field it sets.
using WorldParamSpec = Setting<WorldParams>;
std::span<const WorldParamSpec> world_param_specs();
// Throws UsageError naming the flag ("--users must be ...") if a value is out
// of bounds or the combination is impossible (more publishers than items).
void validate(const WorldParams& params);

// P(a user examines slot `position`) = (1 / (position + 1))^eta.
struct ExaminationCurve {
  double eta = 0.7;
  double at(int position) const { return std::pow(1.0 / (position + 1.0), eta); }
};

// The latent state behind a world: what a simulator needs to draw clicks.
struct WorldTruth {
  std::uint32_t dim = 0;
  std::vector<float> user_interest;      // n_users × dim, row-major
  std::vector<float> item_topic;         // n_items × dim, row-major
  std::vector<float> item_quality;       // n_items
  std::vector<Index> item_publisher;     // n_items, index into publisher_quality
  std::vector<float> publisher_quality;  // n_publishers
  // relevance(u, i) = sigmoid(relevance_weight · dot(interest_u, topic_i)
  //                           + quality_weight · item_quality_i + relevance_bias)
  double relevance_weight = 0;
  double quality_weight = 0;
  double relevance_bias = 0;
  ExaminationCurve examination;
  double start_time = 0;  // the logged period, seconds since the epoch
  double end_time = 0;
  std::uint64_t seed = 0;

  std::size_t n_users() const { return dim ? user_interest.size() / dim : 0; }
  std::size_t n_items() const { return item_quality.size(); }
  std::size_t n_publishers() const { return publisher_quality.size(); }
};

// Ground-truth P(click | examined): sigmoid(a·dot + b·quality + c).
double relevance(const WorldTruth& truth, Index user, Index item);
// P(click) when `item` is shown to `user` at 0-based slate `position`:
// relevance × examination. Logs, simulator and tests all use this one.
double click_probability(const WorldTruth& truth, Index user, Index item, int position);

// A generated world. exposures.users is dataset.users; exposures have no arms.
// dataset.interactions holds, per shown item, an impression row at the visit
// time and, if clicked, a click row a few seconds later.
struct World {
  Dataset dataset;
  ExposureLog exposures;
  WorldTruth truth;
};

// Draws a world. Shows invr::Progress over visits. Throws UsageError on bad params.
World generate_world(const WorldParams& params);

// Writes dir/world.{inter,item,user} (atomic files), dir/world.exposures and
// dir/world.truth, creating dir. Each file is written atomically.
void save_world(const World& world, const std::filesystem::path& dir);

// External ids of truth indices.
std::string synth_user_id(Index user);
std::string synth_item_id(Index item);
std::string synth_publisher_id(Index publisher);
// For each index of `ids` (e.g. a reloaded dataset's users), its truth index:
// ids must read "<prefix><n>" with n < truth_size, else DataError naming `source`.
std::vector<Index> truth_indices(const IdMap& ids, char prefix, std::size_t truth_size,
                                 const std::string& source);

// world.truth: binary, little-endian, magic "INVRTRTH" and a version; spec in
// docs/synthetic_world.md. Saving is atomic (temporary file, then rename).
// Loading throws IoError if the file cannot be read and DataError naming the
// file on a bad magic, a newer version, inconsistent sizes or truncation.
inline constexpr std::uint32_t kTruthFormatVersion = 1;
void save_truth(const WorldTruth& truth, const std::filesystem::path& path);
WorldTruth load_truth(const std::filesystem::path& path);

}  // namespace invr
