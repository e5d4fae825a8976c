// A hand-made world for job tests whose InvR lists can be worked out by hand.
//
// Producers p0 (items i0, i1; heavily shown), p1 (i2) and p2 (i3), each shown
// once. With long_tail_share 0.5 the long tail is {p1, p2}, so items i2, i3.
// Users u0, u1, u2 each saw i0 three times and clicked it once.
// 2-d embeddings: users u0 (3,0), u1 (1,0.5), u2 (0,0.4); items i2 (2,0),
// i3 (0,1), i0 = i1 = (0,0).
//   i2: u0 6 (rank 1), u1 2 (rank 2), u2 0 (rank 3)
//   i3: u1 .5 (rank 1), u2 .4 (rank 2), u0 0 (rank 3)
// So with N = 3: by score u0 [i2,i3], u1 [i2,i3], u2 [i3,i2];
//                by user_rank u0 [i2,i3], u1 [i3,i2], u2 [i3,i2].
#pragma once

#include <filesystem>
#include <string>

#include "invr/atomic_io.h"
#include "invr/data.h"
#include "invr/job.h"
#include "invr/model.h"
#include "test_util.h"

namespace invr::test {

constexpr double kWorldStart = 1.7e9;

inline Dataset job_world() {
  Dataset d;
  d.name = "jobworld";
  for (const char* u : {"u0", "u1", "u2"}) d.users.add(u);
  const char* producers[] = {"p0", "p0", "p1", "p2"};
  for (int i = 0; i < 4; ++i) {
    d.items.add("i" + std::to_string(i));
    d.item_table.push_back(d.producers.add(producers[i]), kWorldStart, {});
  }
  for (Index u = 0; u < 3; ++u) {
    for (int k = 0; k < 3; ++k) d.interactions.push_back(u, 0, kWorldStart + 100 + u, EventType::impression, 1);
    d.interactions.push_back(u, 0, kWorldStart + 101 + u, EventType::click, 1);
  }
  d.interactions.push_back(0, 2, kWorldStart + 200, EventType::impression, 1);
  d.interactions.push_back(1, 3, kWorldStart + 200, EventType::impression, 1);
  return d;
}

// A precomputed model directory with the embeddings above (dim 2), or with a
// third zero column (dim 3) for dimension-mismatch tests.
inline void write_job_model(const Dataset& d, const std::filesystem::path& dir, int dim = 2) {
  std::filesystem::create_directories(dir);
  write_file(dir / "manifest.json",
             R"({"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": )" +
                 std::to_string(dim) + "}");
  const float users[3][2] = {{3, 0}, {1, 0.5f}, {0, 0.4f}};
  const float items[4][2] = {{0, 0}, {0, 0}, {2, 0}, {0, 1}};
  Matrix u(3, static_cast<std::size_t>(dim)), it(4, static_cast<std::size_t>(dim));
  for (std::size_t r = 0; r < 3; ++r)
    for (std::size_t c = 0; c < 2; ++c) u.row(r)[c] = users[r][c];
  for (std::size_t r = 0; r < 4; ++r)
    for (std::size_t c = 0; c < 2; ++c) it.row(r)[c] = items[r][c];
  write_embeddings(dir / "user_embeddings.npy", u, d.users);
  write_embeddings(dir / "item_embeddings.npy", it, d.items);
}

// Settings that select exactly the long tail above and keep every user.
inline JobConfig job_world_config(const std::string& store) {
  JobConfig config;
  config.selection.long_tail_share = 0.5;
  config.selection.min_quality = 0;
  config.selection.max_item_age_days = 0;
  config.selection.active_days = 0;
  config.retrieval.top_users_per_item = 3;
  config.job.store = store;
  return config;
}

}  // namespace invr::test
