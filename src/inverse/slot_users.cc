#include "slot_users.h"

#include <atomic>
#include <cmath>

#include <fmt/format.h>

#include "invr/error.h"
#include "common/parallel.h"

namespace invr {

std::vector<Index> resolve_slot_users(const ItemTopUsers& top_users,
                                      std::span<const Index> item_index_of_row,
                                      std::span<const Index> user_index_of_row,
                                      std::size_t total_users, const SeenItems& seen,
                                      std::int64_t threads, bool finite_scores,
                                      std::string_view who) {
  const std::int64_t n = top_users.users_per_item;
  std::vector<Index> slot_user(top_users.users.size(), kNoIndex);
  std::atomic<std::int64_t> bad_slot{-1};  // thrown after the loop (its body must not throw)
  parallel_ranges(top_users.items, threads, 512, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t r = b; r < e; ++r) {
      const Index item = item_index_of_row[static_cast<std::size_t>(r)];
      for (std::int64_t j = 0; j < n; ++j) {
        const auto slot = static_cast<std::size_t>(r * n + j);
        const RowId row = top_users.users[slot];
        if (row == kNoRow) continue;
        const bool row_ok = row >= 0 && static_cast<std::size_t>(row) < user_index_of_row.size();
        const Index user = row_ok ? user_index_of_row[static_cast<std::size_t>(row)] : kNoIndex;
        if (user < 0 || static_cast<std::size_t>(user) >= total_users ||
            (finite_scores && !std::isfinite(top_users.scores[slot]))) {
          bad_slot = static_cast<std::int64_t>(slot);
          continue;
        }
        if (!seen.contains(user, item)) slot_user[slot] = user;
      }
    }
  });
  if (const std::int64_t slot = bad_slot; slot >= 0) {
    const auto s = static_cast<std::size_t>(slot);
    const RowId row = top_users.users[s];
    if (row < 0 || static_cast<std::size_t>(row) >= user_index_of_row.size())
      throw UsageError(fmt::format("{}: top_users.users[{}] = {} is not a row of "
                                   "user_index_of_row ({} rows)",
                                   who, s, row, user_index_of_row.size()));
    const Index user = user_index_of_row[static_cast<std::size_t>(row)];
    if (user < 0 || static_cast<std::size_t>(user) >= total_users)
      throw UsageError(fmt::format("{}: user_index_of_row[{}] = {} is not a user index below "
                                   "total_users = {}",
                                   who, row, user, total_users));
    throw UsageError(
        fmt::format("{}: top_users.scores[{}] = {} is not finite", who, s, top_users.scores[s]));
  }
  return slot_user;
}

}  // namespace invr
