// load_serving_world: dataset + model -> embeddings, seen items, assembler.
#include "serving/server_world.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "invr/atomic_io.h"
#include "invr/error.h"

namespace invr::serving {

ServingWorld::UserView ServingWorld::user(std::string_view id) const {
  const Index u = users.find(id);
  if (u == kNoIndex) return {};
  const auto row = static_cast<std::size_t>(u);
  const auto begin = seen.offsets[row], end = seen.offsets[row + 1];
  UserView view;
  view.known = true;
  // History-less users take the popularity fallback, as the issue documents:
  // their embedding would be the model's single new-user vector anyway.
  if (begin == end) return view;
  view.embedding = user_embeddings.row(row);
  view.seen = std::span<const Index>(seen.items.data() + begin, end - begin);
  return view;
}

ServingWorld load_serving_world(const ServeSettings& serve, const SlateParams& slate) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  AtomicLoadOptions load_options;
  load_options.producer_column = serve.producer_column;
  Dataset dataset = load_atomic(serve.data, serve.name, load_options);
  const auto model = TwoTowerModel::load(serve.model);
  spdlog::info("serve: loaded {} users, {} items, {} events from {} and a {} model (dim {})",
               dataset.users.size(), dataset.items.size(), dataset.interactions.size(),
               serve.data, model->kind(), model->dim());

  ServingWorld world;
  world.data_end_time = latest_timestamp(dataset);
  Matrix items = model->embed_items(dataset);
  world.user_embeddings = model->embed_users(dataset);
  if (world.user_embeddings.rows != dataset.users.size() || items.rows != dataset.items.size())
    throw Error("model returned embeddings whose row counts differ from the dataset's");
  world.seen = seen_items(dataset);
  std::vector<double> popularity = item_popularity(dataset);
  SlateCatalog catalog = make_catalog(dataset, std::move(items), std::move(popularity));
  world.assembler = std::make_unique<SlateAssembler>(std::move(catalog), slate, serve.retrieval);
  world.users = std::move(dataset.users);
  world.producers = std::move(dataset.producers);
  spdlog::info("serve: embedded users and items and built the '{}' assembler in {:.1f} s",
               serve.retrieval, std::chrono::duration<double>(Clock::now() - start).count());
  return world;
}

}  // namespace invr::serving
