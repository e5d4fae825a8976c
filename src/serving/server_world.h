// What the server knows about users and items, built once at startup from
// the dataset and the model; read-only afterwards, so requests share it
// without locks. The Dataset itself is dropped after building this.
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "invr/inverse.h"
#include "invr/model.h"
#include "invr/server.h"
#include "invr/slate.h"

namespace invr::serving {

struct ServingWorld {
  IdMap users;
  Matrix user_embeddings;  // row u = users index u
  SeenItems seen;          // per user: positive items, sorted (the job's definition)
  IdMap producers;         // catalog producer index -> external id
  std::unique_ptr<SlateAssembler> assembler;
  double data_end_time = kNoTime;  // latest timestamp in the dataset

  // The user's embedding row and seen items, or empty spans for an unknown
  // or history-less user (the popularity fallback of docs/serving.md).
  struct UserView {
    std::span<const float> embedding;
    std::span<const Index> seen;
    bool known = false;
  };
  UserView user(std::string_view id) const;
};

// Loads the dataset and the model named by `serve`, embeds every user and
// item (as of after the data's last event) and builds the assembler.
ServingWorld load_serving_world(const ServeSettings& serve, const SlateParams& slate);

}  // namespace invr::serving
