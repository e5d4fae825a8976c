// The model swap (docs/serving_http.md, "Live state"): when the generation
// the next refresh pins names another model in its manifest (model.version,
// "DIR@HASH", docs/job.md), the server loads a new world from DIR (the same
// dataset, plus the item log's items) before it pins the generation, and swaps
// both in one after the other, so the candidates and the embeddings that main
// retrieval uses come from the same model.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "serving/server_context.h"

namespace invr::serving {

// The world for the store's current generation when its manifest names a
// model other than the served one, else nullptr (no store, the generation is
// already pinned, no model version in its manifest, the same model). The
// model directory must still hold that version (model_version(DIR) equals
// it), else nullptr and a warning. Throws what loading throws.
std::shared_ptr<ServingWorld> prepare_model_swap(const ServerContext& context);

// Swaps `next` in under context.world_change, first adding the item log's
// items (posted while it loaded) and, if the catalog's order changed,
// re-indexing the live seen items.
void install_world(ServerContext& context, std::shared_ptr<ServingWorld> next);

}  // namespace invr::serving
