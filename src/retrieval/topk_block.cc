#include "topk_block.h"

#include <algorithm>
#include <bit>
#include <functional>
#include <limits>

#include "invr/error.h"

namespace invr::retrieval {
namespace {
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
// Slots beyond k: a compaction costs O(slots) and frees about `slack` slots,
// so slack of about k keeps compaction O(1) per admitted row.
constexpr int kMinSlack = 64;
// Buffer entries sampled to estimate a compaction pivot.
constexpr int kSample = 128;

// Scores as unsigned keys that sort best first: larger scores get smaller
// keys. -0 becomes +0 first so equal scores get equal keys.
std::uint32_t descending_bits(float score) {
  const auto bits = std::bit_cast<std::uint32_t>(score + 0.0f);
  const std::uint32_t ascending = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
  return ~ascending;
}

float from_descending_bits(std::uint32_t key) {
  const std::uint32_t ascending = ~key;
  const std::uint32_t bits = (ascending & 0x80000000u) ? (ascending & 0x7fffffffu) : ~ascending;
  return std::bit_cast<float>(bits);
}

// (score desc, id asc) as one integer; ids are below 2^32 (exact_search checks).
std::uint64_t sort_key(float score, std::uint32_t id) {
  return (static_cast<std::uint64_t>(descending_bits(score)) << 32) | id;
}
}  // namespace

int TopkBlock::capacity_for(int k, std::int64_t max_rows) {
  const std::int64_t wanted = static_cast<std::int64_t>(k) + std::max(k, kMinSlack);
  // Never more slots than rows (plus one group of headroom for appends).
  return static_cast<int>(std::max<std::int64_t>(1, std::min(wanted, max_rows))) + kScanGroup;
}

std::int64_t TopkBlock::bytes_per_query(int k, std::int64_t max_rows) {
  return static_cast<std::int64_t>(capacity_for(k, max_rows)) *
         static_cast<std::int64_t>(sizeof(float) + sizeof(std::uint32_t));
}

void TopkBlock::reset(int queries, int k, std::int64_t max_rows) {
  INVR_CHECK(k >= 1 && queries >= 0);
  k_ = k;
  capacity_ = capacity_for(k, max_rows);
  const auto slots = static_cast<std::size_t>(queries) * static_cast<std::size_t>(capacity_);
  scores_.ensure(slots);
  ids_.ensure(slots);
  count_.assign(static_cast<std::size_t>(queries), 0);
  threshold_.assign(static_cast<std::size_t>(queries), kMinusInf);
}

void TopkBlock::offer_row(int q, const float* scores, std::int64_t count, RowId first_id) {
  const auto base = static_cast<std::size_t>(q) * static_cast<std::size_t>(capacity_);
  float* kept_scores = scores_.data() + base;
  std::uint32_t* kept_ids = ids_.data() + base;
  // Compacting once past `limit` leaves room for a whole group of appends.
  // If the rows offered never exceed the buffer, kept never passes limit
  // while <= k.
  const int limit = capacity_ - kScanGroup;
  const auto id0 = static_cast<std::uint32_t>(first_id);
  for (std::int64_t j = 0; j < count;) {
    const AppendResult done =
        append_above(scores, j, count, threshold_[static_cast<std::size_t>(q)], id0, kept_scores,
                     kept_ids, count_[static_cast<std::size_t>(q)], limit);
    count_[static_cast<std::size_t>(q)] = done.kept;
    j = done.next;
    if (done.kept > limit && done.kept > k_) compact(q);
  }
}

void TopkBlock::compact(int q) {
  if (!compact_fuzzy(q)) compact_exact(q);
}

// A pivot from a sample of the buffer, accepted when between k and
// k + slack/2 rows beat it: usually one sample select, one vectorised count
// and one branch-free pass, far cheaper than an exact select.
bool TopkBlock::compact_fuzzy(int q) {
  const auto base = static_cast<std::size_t>(q) * static_cast<std::size_t>(capacity_);
  const float* kept_scores = scores_.data() + base;
  const int kept = count_[static_cast<std::size_t>(q)];
  const int limit = capacity_ - kScanGroup;
  const int most = k_ + (limit - k_) / 2;
  const int target = k_ + (limit - k_) / 4;
  const int samples = std::min(kept, kSample);
  scratch_.resize(static_cast<std::size_t>(samples));
  for (int i = 0; i < samples; ++i)
    scratch_[static_cast<std::size_t>(i)] =
        kept_scores[static_cast<std::int64_t>(i) * kept / samples];
  const int rank = std::clamp(static_cast<int>(static_cast<std::int64_t>(target) * samples / kept), 0,
                              samples - 1);
  std::nth_element(scratch_.begin(), scratch_.begin() + rank, scratch_.end(), std::greater<float>());
  const float pivot = scratch_[static_cast<std::size_t>(rank)];
  int above = 0;
  for (int i = 0; i < kept; ++i) above += kept_scores[i] > pivot;
  if (above < k_ || above > most) return false;
  keep_above(q, pivot);
  return true;
}

// Keeps the rows scoring above pivot, in order, and makes pivot the threshold.
void TopkBlock::keep_above(int q, float pivot) {
  const auto base = static_cast<std::size_t>(q) * static_cast<std::size_t>(capacity_);
  float* kept_scores = scores_.data() + base;
  std::uint32_t* kept_ids = ids_.data() + base;
  const int kept = count_[static_cast<std::size_t>(q)];
  int out = 0;
  for (int i = 0; i < kept; ++i) {
    const float s = kept_scores[i];
    kept_scores[out] = s;
    kept_ids[out] = kept_ids[i];
    out += s > pivot;
  }
  count_[static_cast<std::size_t>(q)] = out;
  threshold_[static_cast<std::size_t>(q)] = pivot;
}

// Exactly the best k by (score desc, id asc); the fallback when the sample
// misleads (heavy ties, odd distributions).
void TopkBlock::compact_exact(int q) {
  const auto base = static_cast<std::size_t>(q) * static_cast<std::size_t>(capacity_);
  float* kept_scores = scores_.data() + base;
  std::uint32_t* kept_ids = ids_.data() + base;
  const int kept = count_[static_cast<std::size_t>(q)];
  if (kept <= k_) return;
  keys_.resize(static_cast<std::size_t>(kept));
  for (int i = 0; i < kept; ++i) keys_[static_cast<std::size_t>(i)] = sort_key(kept_scores[i], kept_ids[i]);
  std::nth_element(keys_.begin(), keys_.begin() + (k_ - 1), keys_.end());
  const std::uint64_t kth = keys_[static_cast<std::size_t>(k_ - 1)];
  int out = 0;
  for (int i = 0; i < kept; ++i) {
    const float s = kept_scores[i];
    const std::uint32_t id = kept_ids[i];
    kept_scores[out] = s;
    kept_ids[out] = id;
    out += sort_key(s, id) <= kth;
  }
  INVR_CHECK(out == k_);
  count_[static_cast<std::size_t>(q)] = k_;
  threshold_[static_cast<std::size_t>(q)] = from_descending_bits(static_cast<std::uint32_t>(kth >> 32));
}

// Stable LSD radix sort of (key, id) pairs on the 32-bit key: three passes of
// 11 bits. Stability keeps buffer (= id) order among equal keys. For the
// ~2k candidates of a large k this is several times faster than sorting
// 64-bit keys with comparisons.
void TopkBlock::radix_sort(int n) {
  constexpr int kBits = 11;
  constexpr std::uint32_t kBuckets = 1u << kBits;
  std::uint32_t counts[3][kBuckets] = {};
  for (int i = 0; i < n; ++i) {
    const std::uint32_t key = radix_keys_[static_cast<std::size_t>(i)];
    ++counts[0][key & (kBuckets - 1)];
    ++counts[1][(key >> kBits) & (kBuckets - 1)];
    ++counts[2][key >> (2 * kBits)];
  }
  radix_tmp_keys_.resize(static_cast<std::size_t>(n));
  radix_tmp_ids_.resize(static_cast<std::size_t>(n));
  for (int pass = 0; pass < 3; ++pass) {
    std::uint32_t sum = 0;
    for (std::uint32_t b = 0; b < kBuckets; ++b) {
      const std::uint32_t c = counts[pass][b];
      counts[pass][b] = sum;
      sum += c;
    }
    const int shift = pass * kBits;
    for (int i = 0; i < n; ++i) {
      const std::uint32_t key = radix_keys_[static_cast<std::size_t>(i)];
      const std::uint32_t at = counts[pass][(key >> shift) & (kBuckets - 1)]++;
      radix_tmp_keys_[at] = key;
      radix_tmp_ids_[at] = radix_ids_[static_cast<std::size_t>(i)];
    }
    radix_keys_.swap(radix_tmp_keys_);
    radix_ids_.swap(radix_tmp_ids_);
  }
}

void TopkBlock::finish(int q, float* out_scores, RowId* out_ids) {
  const auto base = static_cast<std::size_t>(q) * static_cast<std::size_t>(capacity_);
  const int kept = count_[static_cast<std::size_t>(q)];
  const int best = std::min(kept, k_);
  if (kept >= kRadixMin) {
    radix_keys_.resize(static_cast<std::size_t>(kept));
    radix_ids_.resize(static_cast<std::size_t>(kept));
    for (int i = 0; i < kept; ++i) {
      radix_keys_[static_cast<std::size_t>(i)] = descending_bits(scores_.data()[base + i]);
      radix_ids_[static_cast<std::size_t>(i)] = ids_.data()[base + i];
    }
    radix_sort(kept);
    for (int i = 0; i < best; ++i) {
      out_scores[i] = from_descending_bits(radix_keys_[static_cast<std::size_t>(i)]);
      out_ids[i] = radix_ids_[static_cast<std::size_t>(i)];
    }
  } else {
    keys_.resize(static_cast<std::size_t>(kept));
    for (int i = 0; i < kept; ++i)
      keys_[static_cast<std::size_t>(i)] = sort_key(scores_.data()[base + i], ids_.data()[base + i]);
    std::nth_element(keys_.begin(), keys_.begin() + best, keys_.end());
    std::sort(keys_.begin(), keys_.begin() + best);
    for (int i = 0; i < best; ++i) {
      const std::uint64_t key = keys_[static_cast<std::size_t>(i)];
      out_scores[i] = from_descending_bits(static_cast<std::uint32_t>(key >> 32));
      out_ids[i] = static_cast<RowId>(key & 0xffffffffu);
    }
  }
  for (int i = best; i < k_; ++i) {
    out_scores[i] = kMinusInf;
    out_ids[i] = kNoRow;
  }
}

}  // namespace invr::retrieval
