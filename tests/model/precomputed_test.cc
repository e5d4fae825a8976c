#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/model.h"
#include "invr/npy.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

const char* kManifest =
    R"({"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": 2})";

// Items x, y, z with 2-d embeddings written by "someone else".
void write_items(const fs::path& dir) {
  fs::create_directories(dir);
  test::write_file(dir / "manifest.json", kManifest);
  const std::vector<float> items = {1, 2, 3, 4, 5, 6};
  const std::vector<std::size_t> shape = {3, 2};
  write_npy(dir / "item_embeddings.npy", items, shape);
  test::write_file(dir / "item_embeddings.ids", "x\ny\nz\n");
}

Dataset items_dataset(std::initializer_list<const char*> ids) {
  Dataset d;
  for (const char* id : ids) d.items.add(id);
  return d;
}

TEST(Precomputed, RowsFollowTheDatasetIdsAndUnknownIdsGetZeros) {
  test::TempDir dir;
  write_items(dir.path());
  const auto model = TwoTowerModel::load(dir.path());
  EXPECT_EQ(model->kind(), "precomputed");
  EXPECT_EQ(model->dim(), 2u);
  const Matrix m = model->embed_items(items_dataset({"z", "new", "x"}));
  EXPECT_EQ(m.data, (std::vector<float>{5, 6, 0, 0, 1, 2}));
}

TEST(Precomputed, UsersAreOptional) {
  test::TempDir dir;
  write_items(dir.path());
  Dataset d = items_dataset({"x"});
  d.users.add("u1");
  const auto items_only = TwoTowerModel::load(dir.path());
  EXPECT_THROW(items_only->embed_users(d), UsageError);
  const std::vector<float> users = {7, 8};
  const std::vector<std::size_t> shape = {1, 2};
  write_npy(dir / "user_embeddings.npy", users, shape);
  test::write_file(dir / "user_embeddings.ids", "u1\n");
  EXPECT_EQ(TwoTowerModel::load(dir.path())->embed_users(d).data, users);
}

TEST(Precomputed, MismatchedIdsAndRowsNameTheFile) {
  test::TempDir dir;
  write_items(dir.path());
  test::write_file(dir / "item_embeddings.ids", "x\ny\n");
  try {
    TwoTowerModel::load(dir.path());
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("item_embeddings.npy"), std::string::npos) << e.what();
  }
  test::write_file(dir / "item_embeddings.ids", "x\ny\nx\n");
  try {
    TwoTowerModel::load(dir.path());
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(e.file().find("item_embeddings.ids"), std::string::npos);
  }
}

// docs/retrieval.md, "Embedding magnitudes": checked at load, naming the file's row.
TEST(Precomputed, HugeOrNonFiniteEmbeddingsAreRefusedAtLoad) {
  test::TempDir dir;
  write_items(dir.path());
  const std::vector<float> items = {1, 2, 3e38f, 3e38f, 5, 6};
  const std::vector<std::size_t> shape = {3, 2};
  write_npy(dir / "item_embeddings.npy", items, shape);
  try {
    TwoTowerModel::load(dir.path());
    FAIL() << "3e38s accepted";
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), (dir / "item_embeddings.npy").string());
    EXPECT_EQ(e.line(), 2u);
    EXPECT_NE(e.message().find("norm must be at most 1e+18"), std::string::npos) << e.what();
  }
}

TEST(Precomputed, DimMustAgreeWithTheManifest) {
  test::TempDir dir;
  write_items(dir.path());
  test::write_file(dir / "manifest.json",
                   R"({"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": 3})");
  EXPECT_THROW(TwoTowerModel::load(dir.path()), DataError);
  test::write_file(dir / "manifest.json",
                   R"({"magic": "invr-model", "format_version": 1, "kind": "mystery"})");
  EXPECT_THROW(TwoTowerModel::load(dir.path()), DataError);
}

}  // namespace
}  // namespace invr
