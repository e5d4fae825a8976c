// A precomputed model directory (docs/model.md) for given embeddings of a
// dataset's users and items, for tests that run the job on real files.
#pragma once

#include <filesystem>
#include <string>

#include "invr/data.h"
#include "invr/matrix.h"
#include "invr/model.h"
#include "test_util.h"

namespace invr::test {

inline void write_precomputed_model(const std::filesystem::path& dir, const Dataset& dataset,
                                    const Matrix& users, const Matrix& items) {
  std::filesystem::create_directories(dir);
  write_file(dir / "manifest.json",
             R"({"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": )" +
                 std::to_string(users.cols) + "}");
  write_embeddings(dir / "user_embeddings.npy", users, dataset.users);
  write_embeddings(dir / "item_embeddings.npy", items, dataset.items);
}

}  // namespace invr::test
