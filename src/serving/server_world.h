// What the server knows about users and items: an immutable snapshot built at
// startup from the dataset and the model. Requests take the current snapshot
// once (ServerContext::world()) and read it without locks; a change (new
// items, a new model) builds a new snapshot and swaps it in, sharing the parts
// it leaves unchanged. What users post meanwhile (LiveSeen) is kept beside it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "invr/inverse.h"
#include "invr/model.h"
#include "invr/server.h"
#include "invr/slate.h"
#include "serving/live_seen.h"

namespace invr::serving {

// The dataset's users: the big part, shared by every snapshot of one model.
struct KnownUsers {
  IdMap ids;
  Matrix embeddings;  // row u = ids index u
  SeenItems seen;     // per user: positive items, sorted (the job's definition)
};

// What the item tower reads besides ids and producers, per catalog item: for
// embedding new items and new users' histories.
struct ItemContent {
  IdMap tokens;
  ItemTable table;  // one row per catalog item (producer, publish time, tokens)
};

struct ServingWorld {
  std::shared_ptr<const KnownUsers> users;
  std::shared_ptr<const SlateAssembler> assembler;
  IdMap producers;                 // catalog producer index -> external id
  double data_end_time = kNoTime;  // latest timestamp in the dataset
  std::shared_ptr<const TwoTowerModel> model;
  std::uint64_t model_serial = 1;  // new per model loaded: keys LiveSeen's embedding cache
  std::string model_version;       // model_version(dir): what a generation's manifest names
  std::shared_ptr<const ItemContent> content;
  // Recall@retrieve_k of item retrieval against exact search, measured when
  // the world was built (1 for exact retrieval; /metrics invr_retrieval_recall).
  double retrieval_recall = 1;

  // The user's embedding row and seen items (the dataset's merged with
  // `live`). A user the dataset has no history for is embedded from their
  // posted clicks (cached in `live`); with none, or when the model gives them
  // a zero vector (a precomputed model does, for ids it lacks), the embedding
  // is empty: the popularity fallback of docs/serving.md. Owns what the spans
  // point into: movable, not copyable. Valid while the world lives.
  struct UserView {
    std::span<const float> embedding;
    std::span<const Index> seen;
    bool known = false;
    std::vector<Index> merged_seen;
    std::vector<float> own_embedding;

    UserView() = default;
    UserView(UserView&&) = default;
    UserView& operator=(UserView&&) = default;
  };
  UserView user(std::string_view id, const LiveSeen& live) const;
};

// Loads the dataset and the model named by `serve`, embeds every user and
// item (as of after the data's last event) and builds the assembler.
std::shared_ptr<ServingWorld> load_serving_world(const ServeSettings& serve, const SlateParams& slate);

}  // namespace invr::serving
