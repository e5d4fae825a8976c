// prepare_model_swap / install_world: a new model's world, loaded off the
// request path and swapped in whole.
#include "serving/model_swap.h"

#include <nlohmann/json.hpp>

#include "invr/job.h"
#include "invr/log.h"
#include "serving/world_items.h"

namespace invr::serving {

std::shared_ptr<ServingWorld> prepare_model_swap(const ServerContext& context) {
  if (!context.feed || !context.config.serve.follow_model) return nullptr;
  const std::optional<std::string> next = context.feed->store_current();
  if (!next || next == context.feed->generation()) return nullptr;
  const auto manifest = nlohmann::json::parse(context.feed->manifest(*next), nullptr, false);
  const nlohmann::json* version = nullptr;
  if (manifest.is_object() && manifest.contains("model") && manifest["model"].is_object() &&
      manifest["model"].contains("version") && manifest["model"]["version"].is_string())
    version = &manifest["model"]["version"];
  if (!version) return nullptr;
  const auto current = context.world();
  const std::string& wanted = version->get_ref<const std::string&>();
  if (wanted == current->model_version) return nullptr;
  const std::string dir = wanted.substr(0, wanted.rfind('@'));
  if (model_version(dir) != wanted) {
    invr::logger().warn("serve: generation {} names model {}, which {} no longer holds; keeping model {}", *next,
                        wanted, dir, current->model_version);
    return nullptr;
  }
  invr::logger().info("serve: generation {} was made by model {}; loading it", *next, wanted);
  ServeSettings serve = context.config.serve;
  serve.model = dir;
  auto world = load_serving_world(serve, context.config.slate);
  world->model_serial = current->model_serial + 1;
  return world;
}

void install_world(ServerContext& context, std::shared_ptr<ServingWorld> next) {
  std::lock_guard change(context.world_change);
  std::shared_ptr<const ServingWorld> world = std::move(next);
  if (!context.config.serve.item_log.empty()) world = with_logged_items(world, context.config.serve.item_log);
  const auto old = context.world();
  // LiveSeen holds catalog indices: they stay valid while the new catalog
  // starts with the old one (the dataset unchanged); otherwise map them by id.
  const IdMap& before = old->assembler->catalog().item_ids;
  const IdMap& after = world->assembler->catalog().item_ids;
  bool same_order = after.size() >= before.size();
  for (std::size_t i = 0; same_order && i < before.size(); ++i)
    same_order = before.ids()[i] == after.ids()[i];
  if (!same_order) context.live_seen.remap(before, after);
  context.set_world(world);
  invr::logger().info("serve: now serving model {} ({} users, {} items)", world->model_version,
                      world->users->ids.size(), world->assembler->catalog().items());
}

}  // namespace invr::serving
