// Caller mistakes in the inverse stage throw UsageError naming the argument
// instead of aborting the host process (issue 15, item 2; docs/library.md,
// "Exceptions").
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "invr/error.h"
#include "invr/inverse.h"

namespace invr {
namespace {

// The message of the UsageError `call` throws, or "no UsageError".
template <class Call>
std::string usage_error(Call call) {
  try {
    call();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no UsageError";
}

ItemTopUsers two_items_two_users() {
  ItemTopUsers t;
  t.items = 2;
  t.users_per_item = 2;
  t.users = {0, 1, 1, 0};
  t.scores = {0.9f, 0.5f, 0.8f, 0.4f};
  return t;
}

TEST(InverseArguments, TopUsersPerItemColumnsThatDifferThrow) {
  const std::vector<float> items(2 * 4, 1.0f), users(3 * 5, 1.0f);
  RetrievalSettings settings;
  settings.top_users_per_item = 2;
  EXPECT_NE(usage_error([&] {
              top_users_per_item(MatrixView{items.data(), 2, 4}, MatrixView{users.data(), 3, 5},
                                 settings);
            }).find("columns"),
            std::string::npos);
  EXPECT_THROW(top_users_per_item(MatrixView{nullptr, 2, 4}, MatrixView{users.data(), 3, 4},
                                  settings),
               UsageError);
}

TEST(InverseArguments, MergeTopUsersMismatchedShardsThrow) {
  const std::vector<ItemTopUsers> shards = {two_items_two_users(), two_items_two_users()};
  const std::vector<RowId> one_offset = {0};
  EXPECT_NE(usage_error([&] { merge_top_users(shards, one_offset, 2); }).find("shard_row_offsets"),
            std::string::npos);
  const std::vector<RowId> offsets = {0, 2};
  EXPECT_NE(usage_error([&] { merge_top_users(shards, offsets, 0); }).find("top_users_per_item"),
            std::string::npos);
  std::vector<ItemTopUsers> ragged = shards;
  ragged[1].users.pop_back();
  EXPECT_NE(usage_error([&] { merge_top_users(ragged, offsets, 2); }).find("shards[1]"),
            std::string::npos);
  EXPECT_EQ(merge_top_users(shards, offsets, 2).items, 2);  // the good call still works
}

TEST(InverseArguments, InvertBadTablesThrowNamingThem) {
  const ItemTopUsers top = two_items_two_users();
  const std::vector<Index> items = {3, 4}, users = {0, 1};
  const SeenItems seen;
  const InversionParams params;
  EXPECT_NE(usage_error([&] {
              invert(top, std::vector<Index>{3}, users, 2, seen, params);
            }).find("item_index_of_row"),
            std::string::npos);
  EXPECT_NE(usage_error([&] {
              invert(top, std::vector<Index>{3, 3}, users, 2, seen, params);
            }).find("repeated"),
            std::string::npos);
  EXPECT_NE(usage_error([&] {
              invert(top, std::vector<Index>{-1, 3}, users, 2, seen, params);
            }).find("negative"),
            std::string::npos);
  // A user row past the end of user_index_of_row.
  EXPECT_NE(usage_error([&] {
              invert(top, items, std::vector<Index>{0}, 2, seen, params);
            }).find("top_users.users"),
            std::string::npos);
  // A dataset user index past total_users.
  EXPECT_NE(usage_error([&] {
              invert(top, items, std::vector<Index>{0, 7}, 2, seen, params);
            }).find("total_users"),
            std::string::npos);
  ItemTopUsers short_scores = top;
  short_scores.scores.pop_back();
  EXPECT_THROW(invert(short_scores, items, users, 2, seen, params), UsageError);
  EXPECT_EQ(invert(top, items, users, 2, seen, params).users_with_candidates(), 2u);
}

TEST(InverseArguments, InverseRetrievalBadEmbeddingsThrow) {
  Selection selection;
  selection.items = {0};
  selection.users = {0, 1};
  Matrix items(1, 4), users(2, 5);
  RetrievalSettings settings;
  settings.top_users_per_item = 1;
  EXPECT_NE(usage_error([&] {
              inverse_retrieval(selection, items, users, SeenItems{}, settings, {});
            }).find("user_embeddings"),
            std::string::npos);
  Matrix users4(2, 4);
  selection.users = {0, 2};  // row 2 of a 2-row matrix
  EXPECT_NE(usage_error([&] {
              inverse_retrieval(selection, items, users4, SeenItems{}, settings, {});
            }).find("gather_rows"),
            std::string::npos);
}

}  // namespace
}  // namespace invr
