#include "model/torch/validation.h"

#include <algorithm>
#include <limits>

#include "invr/metrics.h"

namespace invr::model {
namespace {
// Scores held at once (floats): the [users, items] block stays near 128 MB
// whatever the catalogue size.
constexpr std::size_t kScoreBudget = std::size_t{1} << 25;
}  // namespace

double validation_recall(TwoTowerNet& net, const TrainingData& data, const ItemCatalog& catalog,
                         const IdMap& items, const ModelConfig& config) {
  const ValidationSet& validation = data.validation;
  if (validation.empty() || catalog.size() == 0) return 0;
  torch::NoGradGuard no_grad;
  const ColdStart mode = *parse_cold_start(config.cold_start);
  const torch::Tensor item_matrix = embed_catalog(net, catalog, items, data.item_count, mode,
                                                  validation.reference_time, config.seed);
  // Histories hold training events only, so every one of them counts.
  const torch::Tensor user_matrix =
      embed_histories(net, data.histories, validation.users, kNoTime, validation.reference_time,
                      catalog.input_id, config.history_length);
  const auto k = std::min<std::int64_t>(config.eval_k, static_cast<std::int64_t>(catalog.size()));
  const std::size_t user_block = std::clamp<std::size_t>(kScoreBudget / catalog.size(), 1, 1024);
  ItemLists ranked;
  for (std::size_t begin = 0; begin < validation.users.size(); begin += user_block) {
    const std::size_t end = std::min(validation.users.size(), begin + user_block);
    torch::Tensor scores =
        torch::matmul(user_matrix.slice(0, static_cast<std::int64_t>(begin),
                                        static_cast<std::int64_t>(end)),
                      item_matrix.t())
            .contiguous();
    auto accessor = scores.accessor<float, 2>();
    for (std::size_t v = begin; v < end; ++v)
      for (Index item : validation.seen.list(v))
        accessor[static_cast<std::int64_t>(v - begin)][item] =
            -std::numeric_limits<float>::infinity();
    const torch::Tensor top = std::get<1>(scores.topk(k, 1)).contiguous();
    auto top_items = top.accessor<std::int64_t, 2>();
    std::vector<Index> list(static_cast<std::size_t>(k));
    for (std::size_t v = begin; v < end; ++v) {
      for (std::int64_t r = 0; r < k; ++r)
        list[static_cast<std::size_t>(r)] =
            static_cast<Index>(top_items[static_cast<std::int64_t>(v - begin)][r]);
      ranked.push_back(list);
    }
  }
  return accuracy_at_k(ranked, validation.relevant, static_cast<std::size_t>(config.eval_k)).recall;
}

}  // namespace invr::model
