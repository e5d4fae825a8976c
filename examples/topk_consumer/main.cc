// An invr consumer built against an installed package: exact top-k, inverse
// retrieval and a RocksDB candidate store on a few random vectors. Prints
// each result and checks the top-k against a brute-force loop; exits 1 on a
// mismatch. Usage: topk_consumer [STORE_DIR] (default: a folder in /tmp).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "invr/candidates.h"
#include "invr/error.h"
#include "invr/inverse.h"
#include "invr/retrieval.h"
#include "invr/store.h"
#include "invr/version.h"

namespace {

invr::Matrix random_matrix(std::size_t rows, std::size_t cols, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  invr::Matrix m(rows, cols);
  for (float& x : m.data) x = normal(rng);
  return m;
}

// The k best rows of base for one query, by a plain loop (ties: smaller id).
std::vector<invr::RowId> brute_force(const invr::Matrix& base, std::span<const float> query, int k) {
  std::vector<float> scores(base.rows);
  for (std::size_t r = 0; r < base.rows; ++r) {
    const auto row = base.row(r);
    scores[r] = std::inner_product(row.begin(), row.end(), query.begin(), 0.0f);
  }
  std::vector<invr::RowId> ids(base.rows);
  std::iota(ids.begin(), ids.end(), 0);
  std::stable_sort(ids.begin(), ids.end(), [&](auto a, auto b) { return scores[a] > scores[b]; });
  ids.resize(k);
  return ids;
}

}  // namespace

int main(int argc, char** argv) try {
  constexpr std::size_t kUsers = 200, kItems = 40, kDim = 16;
  constexpr int kTopK = 5;
  std::printf("invr %s (version.h: %d.%d.%d)\n", INVR_VERSION_STRING, INVR_VERSION_MAJOR,
              INVR_VERSION_MINOR, INVR_VERSION_PATCH);
  // OpenBLAS's pool is process-wide: a program sets it once (invr never does);
  // 1 suits exact search, whose workers each run sgemm (docs/library.md).
  invr::set_blas_threads(1);
  const invr::Matrix users = random_matrix(kUsers, kDim, 1);
  const invr::Matrix items = random_matrix(kItems, kDim, 2);

  // 1. Exact top-k: the 5 best items for the first 3 users.
  const invr::Matrix queries = invr::gather_rows(users, std::vector<std::int32_t>{0, 1, 2});
  std::vector<float> scores(queries.rows * kTopK);
  std::vector<invr::RowId> ids(queries.rows * kTopK);
  invr::SearchParams search;
  search.threads = 1;
  invr::exact_search(invr::view_of(queries), invr::view_of(items), kTopK, scores.data(), ids.data(), search);
  bool matches = true;
  for (std::size_t q = 0; q < queries.rows; ++q) {
    std::printf("topk user %zu:", q);
    for (int j = 0; j < kTopK; ++j) std::printf(" %lld(%.3f)", static_cast<long long>(ids[q * kTopK + j]), scores[q * kTopK + j]);
    std::printf("\n");
    const auto expected = brute_force(items, queries.row(q), kTopK);
    matches = matches && std::equal(expected.begin(), expected.end(), ids.begin() + q * kTopK);
  }
  std::printf("topk matches brute force: %s\n", matches ? "yes" : "NO");

  // 2. Inverse retrieval: each item's 20 best users, inverted into per-user lists.
  invr::RetrievalSettings retrieval;
  retrieval.top_users_per_item = 20;
  retrieval.threads = 1;
  const invr::ItemTopUsers top = invr::top_users_per_item(invr::view_of(items), invr::view_of(users), retrieval);
  std::vector<invr::Index> item_rows(kItems), user_rows(kUsers);
  std::iota(item_rows.begin(), item_rows.end(), 0);
  std::iota(user_rows.begin(), user_rows.end(), 0);
  invr::InversionParams inversion;
  inversion.max_candidates_per_user = 3;
  inversion.threads = 1;
  const invr::CandidateLists lists =
      invr::invert(top, item_rows, user_rows, kUsers, invr::SeenItems{}, inversion);
  std::printf("inverse: %zu of %zu users have candidates, %zu in score order\n",
              lists.users_with_candidates(), kUsers, lists.total(invr::Ordering::score));

  // 3. A candidate store: write the score-ordered lists as one generation, read one back.
  const std::filesystem::path dir =
      argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path() / "invr_topk_consumer_store";
  std::filesystem::remove_all(dir);
  auto store = invr::open_store("rocksdb:" + dir.string());
  auto writer = store->begin_generation(invr::make_generation_id());
  std::string first_user;
  for (invr::Index u = 0; u < static_cast<invr::Index>(kUsers); ++u) {
    invr::StoredCandidates stored;
    for (const invr::Ordering ordering : invr::kAllOrderings) {
      for (const invr::Candidate& c : lists.of(u, ordering)) {
        stored.by_ordering[static_cast<std::size_t>(ordering)].push_back(
            {"item" + std::to_string(c.item), c.score, c.user_rank});
      }
    }
    if (stored.empty()) continue;
    if (first_user.empty()) first_user = "user" + std::to_string(u);
    writer->put("user" + std::to_string(u), stored);
  }
  const std::size_t written = writer->users_written();
  writer->commit(R"({"example": "topk_consumer"})");
  writer.reset();
  const std::string generation = store->current().value_or("(none)");
  const auto back = store->get(generation, first_user);
  if (!back) {
    std::fprintf(stderr, "topk_consumer: %s has no lists in generation %s\n", first_user.c_str(),
                 generation.c_str());
    return 1;
  }
  std::printf("store: %zu users written; %s:", written, first_user.c_str());
  for (const auto& c : back->of(invr::Ordering::score)) std::printf(" %s(%.3f)", c.item.c_str(), c.score);
  std::printf("\n");
  store.reset();
  std::filesystem::remove_all(dir);
  std::fflush(stdout);
  return matches ? 0 : 1;
} catch (const invr::Error& e) {
  std::fprintf(stderr, "topk_consumer: %s\n", e.what());
  return 1;
}
