// The assignment stage (docs/assignment.md) at the job's scale, against the
// baseline of the same run: the job's retrieve stage (exact top-N users per
// item, top_users_per_item) on the same random embeddings, which also makes
// the instance; and a plain std::sort of all its pairs by score.
// Usage: bench_assign [USERS] [ITEMS] [N] [THREADS] [TARGET] [DIM] [SOLVER] [PASSES] [ROUNDS]
//   defaults 1000000 20000 500 2 100 32 auction and AssignmentParams' passes and rounds.
// Capacities: 2 InvR slots × expected visits, visits exponential with mean
// 1.5 (so 0.3 expected impressions is common); every item's target TARGET.
// Prints times, the gap, items short against the score and user-rank
// orderings' items short under the same capacities, and the peak RSS of the
// assignment against the bytes of its input.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <string>
#include <vector>

#include "common/random.h"
#include "invr/assign.h"
#include "invr/retrieval.h"
#include "invr/inverse.h"

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Peak resident set (VmHWM) in MiB; reset_peak() restarts it (Linux >= 4.0).
double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}
void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

// Standard normal-ish: sum of 4 uniforms, centred and scaled.
float noise(invr::SplitMix64& rng) {
  double sum = 0;
  for (int k = 0; k < 4; ++k) sum += invr::unit_interval(rng.next());
  return static_cast<float>((sum - 2.0) * std::sqrt(3.0));
}

// Items short of `target` when every user shows its top ceil(c) candidates
// in a fixed order (the other orderings), `before` deciding that order.
template <class Before>
std::int64_t short_under(const invr::ItemTopUsers& top, const std::vector<double>& capacity,
                         std::int64_t target, Before before) {
  const auto n = static_cast<std::size_t>(top.users_per_item);
  std::vector<std::vector<std::size_t>> slots(capacity.size());
  for (std::size_t s = 0; s < top.users.size(); ++s)
    if (top.users[s] >= 0) slots[static_cast<std::size_t>(top.users[s])].push_back(s);
  std::vector<double> impressions(static_cast<std::size_t>(top.items), 0.0);
  for (std::size_t u = 0; u < slots.size(); ++u) {
    auto& list = slots[u];
    std::sort(list.begin(), list.end(), before);
    double left = std::min(capacity[u], static_cast<double>(list.size()));
    for (std::size_t k = 0; k < list.size() && left > 0; ++k, left -= 1)
      impressions[list[k] / n] += std::min(1.0, left);
  }
  return std::count_if(impressions.begin(), impressions.end(),
                       [&](double y) { return y + 1e-9 < static_cast<double>(target); });
}
}  // namespace

int main(int argc, char** argv) {
  using namespace invr;
  const std::size_t users = argc > 1 ? std::stoul(argv[1]) : 1000000;
  const std::size_t items = argc > 2 ? std::stoul(argv[2]) : 20000;
  const std::int64_t n = argc > 3 ? std::stol(argv[3]) : 500;
  const std::int64_t threads = argc > 4 ? std::stol(argv[4]) : 2;
  const std::int64_t target = argc > 5 ? std::stol(argv[5]) : 100;
  const std::size_t dim = argc > 6 ? std::stoul(argv[6]) : 32;
  const std::string solver = argc > 7 ? argv[7] : "auction";
  const std::int64_t passes = argc > 8 ? std::stol(argv[8]) : AssignmentParams{}.completion_passes;
  const std::int64_t rounds = argc > 9 ? std::stol(argv[9]) : AssignmentParams{}.max_iterations;
  set_blas_threads(1);  // as the CLI does: exact search's workers each call sgemm

  SplitMix64 rng(19);
  Matrix user_embeddings(users, dim), item_embeddings(items, dim);
  for (std::size_t u = 0; u < users; ++u) {
    // Norms vary, as trained embeddings' do: some users top many items' lists.
    const float norm = static_cast<float>(std::exp(0.5 * noise(rng)));
    for (std::size_t d = 0; d < dim; ++d) user_embeddings.data[u * dim + d] = norm * noise(rng);
  }
  for (float& x : item_embeddings.data) x = noise(rng);
  std::vector<double> capacity(users);
  for (double& c : capacity) c = 2.0 * -1.5 * std::log(1.0 - unit_interval(rng.next()));

  RetrievalSettings settings;
  settings.top_users_per_item = n;
  settings.threads = threads;
  auto start = Clock::now();
  const ItemTopUsers top = top_users_per_item(view_of(item_embeddings), view_of(user_embeddings), settings);
  const double retrieve_s = seconds_since(start);
  user_embeddings = {};

  start = Clock::now();
  {
    std::vector<std::pair<float, std::uint32_t>> pairs(top.scores.size());
    for (std::size_t s = 0; s < pairs.size(); ++s) pairs[s] = {top.scores[s], static_cast<std::uint32_t>(s)};
    std::sort(pairs.begin(), pairs.end());
  }
  const double sort_s = seconds_since(start);

  std::vector<Index> item_of_row(items), user_of_row(users);
  std::iota(item_of_row.begin(), item_of_row.end(), 0);
  std::iota(user_of_row.begin(), user_of_row.end(), 0);
  AssignmentTargets targets;
  targets.item_target.assign(items, target);
  AssignmentParams params;
  params.threads = threads;
  params.solver = solver;
  params.completion_passes = passes;
  params.max_iterations = rounds;
  const double input_mib =
      static_cast<double>(top.users.size() * sizeof(RowId) + top.scores.size() * sizeof(float) +
                          capacity.size() * sizeof(double)) / (1 << 20);
  const double before_mib = peak_rss_mib();
  reset_peak();
  start = Clock::now();
  const TargetAssignment a = assign_targets(top, item_of_row, user_of_row, users, {}, capacity,
                                            targets, params);
  const double assign_s = seconds_since(start);
  const double peak_mib = peak_rss_mib();

  const auto n_slots = static_cast<std::size_t>(n);
  const std::int64_t short_score = short_under(top, capacity, target, [&](std::size_t x, std::size_t y) {
    return top.scores[x] != top.scores[y] ? top.scores[x] > top.scores[y] : x / n_slots < y / n_slots;
  });
  const std::int64_t short_rank = short_under(top, capacity, target, [&](std::size_t x, std::size_t y) {
    return x % n_slots != y % n_slots ? x % n_slots < y % n_slots : top.scores[x] > top.scores[y];
  });
  const auto& s = a.summary;
  std::printf("instance: %zu users x %zu items x N=%lld (%zu pairs), dim %zu, target %lld, "
              "capacity sum %.0f, %lld threads\n",
              users, items, static_cast<long long>(n), top.scores.size(), dim,
              static_cast<long long>(target), std::accumulate(capacity.begin(), capacity.end(), 0.0),
              static_cast<long long>(threads));
  std::printf("baseline retrieve (exact top-N): %.2f s; sort of all pairs: %.2f s\n", retrieve_s, sort_s);
  std::printf("assign (%s): %.2f s = %.2fx retrieve, %.2fx sort; %lld rounds, %lld LPs, %lld "
              "targets dropped, %lld top-ups\n",
              s.solver.c_str(), assign_s, assign_s / retrieve_s, assign_s / sort_s,
              static_cast<long long>(s.iterations), static_cast<long long>(s.passes),
              static_cast<long long>(s.targets_dropped), static_cast<long long>(s.top_ups));
  std::printf("objective %.6g, dual bound %.6g, gap %.3g (%.2e of the bound); relevance %.6g, "
              "target impressions %.0f of %lld\n",
              s.objective, s.dual_bound, s.gap, s.gap / std::abs(s.dual_bound), s.relevance,
              s.target_impressions, static_cast<long long>(target) * static_cast<long long>(items));
  std::printf("items short of target: assignment %lld, score ordering %lld, user-rank ordering %lld "
              "(of %zu)\n",
              static_cast<long long>(s.items_short), static_cast<long long>(short_score),
              static_cast<long long>(short_rank), items);
  std::printf("peak RSS during assign: %.0f MiB (input %.0f MiB, ratio %.2f; process peak before "
              "%.0f MiB)\n",
              peak_mib, input_mib, peak_mib / input_mib, before_mib);
  return 0;
}
