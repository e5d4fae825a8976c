// Candidate-store read latency, the InvR arms' only extra work per request:
// CandidateReader::get for random users of the served generation, timed per
// call (median, p90, p99 in microseconds), for users with lists and for users
// without. Run it on a store an `invr job` wrote:
//
//   bench_store --store rocksdb:PATH --users FILE [--gets N]
// FILE: one user id per line (e.g. the ids that have candidates).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/store.h"

namespace {

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string uri, users_file;
  std::size_t gets = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--store") uri = argv[i + 1];
    else if (flag == "--users") users_file = argv[i + 1];
    else if (flag == "--gets") gets = std::stoull(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown flag %s; expected --store, --users, --gets\n", argv[i]);
      return 2;
    }
  }
  if (uri.empty() || users_file.empty()) {
    std::fprintf(stderr, "usage: bench_store --store URI --users FILE [--gets N]\n");
    return 2;
  }
  std::vector<std::string> users;
  std::ifstream in(users_file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) users.push_back(line);
  if (users.empty()) {
    std::fprintf(stderr, "%s: no user ids\n", users_file.c_str());
    return 2;
  }
  try {
    const auto store = invr::open_store(uri);
    const auto reader = store->reader();
    std::mt19937_64 rng(7);
    using Clock = std::chrono::steady_clock;
    for (const bool known : {true, false}) {
      std::vector<double> micros;
      micros.reserve(gets);
      std::size_t found = 0;
      for (std::size_t g = 0; g < gets; ++g) {
        const std::string user = known ? users[rng() % users.size()] : fmt::format("absent-{}", rng());
        const auto start = Clock::now();
        const auto lists = reader->get(user);
        micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        found += lists.has_value();
      }
      fmt::print("{:<22} gets {:>7}  found {:>7}  median {:7.1f} us  p90 {:7.1f} us  p99 {:7.1f} us\n",
                 known ? "users from the file" : "absent users", gets, found, percentile(micros, 0.5),
                 percentile(micros, 0.9), percentile(micros, 0.99));
    }
  } catch (const invr::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
