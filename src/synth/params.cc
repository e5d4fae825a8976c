// The one declaration of the synthetic world's parameters: bounds and help.
// The CLI builds its flags from this table and a test checks the docs name
// every entry (CONTRIBUTING.md, convention 4).
#include <array>
#include <string>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/synth.h"

namespace invr {
namespace {
using P = WorldParams;
constexpr double kBig = 1e9;

const std::array kSpecs = {
    WorldParamSpec{"users", "Number of users", 1, 1e8, &P::users},
    WorldParamSpec{"items", "Number of items", 1, 1e8, &P::items},
    WorldParamSpec{"publishers", "Number of publishers (producers); at most --items", 1, 1e8,
                   &P::publishers},
    WorldParamSpec{"days", "Length of the logged period in days", 1, 3650, &P::days},
    WorldParamSpec{"dim", "Latent dimension (= number of topics)", 1, 1024, &P::dim},
    WorldParamSpec{"seed", "Random seed; the same seed gives byte-identical output", 0,
                   18446744073709551615.0,
                   &P::seed},
    WorldParamSpec{"start_time", "Start of the period, seconds since the epoch", 0, 4e9,
                   &P::start_time},
    WorldParamSpec{"impressions_per_user", "Mean impressions per user (ignored if --impressions)",
                   1, 1e6, &P::impressions_per_user},
    WorldParamSpec{"impressions", "Target total impressions; 0 means users × --impressions-per-user",
                   0, 1e11, &P::impressions},
    WorldParamSpec{"slate_size", "Items shown per visit (positions 0..S-1)", 1, 1000,
                   &P::slate_size},
    WorldParamSpec{"activity_sigma", "Lognormal sigma of user activity (heavier tail when larger)", 0,
                   4, &P::activity_sigma},
    WorldParamSpec{"publisher_zipf", "Zipf exponent of publisher sizes (items per publisher)", 0, 4,
                   &P::publisher_zipf},
    WorldParamSpec{"initial_catalog_fraction", "Share of items already published at the start", 0,
                   1, &P::initial_catalog_fraction},
    WorldParamSpec{"item_quality_noise", "Std-dev of item quality around its publisher's quality",
                   0, 10, &P::item_quality_noise},
    WorldParamSpec{"topic_noise", "Norm of the random off-topic part of latent vectors", 0, 10,
                   &P::topic_noise},
    WorldParamSpec{"tokens_per_item", "Tokens drawn per item (duplicates dropped)", 0, 1000,
                   &P::tokens_per_item},
    WorldParamSpec{"words_per_topic", "Vocabulary size of each topic", 1, 1e6, &P::words_per_topic},
    WorldParamSpec{"token_noise", "Share of an item's tokens drawn from a random topic", 0, 1,
                   &P::token_noise},
    WorldParamSpec{"relevance_weight", "a: weight of dot(user, item) in the relevance logit", 0,
                   100, &P::relevance_weight},
    WorldParamSpec{"quality_weight", "b: weight of item quality in the relevance logit", 0, 100,
                   &P::quality_weight},
    WorldParamSpec{"mean_relevance", "Mean relevance of a random (user, item) pair; sets c", 1e-4,
                   0.9, &P::mean_relevance},
    WorldParamSpec{"examination_eta", "Examination P(position k) = (1/(k+1))^eta", 0, 5,
                   &P::examination_eta},
    WorldParamSpec{"publisher_size_exponent",
                   "Legacy recommender: item weight grows as publisher size^this", 0, 5,
                   &P::publisher_size_exponent},
    WorldParamSpec{"popularity_exponent",
                   "Legacy recommender: item weight grows as (1 + popularity)^this", 0, 5,
                   &P::popularity_exponent},
    WorldParamSpec{"impression_credit",
                   "Legacy recommender: popularity = clicks + this × impressions", 0, kBig,
                   &P::impression_credit},
    WorldParamSpec{"popularity_decay", "Legacy recommender: share of popularity kept each day", 0,
                   1, &P::popularity_decay},
    WorldParamSpec{"candidates_per_slot",
                   "Legacy recommender: popularity-sampled candidates per slate slot", 1, 100,
                   &P::candidates_per_slot},
    WorldParamSpec{"exploration_candidates",
                   "Legacy recommender: uniformly sampled candidates per slate", 0, 1000,
                   &P::exploration_candidates},
    WorldParamSpec{"popularity_in_ranking",
                   "Legacy recommender: weight of log(item weight) in its ranking score", 0, 100,
                   &P::popularity_in_ranking},
    WorldParamSpec{"relevance_mix",
                   "Legacy recommender: weight of dot(user, item) in its ranking score", 0, 100,
                   &P::relevance_mix},
    WorldParamSpec{"ranking_noise", "Legacy recommender: Gumbel noise scale in its ranking score",
                   0, 100, &P::ranking_noise},
    WorldParamSpec{"threads", "Worker threads (does not change the output)", 1, 256, &P::threads},
};

}  // namespace

std::span<const WorldParamSpec> world_param_specs() { return kSpecs; }

void validate(const WorldParams& params) {
  validate_settings(world_param_specs(), params);
  if (params.publishers > params.items)
    throw UsageError(fmt::format("--publishers ({}) must not exceed --items ({}): every publisher "
                                 "has at least one item",
                                 params.publishers, params.items));
}

}  // namespace invr
