// Item top-N slots -> dataset users, the first step of both invert() and
// assign_targets() (one resolver, so the two agree on which pairs exist).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "invr/inverse.h"

namespace invr {

// One entry per slot of top_users (rows × N): the dataset user of the slot's
// row, or kNoIndex when the slot is empty or the user has seen the row's
// item. A slot whose row is not in user_index_of_row, or maps to no user
// below total_users (or, with finite_scores, has a non-finite score), is a
// UsageError whose message starts with "<who>: ".
std::vector<Index> resolve_slot_users(const ItemTopUsers& top_users,
                                      std::span<const Index> item_index_of_row,
                                      std::span<const Index> user_index_of_row,
                                      std::size_t total_users, const SeenItems& seen,
                                      std::int64_t threads, bool finite_scores,
                                      std::string_view who);

}  // namespace invr
