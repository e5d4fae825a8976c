// A dataset oracle's bias, calibrated so the control arm's expected CTR at
// the simulation start is params.base_ctr. The relevance formula is the
// clicks' own (oracle_relevance); only its bias is searched.
#include <algorithm>
#include <cmath>


#include "invr/error.h"
#include "invr/log.h"
#include "simulation/sim_calibrate.h"
#include "simulation/sim_oracle.h"

namespace invr::simulation {

double calibrate_oracle(SimulationWorld& world, const TwoTowerModel& model,
                        const SimulationConfig& config, double start) {
  const SimulationParams& params = config.params;
  const Dataset history = history_before(world.dataset, start);
  const std::vector<std::vector<Index>> positives = positive_items(history);
  const std::vector<double> rates =
      user_visit_rates(world, history, start, params.activity_window_days);
  EmbedOptions embed;
  embed.as_of = start;
  if (!config.job.job.cold_start.empty()) embed.cold_start = parse_cold_start(config.job.job.cold_start);
  const Matrix items = model.embed_items(history, embed);
  const Matrix users = model.embed_users(history, embed);
  TickCatalog catalog = tick_catalog(history, items, item_popularity(history, start), start,
                                     start + kDay, params.max_item_age_days);
  SlateParams slate_params = config.slate;
  slate_params.threads = params.threads;
  const SlateAssembler assembler(std::move(catalog.catalog), slate_params, "exact");

  // At most 2000 users, evenly spaced, weighted by how often they visit.
  const std::size_t step = std::max<std::size_t>(1, history.users.size() / 2000);
  std::vector<std::vector<Index>> seen;
  std::vector<SlateRequest> requests;
  std::vector<Index> request_user;
  for (std::size_t u = 0; u < history.users.size(); u += step) request_user.push_back(static_cast<Index>(u));
  seen.resize(request_user.size());
  for (std::size_t j = 0; j < request_user.size(); ++j) {
    const auto u = static_cast<std::size_t>(request_user[j]);
    for (Index item : positives[u])
      if (Index row = catalog.row_of_item[static_cast<std::size_t>(item)]; row != kNoIndex)
        seen[j].push_back(row);
    SlateRequest request;
    if (!positives[u].empty()) request.user_embedding = users.row(u);
    request.seen_items = seen[j];
    request.n = static_cast<int>(params.slate_size);
    request.now = start;
    requests.push_back(request);
  }
  const std::vector<Slate> slates = assembler.assemble(requests);

  // The oracle's z of every shown item, once; the bisection only moves c.
  INVR_CHECK(world.oracle);
  struct Shown {
    double weight;  // the user's visit rate
    double z;
    int position;  // 0-based
  };
  std::vector<Shown> shown;
  for (std::size_t j = 0; j < slates.size(); ++j) {
    const auto u = static_cast<std::size_t>(request_user[j]);
    for (const SlateItem& item : slates[j].items)
      shown.push_back({rates[u],
                       world.oracle->z(request_user[j],
                                       catalog.item_of_row[static_cast<std::size_t>(item.item)]),
                       item.position - 1});
  }
  WorldTruth& truth = world.truth;
  auto expected_ctr = [&](double bias) {
    truth.relevance_bias = bias;
    double clicks = 0, impressions = 0;
    for (const Shown& s : shown) {
      clicks += s.weight * oracle_relevance(truth, s.z) * truth.examination.at(s.position);
      impressions += s.weight;
    }
    return impressions > 0 ? clicks / impressions : 0.0;
  };
  double low = -60, high = 60;
  for (int iteration = 0; iteration < 80; ++iteration) {
    const double mid = 0.5 * (low + high);
    (expected_ctr(mid) < params.base_ctr ? low : high) = mid;
  }
  const double ctr = expected_ctr(0.5 * (low + high));
  invr::logger().info("simulate: oracle bias {:.4f} gives a control CTR of {:.4f} at the start",
                      truth.relevance_bias, ctr);
  return ctr;
}

}  // namespace invr::simulation
