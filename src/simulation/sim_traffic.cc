// One tick of traffic. Visits are served in rounds (every user's first visit
// of the tick, then every second visit, ...), each round in fixed chunks of
// batch_size users in user order, so the batches handed to
// SlateAssembler::assemble, and hence every slate, do not depend on threads.
#include <algorithm>

#include "invr/slate.h"
#include "simulation/sim_oracle.h"
#include "simulation/sim_rng.h"
#include "simulation/sim_traffic.h"

namespace invr::simulation {
namespace {

struct ChunkResult {
  std::vector<Impression> impressions;
  struct Expectation {
    Index user;
    double served;
    double control;
    std::uint32_t control_items;  // the control slate's length
    std::uint32_t invr_items;
  };
  std::vector<Expectation> expectations;
};

double slate_click_probability(const SimulationWorld& world, const TickCatalog& catalog,
                               Index user, const SlateItem& item) {
  const Index dataset_item = catalog.item_of_row[static_cast<std::size_t>(item.item)];
  return world_click_probability(world, user, dataset_item, item.position - 1);
}

// Whether the request's arm can make its slate differ from control's, so a
// counterfactual control slate is worth assembling.
bool changes_slate(const SlateRequest& request) {
  const Arm* arm = request.arm;
  if (!arm || arm->is_control()) return false;
  if (arm->method == ArmMethod::invr) return request.invr && !request.invr->empty();
  if (request.user_embedding.empty()) return false;  // the popularity fallback
  return arm->method != ArmMethod::forward_longtail || !request.treated_items.empty();
}

void serve_chunk(const TickSetup& setup, std::size_t round, std::span<const Index> users,
                 const std::vector<std::vector<double>>& times,
                 const std::vector<std::vector<Index>>& clicked,
                 std::span<const std::uint8_t> has_history, ChunkResult& out) {
  const SimulationParams& params = *setup.params;
  const TickCatalog& catalog = *setup.catalog;
  const std::size_t n = users.size();
  std::vector<std::vector<Index>> seen(n);
  std::vector<std::optional<StoredCandidates>> stored(n);
  std::vector<SlateRequest> requests;
  std::vector<std::ptrdiff_t> control_request(n, -1);
  requests.reserve(2 * n);
  for (std::size_t j = 0; j < n; ++j) {
    const auto u = static_cast<std::size_t>(users[j]);
    for (Index item : clicked[u]) {
      const Index row = catalog.row_of_item[static_cast<std::size_t>(item)];
      if (row != kNoIndex) seen[j].push_back(row);  // ascending: rows follow dataset order
    }
    const Arm* arm = setup.user_arm[u];
    if (arm->ordering && setup.candidates)
      stored[j] = setup.candidates->get(setup.world->dataset.users.id(users[j]));
    SlateRequest request;
    if (has_history[u]) request.user_embedding = setup.user_embeddings->row(u);
    request.seen_items = seen[j];
    request.n = static_cast<int>(params.slate_size);
    request.arm = arm;
    request.invr = stored[j] ? &*stored[j] : nullptr;
    request.now = times[u][round];
    if (arm->method == ArmMethod::forward_longtail) request.treated_items = setup.treated_rows;
    requests.push_back(request);
  }
  if (params.counterfactual) {
    for (std::size_t j = 0; j < n; ++j) {
      if (!changes_slate(requests[j])) continue;
      SlateRequest control = requests[j];
      control.arm = nullptr;
      control.invr = nullptr;
      control.treated_items = {};
      control_request[j] = static_cast<std::ptrdiff_t>(requests.size());
      requests.push_back(control);
    }
  }
  const std::vector<Slate> slates = setup.assembler->assemble(requests);

  for (std::size_t j = 0; j < n; ++j) {
    const Index user = users[j];
    Stream draws(params.seed, Purpose::click,
                 {static_cast<std::uint64_t>(user), setup.tick, static_cast<std::uint64_t>(round)});
    double served = 0;
    for (const SlateItem& item : slates[j].items) {
      const double p = slate_click_probability(*setup.world, catalog, user, item);
      served += p;
      const bool click = draws.uniform() < p;
      out.impressions.push_back({user, catalog.item_of_row[static_cast<std::size_t>(item.item)],
                                 item.position - 1, click, requests[j].now});
    }
    double control = served;
    auto control_items = static_cast<std::uint32_t>(slates[j].items.size());
    if (control_request[j] >= 0) {
      control = 0;
      const Slate& slate = slates[static_cast<std::size_t>(control_request[j])];
      for (const SlateItem& item : slate.items)
        control += slate_click_probability(*setup.world, catalog, user, item);
      control_items = static_cast<std::uint32_t>(slate.items.size());
    }
    out.expectations.push_back({user, served, control, control_items,
                                static_cast<std::uint32_t>(slates[j].invr_items)});
  }
}

}  // namespace

void add_click(std::vector<Index>& items, Index item) {
  const auto at = std::lower_bound(items.begin(), items.end(), item);
  if (at == items.end() || *at != item) items.insert(at, item);
}

std::vector<double> visit_times(std::uint64_t seed, Index user, std::uint64_t tick, double begin,
                                double end, double visits_per_day) {
  const double mean = visits_per_day * (end - begin) / kDay;
  const auto u = static_cast<std::uint64_t>(user);
  Stream count_draw(seed, Purpose::visits, {u, tick});
  const std::uint64_t count = count_draw.poisson(mean);
  Stream time_draw(seed, Purpose::visit_time, {u, tick});
  std::vector<double> times(count);
  for (double& t : times) t = std::floor(begin + time_draw.uniform() * (end - begin));
  for (double& t : times) t = std::clamp(t, begin, std::nextafter(end, begin));
  std::sort(times.begin(), times.end());
  return times;
}

void run_tick(const TickSetup& setup, std::vector<std::vector<Index>>& clicked, TickOutput& out,
              Progress* progress) {
  const std::size_t users = setup.user_arm.size();
  std::vector<std::uint8_t> has_history(users);
  std::vector<std::vector<double>> times(users);
  std::size_t rounds = 0;
  for (std::size_t u = 0; u < users; ++u) {
    has_history[u] = !clicked[u].empty();
    times[u] = visit_times(setup.params->seed, static_cast<Index>(u), setup.tick, setup.begin,
                           setup.end, setup.visits_per_day[u]);
    rounds = std::max(rounds, times[u].size());
  }
  const auto batch = static_cast<std::size_t>(setup.params->batch_size);
  const int threads = resolve_threads(setup.params->threads);
  for (std::size_t round = 0; round < rounds; ++round) {
    std::vector<Index> visiting;
    for (std::size_t u = 0; u < users; ++u)
      if (times[u].size() > round) visiting.push_back(static_cast<Index>(u));
    const std::size_t chunks = (visiting.size() + batch - 1) / batch;
    std::vector<ChunkResult> results(chunks);
    parallel_tasks(chunks, threads, [&](std::size_t c) {
      const std::size_t begin = c * batch, end = std::min(visiting.size(), begin + batch);
      serve_chunk(setup, round, std::span(visiting).subspan(begin, end - begin), times, clicked,
                  has_history, results[c]);
      if (progress) progress->add(end - begin);
    });
    for (ChunkResult& result : results) {
      for (const Impression& impression : result.impressions) {
        out.impressions.push_back(impression);
        if (impression.clicked)
          add_click(clicked[static_cast<std::size_t>(impression.user)], impression.item);
      }
      for (const auto& e : result.expectations) {
        out.expected_served[static_cast<std::size_t>(e.user)] += e.served;
        out.expected_control[static_cast<std::size_t>(e.user)] += e.control;
        out.control_impressions[static_cast<std::size_t>(e.user)] += e.control_items;
        out.invr_impressions[static_cast<std::size_t>(e.user)] += e.invr_items;
        ++out.visits_of_user[static_cast<std::size_t>(e.user)];
      }
    }
    out.visits += visiting.size();
  }
}

}  // namespace invr::simulation
