// Non-neural baselines that the two-tower model is measured against
// (docs/metrics.md, "Model evaluation"): most-popular, item-kNN and EASE.
//
// Contract:
//  - Training data is a binary user × item matrix given as ItemLists: list u
//    holds user u's distinct training items (training_item_sets builds it).
//    Items are dense indices below num_items.
//  - Every recommender returns, per user, the top k items by score, best
//    first, never one of the user's training items. Ties go to the smaller
//    item index, so results are deterministic, and every list has
//    min(k, unseen items) entries (item-kNN fills with zero-score items).
//  - Functions are pure; bad parameters throw UsageError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "invr/data.h"
#include "invr/metrics.h"
#include "invr/progress.h"

namespace invr {

// Each user's distinct items with a positive event (is_positive), sorted
// ascending; list u for u < num_users.
ItemLists training_item_sets(const Interactions& train, std::size_t num_users);

// Items ranked by training positive count (distinct users), descending, ties
// by smaller index: the "most popular" order.
std::vector<Index> popularity_order(const ItemLists& train, std::size_t num_items);

// Most-popular: the k most popular items each user has not had.
ItemLists most_popular_top_k(const ItemLists& train, std::size_t num_items, std::size_t k);

// ---------------------------------------------------------------------------
// Item-kNN (Sarwar et al. 2001, cosine): sim(i, j) = |U_i ∩ U_j| /
// sqrt(|U_i| |U_j|) over the binary training columns; each item keeps its
// `neighbours` most similar other items (ties: smaller index). A user's score
// for item j is the sum of sim(i, j) over their items i whose kept neighbour
// list holds j.
struct ItemKnnParams {
  std::size_t neighbours = 100;
};

struct Neighbour {
  Index item;
  float similarity;
};
// Kept neighbours of every item, most similar first (size num_items).
std::vector<std::vector<Neighbour>> item_knn_neighbours(const ItemLists& train,
                                                        std::size_t num_items,
                                                        const ItemKnnParams& params = {});
ItemLists item_knn_top_k(const ItemLists& train, std::size_t num_items, std::size_t k,
                         const ItemKnnParams& params = {});

// ---------------------------------------------------------------------------
// EASE (Steck, "Embarrassingly Shallow Autoencoders", WWW 2019), closed form:
// G = XᵀX + λI, P = G⁻¹, B = −P / diag(P) column-wise, diag(B) = 0, and
// scores = X·B. The inverse is O(items³) time and O(items²) memory, so more
// than max_items items is refused (UsageError) rather than run for hours.
struct EaseParams {
  double lambda = 500;
  std::size_t max_items = 20000;
};

// Why EASE would refuse num_items, or "" if it would run.
std::string ease_refusal(std::size_t num_items, const EaseParams& params = {});

// B, row-major num_items × num_items (double: the inverse needs it).
std::vector<double> ease_weights(const ItemLists& train, std::size_t num_items,
                                 const EaseParams& params = {});
ItemLists ease_top_k(const ItemLists& train, std::size_t num_items, std::size_t k,
                     const EaseParams& params = {});

// Inverse of a symmetric positive definite n × n row-major matrix, in place,
// by Cholesky (LAPACK dpotrf + dpotri). Throws Error if G is not positive
// definite. Exposed for the tests. `progress`, if given, advances by one
// unit after the factorisation and one after the inverse.
void invert_spd(std::span<double> matrix, std::size_t n, Progress* progress = nullptr);

// Shared by the recommenders: the k best-scoring items of `scores` (one per
// item) that are not in `exclude` (sorted ascending), ties to the smaller
// index; NaN scores count as -infinity.
std::vector<Index> top_k_unseen(std::span<const double> scores, std::span<const Index> exclude,
                                std::size_t k);

}  // namespace invr
