// load_serving_world: dataset + model -> embeddings, seen items, assembler.
#include "serving/server_world.h"

#include <algorithm>
#include <chrono>


#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/job.h"
#include "invr/log.h"

namespace invr::serving {

namespace {

// The model's user tower on `items` (catalog indices) as one user's clicks.
std::vector<float> embed_history(const ServingWorld& world, std::string_view user,
                                 std::span<const Index> items) {
  const SlateCatalog& catalog = world.assembler->catalog();
  const ItemContent& content = *world.content;
  Dataset history;
  history.users.add(user);
  std::vector<Index> tokens;
  for (const Index item : items) {
    const auto row = static_cast<std::size_t>(item);
    const Index local = history.items.add(catalog.item_ids.id(item));
    tokens.clear();
    for (const Index token : content.table.item_tokens(item))
      tokens.push_back(history.tokens.add(content.tokens.id(token)));
    const Index producer = content.table.producer[row];
    // Without a producer an item is its own, as the loader has it.
    const std::string& producer_id =
        producer == kNoIndex ? catalog.item_ids.id(item) : world.producers.id(producer);
    history.item_table.push_back(history.producers.add(producer_id), content.table.publish_time[row],
                                 tokens);
    history.interactions.push_back(0, local, kNoTime, EventType::click, 1.0f);
  }
  const Matrix embedded = world.model->embed_users(history);
  if (embedded.rows != 1 || embedded.cols != catalog.embeddings.cols) return {};
  const auto row = embedded.row(0);
  // A zero vector ranks every item alike: the popular fallback serves better.
  if (std::all_of(row.begin(), row.end(), [](float x) { return x == 0.0f; })) return {};
  return {row.begin(), row.end()};
}

}  // namespace

ServingWorld::UserView ServingWorld::user(std::string_view id, const LiveSeen& live) const {
  UserView view;
  std::span<const Index> base;
  const Index u = users->ids.find(id);
  if (u != kNoIndex) {
    const auto row = static_cast<std::size_t>(u);
    const auto begin = users->seen.offsets[row], end = users->seen.offsets[row + 1];
    view.known = true;
    // History-less users take the popularity fallback, as the issue documents:
    // their embedding would be the model's single new-user vector anyway.
    if (begin != end) {
      view.embedding = users->embeddings.row(row);
      base = std::span<const Index>(users->seen.items.data() + begin, end - begin);
    }
  }
  view.seen = base;
  // Clicks posted since the world was built (LiveSeen) count at once.
  if (live.merge(id, base, view.merged_seen)) {
    // Items added after this snapshot was taken are not in its catalog.
    const auto items = static_cast<Index>(assembler->catalog().items());
    auto& merged = view.merged_seen;
    merged.erase(std::lower_bound(merged.begin(), merged.end(), items), merged.end());
    view.seen = merged;
    // No history in the dataset: the posted clicks are the history.
    if (view.embedding.empty() && !merged.empty()) {
      if (!live.cached_embedding(id, model_serial, view.own_embedding)) {
        try {
          view.own_embedding = embed_history(*this, id, merged);
        } catch (const std::exception& e) {
          invr::logger().warn("serve: cannot embed user {} from their posted history: {}", id, e.what());
          view.own_embedding.clear();
        }
        live.cache_embedding(id, model_serial, merged.size(), view.own_embedding);
      }
      if (!view.own_embedding.empty()) view.embedding = view.own_embedding;
    }
  }
  return view;
}

std::shared_ptr<ServingWorld> load_serving_world(const ServeSettings& serve, const SlateParams& slate) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  AtomicLoadOptions load_options;
  load_options.producer_column = serve.producer_column;
  Dataset dataset = load_atomic(serve.data, serve.name, load_options);
  auto model = TwoTowerModel::load(serve.model);
  invr::logger().info("serve: loaded {} users, {} items, {} events from {} and a {} model (dim {})",
                      dataset.users.size(), dataset.items.size(), dataset.interactions.size(),
                      serve.data, model->kind(), model->dim());

  auto world = std::make_shared<ServingWorld>();
  auto users = std::make_shared<KnownUsers>();
  world->data_end_time = latest_timestamp(dataset);
  Matrix items = model->embed_items(dataset);
  users->embeddings = model->embed_users(dataset);
  if (users->embeddings.rows != dataset.users.size() || items.rows != dataset.items.size())
    throw Error("model returned embeddings whose row counts differ from the dataset's");
  users->seen = seen_items(dataset);
  std::vector<double> popularity = item_popularity(dataset);
  SlateCatalog catalog = make_catalog(dataset, std::move(items), std::move(popularity));
  world->assembler = std::make_shared<SlateAssembler>(std::move(catalog), slate, serve.retrieval);
  if (serve.retrieval != "exact") {
    // An approximate index trades recall for speed: measure it once, on up
    // to 256 users spread over the dataset, so the operator sees the trade.
    const auto recall_start = Clock::now();
    const Matrix& all = users->embeddings;
    const std::size_t sample = std::min<std::size_t>(256, all.rows);
    Matrix rows(sample, all.cols);
    for (std::size_t r = 0; r < sample; ++r) {
      const std::size_t from = r * all.rows / sample;
      std::copy_n(all.data.begin() + static_cast<std::ptrdiff_t>(from * all.cols), all.cols,
                  rows.data.begin() + static_cast<std::ptrdiff_t>(r * all.cols));
    }
    const auto k = std::min<std::int64_t>(
        slate.retrieve_k, static_cast<std::int64_t>(world->assembler->catalog().items()));
    world->retrieval_recall = world->assembler->retrieval_recall(
        MatrixView{rows.data.data(), static_cast<std::int64_t>(sample), static_cast<std::int64_t>(all.cols)},
        static_cast<int>(k));
    invr::logger().info("serve: retrieval '{}' recall@{} = {:.4f} against exact over {} users ({:.1f} s)",
                        serve.retrieval, k, world->retrieval_recall, sample,
                        std::chrono::duration<double>(Clock::now() - recall_start).count());
  }
  users->ids = std::move(dataset.users);
  world->users = std::move(users);
  world->producers = std::move(dataset.producers);
  auto content = std::make_shared<ItemContent>();
  content->tokens = std::move(dataset.tokens);
  content->table = std::move(dataset.item_table);
  // Datasets without an item table: a row per item all the same.
  while (content->table.size() < dataset.items.size()) content->table.push_back(kNoIndex, kNoTime, {});
  world->content = std::move(content);
  world->model = std::shared_ptr<const TwoTowerModel>(std::move(model));
  world->model_version = model_version(serve.model);
  invr::logger().info("serve: embedded users and items and built the '{}' assembler in {:.1f} s",
                      serve.retrieval, std::chrono::duration<double>(Clock::now() - start).count());
  return world;
}

}  // namespace invr::serving
