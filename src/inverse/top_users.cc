// Steps (a) and (b): item -> top-N users, and the merge of user shards.
#include <algorithm>
#include <cctype>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/inverse.h"
#include "invr/progress.h"
#include "certified_topk.h"
#include "common/parallel.h"

namespace invr {
namespace {
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();

// Better = higher score, then smaller row; empty slots last.
bool better(float score_a, RowId a, float score_b, RowId b) {
  if ((a == kNoRow) != (b == kNoRow)) return b == kNoRow;
  if (score_a != score_b) return score_a > score_b;
  return a < b;
}


bool is_exact(const std::string& spec) {
  std::string lower = spec;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "exact";
}

// How many rows to search for a certified top k: a margin absorbs near-ties.
std::int64_t initial_pool(std::int64_t k, std::int64_t rows) {
  return std::min(rows, k + std::max<std::int64_t>(16, k / 4));
}

// One backend behind a single call: exact scan or a prebuilt index.
struct Searcher {
  MatrixView users;
  const VectorIndex* index = nullptr;
  SearchParams params;

  void operator()(const float* queries, std::int64_t n, std::int64_t k, float* scores,
                  RowId* ids) const {
    if (index) {
      index->search(n, queries, static_cast<int>(k), scores, ids, params);
    } else {
      exact_search({queries, n, users.cols}, users, static_cast<int>(k), scores, ids, params);
    }
  }
};

// An item the first pool could not certify: search it alone with a doubled
// pool until certified or every user is in the pool. Rare (near-ties only).
void widen_until_certified(const Searcher& search, const float* query, std::int64_t pool,
                           std::int64_t k, double bound, RowId* out_ids, float* out_scores) {
  std::vector<float> scores;
  std::vector<RowId> ids;
  std::vector<std::pair<float, RowId>> scratch;
  bool certified = false;
  while (!certified) {
    pool = std::min(search.users.rows, pool * 2);
    scores.resize(static_cast<std::size_t>(pool));
    ids.resize(static_cast<std::size_t>(pool));
    search(query, 1, pool, scores.data(), ids.data());
    certified = inverse::rescore_top_k(query, search.users, ids.data(), scores.data(), pool, k,
                                       bound, out_ids, out_scores, scratch);
  }
}
}  // namespace

ItemTopUsers top_users_per_item(MatrixView items, MatrixView users,
                                const RetrievalSettings& settings) {
  validate(settings);
  const std::int64_t n = settings.top_users_per_item;
  ItemTopUsers out = ItemTopUsers::empty(items.rows, n);
  if (items.rows == 0 || users.rows == 0) return out;
  if (items.cols != users.cols || items.cols < 1)
    throw UsageError(fmt::format("top_users_per_item: items have {} columns and users {}; both "
                                 "must be the same, at least 1",
                                 items.cols, users.cols));
  if (items.data == nullptr || users.data == nullptr)
    throw UsageError(fmt::format("top_users_per_item: {} data is null",
                                 items.data == nullptr ? "items" : "users"));

  Searcher search;
  search.users = users;
  search.params.threads = static_cast<int>(settings.threads);
  search.params.ef_search = static_cast<int>(settings.ef_search);
  search.params.nprobe = static_cast<int>(settings.nprobe);
  std::unique_ptr<VectorIndex> index;
  if (!is_exact(settings.index)) {
    IndexParams build;
    build.threads = static_cast<int>(settings.threads);
    index = make_index(settings.index, static_cast<int>(users.cols), build);
    index->add(users.rows, users.data);
    search.index = index.get();
  }

  const std::int64_t k = std::min(n, users.rows);
  const std::int64_t pool = initial_pool(k, users.rows);
  const double max_user_norm = inverse::max_row_norm(users);
  Progress progress("item -> top users", static_cast<std::uint64_t>(items.rows), "items");
  const std::int64_t block = settings.item_block;
  std::vector<float> scores(static_cast<std::size_t>(std::min(block, items.rows) * pool));
  std::vector<RowId> ids(scores.size());
  std::vector<std::uint8_t> certified(static_cast<std::size_t>(std::min(block, items.rows)));
  for (std::int64_t first = 0; first < items.rows; first += block) {
    const std::int64_t count = std::min(block, items.rows - first);
    search(items.row(first), count, pool, scores.data(), ids.data());
    parallel_ranges(count, settings.threads, 256, [&](std::int64_t b, std::int64_t e) {
      std::vector<std::pair<float, RowId>> scratch;
      for (std::int64_t q = b; q < e; ++q) {
        const float* query = items.row(first + q);
        const double bound = inverse::score_error_bound(
            users.cols, inverse::max_row_norm({query, 1, items.cols}), max_user_norm);
        const bool sure = inverse::rescore_top_k(
            query, users, ids.data() + q * pool, scores.data() + q * pool, pool, k, bound,
            out.users.data() + (first + q) * n, out.scores.data() + (first + q) * n, scratch);
        // Approximate backends promise no exact set, only a canonical order.
        certified[static_cast<std::size_t>(q)] = sure || index != nullptr;
      }
    });
    for (std::int64_t q = 0; q < count; ++q) {
      if (certified[static_cast<std::size_t>(q)]) continue;
      const float* query = items.row(first + q);
      const double bound = inverse::score_error_bound(
          users.cols, inverse::max_row_norm({query, 1, items.cols}), max_user_norm);
      widen_until_certified(search, query, pool, k, bound, out.users.data() + (first + q) * n,
                            out.scores.data() + (first + q) * n);
    }
    progress.add(static_cast<std::uint64_t>(count));
  }
  progress.finish();
  return out;
}

ItemTopUsers merge_top_users(std::span<const ItemTopUsers> shards,
                             std::span<const RowId> shard_row_offsets,
                             std::int64_t top_users_per_item) {
  if (shards.size() != shard_row_offsets.size())
    throw UsageError(fmt::format("merge_top_users: {} shards but {} shard_row_offsets",
                                 shards.size(), shard_row_offsets.size()));
  if (top_users_per_item < 1)
    throw UsageError(fmt::format("merge_top_users: top_users_per_item = {}, must be >= 1",
                                 top_users_per_item));
  const std::int64_t n = top_users_per_item;
  const std::int64_t items = shards.empty() ? 0 : shards[0].items;
  for (std::size_t s = 0; s < shards.size(); ++s) {
    const auto& shard = shards[s];
    if (shard.items != items || shard.users_per_item < 0 ||
        shard.users.size() != static_cast<std::size_t>(items * shard.users_per_item) ||
        shard.scores.size() != shard.users.size())
      throw UsageError(fmt::format(
          "merge_top_users: shards[{}] has {} items x {} users per item, {} users and {} scores; "
          "every shard needs shards[0]'s {} items and items x users_per_item of each",
          s, shard.items, shard.users_per_item, shard.users.size(), shard.scores.size(), items));
  }
  ItemTopUsers out = ItemTopUsers::empty(items, n);
  // k-way merge of sorted lists: adding a shard's offset keeps its order.
  parallel_ranges(items, 0, 1024, [&](std::int64_t b, std::int64_t e) {
    std::vector<std::int64_t> head(shards.size());
    for (std::int64_t item = b; item < e; ++item) {
      std::fill(head.begin(), head.end(), 0);
      for (std::int64_t slot = 0; slot < n; ++slot) {
        std::size_t best = shards.size();
        RowId best_row = kNoRow;
        float best_score = kMinusInf;
        for (std::size_t s = 0; s < shards.size(); ++s) {
          if (head[s] >= shards[s].users_per_item) continue;
          const std::int64_t at = item * shards[s].users_per_item + head[s];
          const RowId local = shards[s].users[static_cast<std::size_t>(at)];
          if (local == kNoRow) continue;
          const RowId row = shard_row_offsets[s] + local;
          const float score = shards[s].scores[static_cast<std::size_t>(at)];
          if (best == shards.size() || better(score, row, best_score, best_row)) {
            best = s;
            best_row = row;
            best_score = score;
          }
        }
        if (best == shards.size()) break;
        ++head[best];
        out.users[static_cast<std::size_t>(item * n + slot)] = best_row;
        out.scores[static_cast<std::size_t>(item * n + slot)] = best_score;
      }
    }
  });
  return out;
}

}  // namespace invr
