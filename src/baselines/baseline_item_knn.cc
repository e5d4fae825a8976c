// Item-kNN baseline: cosine similarity between binary item columns, pruned
// to each item's nearest neighbours, scored by summing over the user's items.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "invr/baselines.h"
#include "invr/error.h"

namespace invr {
namespace {

// Users of each item (the training matrix by column).
std::vector<std::vector<Index>> item_users(const ItemLists& train, std::size_t num_items) {
  std::vector<std::vector<Index>> users(num_items);
  for (std::size_t u = 0; u < train.size(); ++u)
    for (Index item : train.list(u)) {
      if (item < 0 || static_cast<std::size_t>(item) >= num_items)
        throw UsageError(fmt::format("item_knn: item index {} is not below {} items", item, num_items));
      users[static_cast<std::size_t>(item)].push_back(static_cast<Index>(u));
    }
  return users;
}

}  // namespace

std::vector<std::vector<Neighbour>> item_knn_neighbours(const ItemLists& train,
                                                        std::size_t num_items,
                                                        const ItemKnnParams& params) {
  if (params.neighbours < 1) throw UsageError("item_knn: neighbours must be at least 1");
  const auto users = item_users(train, num_items);
  std::vector<std::vector<Neighbour>> neighbours(num_items);
  // Co-occurrence counts of item i with every j, via the users of i: the
  // work is sum over users of |items|², far below num_items² on sparse data.
  std::vector<std::uint32_t> together(num_items, 0);
  std::vector<Index> touched;
  for (std::size_t i = 0; i < num_items; ++i) {
    touched.clear();
    for (Index u : users[i])
      for (Index j : train.list(static_cast<std::size_t>(u))) {
        if (static_cast<std::size_t>(j) == i) continue;
        if (together[static_cast<std::size_t>(j)]++ == 0) touched.push_back(j);
      }
    auto& kept = neighbours[i];
    kept.reserve(touched.size());
    const double size_i = static_cast<double>(users[i].size());
    for (Index j : touched) {
      const auto jj = static_cast<std::size_t>(j);
      const double size_j = static_cast<double>(users[jj].size());
      kept.push_back({j, static_cast<float>(together[jj] / std::sqrt(size_i * size_j))});
      together[jj] = 0;
    }
    const auto better = [](const Neighbour& a, const Neighbour& b) {
      return a.similarity != b.similarity ? a.similarity > b.similarity : a.item < b.item;
    };
    const std::size_t n = std::min(params.neighbours, kept.size());
    std::partial_sort(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(n), kept.end(), better);
    kept.resize(n);
  }
  return neighbours;
}

ItemLists item_knn_top_k(const ItemLists& train, std::size_t num_items, std::size_t k,
                         const ItemKnnParams& params) {
  if (k < 1) throw UsageError("item_knn: k must be at least 1");
  const auto neighbours = item_knn_neighbours(train, num_items, params);
  ItemLists result;
  std::vector<double> scores(num_items);
  for (std::size_t u = 0; u < train.size(); ++u) {
    std::fill(scores.begin(), scores.end(), 0.0);
    for (Index i : train.list(u))
      for (const Neighbour& n : neighbours[static_cast<std::size_t>(i)])
        scores[static_cast<std::size_t>(n.item)] += n.similarity;
    result.push_back(top_k_unseen(scores, train.list(u), k));
  }
  return result;
}

}  // namespace invr
