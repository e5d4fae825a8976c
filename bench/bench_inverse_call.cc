// The C++ baseline of bench/bench_python.py (scripts/bench_python.sh): the
// calls invr.inverse_retrieve makes (top_users_per_item, then invert over
// every row), timed in C++ on the same .npy inputs, best of --repeat runs.
//   bench_inverse_call ITEMS.npy USERS.npy TOP_USERS_PER_ITEM MAX_CANDIDATES REPEAT
// Prints one JSON line: seconds per run, best, candidates, peak RSS.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "invr/inverse.h"
#include "invr/npy.h"

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s ITEMS.npy USERS.npy TOP_USERS_PER_ITEM MAX_CANDIDATES REPEAT\n", argv[0]);
    return 2;
  }
  invr::set_blas_threads(1);  // once, as a program should (docs/library.md, "Threads")
  const auto items = invr::read_npy_matrix<float>(argv[1]);
  const auto users = invr::read_npy_matrix<float>(argv[2]);
  invr::RetrievalSettings retrieval;
  retrieval.top_users_per_item = std::atoll(argv[3]);
  invr::InversionParams inversion;
  inversion.max_candidates_per_user = std::atoll(argv[4]);
  const int repeat = std::max(1, std::atoi(argv[5]));
  const invr::MatrixView item_view{items.data.data(), static_cast<std::int64_t>(items.rows()),
                                   static_cast<std::int64_t>(items.cols())};
  const invr::MatrixView user_view{users.data.data(), static_cast<std::int64_t>(users.rows()),
                                   static_cast<std::int64_t>(users.cols())};
  std::vector<invr::Index> item_rows(items.rows()), user_rows(users.rows());
  std::iota(item_rows.begin(), item_rows.end(), 0);
  std::iota(user_rows.begin(), user_rows.end(), 0);
  const invr::SeenItems seen;  // as the Python call without seen=
  std::string seconds;
  double best = 1e300;
  std::size_t candidates = 0;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const auto top = invr::top_users_per_item(item_view, user_view, retrieval);
    const auto lists = invr::invert(top, item_rows, user_rows, user_rows.size(), seen, inversion);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    candidates = lists.total(invr::Ordering::user_rank);
    best = std::min(best, s);
    seconds += (r ? "," : "") + std::to_string(s);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("{\"seconds\": [%s], \"best\": %.6f, \"candidates\": %zu, \"peak_rss_bytes\": %lld}\n",
              seconds.c_str(), best, candidates, static_cast<long long>(usage.ru_maxrss) * 1024);
  return 0;
}
