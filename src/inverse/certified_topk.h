// Makes item -> top-N lists independent of how the users were split.
//
// sgemm sums a dot product in an order that depends on where the row falls
// in a block, so the same (item, user) pair can score differently in a shard
// than in the whole matrix (last bits), and near-ties at rank N can flip.
// We therefore rescore every retrieved pair with a double-precision dot
// product (a function of the two rows only), rounded to float, and re-rank.
// For the exact backend the search returns a wider pool than N, and the top
// N is *certified*: every user outside the pool scored at most the pool's
// worst search score, which is within error_bound of its true score, so if
// that bound lies below the N-th rescored score no outsider can enter.
// Otherwise the caller searches again with a larger pool.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "invr/retrieval.h"

namespace invr::inverse {

// Sum of a[i]·b[i] accumulated in double, rounded to float.
float exact_dot(const float* a, const float* b, std::int64_t dim);

// Largest Euclidean row norm of `rows` (0 for no rows).
double max_row_norm(MatrixView rows);

// A bound on |search score − true dot| for a query of norm query_norm against
// rows of norm at most max_norm, for any float summation order of `dim`
// products (γ_dim = dim·u/(1 − dim·u), doubled to cover the final rounding).
double score_error_bound(std::int64_t dim, double query_norm, double max_norm);

// Rescores the valid ids among pool_ids[0..pool) against `query`, sorts them
// (score descending, then smaller id), writes the best k to out_ids and
// out_scores (kNoRow / -inf padded), and returns whether the top k is
// certified given that every row outside the pool scored at most
// pool_scores[pool-1] in the search (always true when the pool holds every
// row of `users`). scratch is the calling thread's.
bool rescore_top_k(const float* query, MatrixView users, const RowId* pool_ids,
                   const float* pool_scores, std::int64_t pool, std::int64_t k,
                   double error_bound, RowId* out_ids, float* out_scores,
                   std::vector<std::pair<float, RowId>>& scratch);

}  // namespace invr::inverse
