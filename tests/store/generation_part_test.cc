// Generations written by several processes (invr/store.h, GenerationPart;
// docs/store.md): parts joined to a begun generation, added, committed once.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store_test_util.h"

namespace invr::test {
namespace {

class GenerationParts : public ::testing::TestWithParam<std::string> {};

TEST_P(GenerationParts, PartsBecomeVisibleWithTheWritersCommitOnly) {
  INVR_STORE_BACKEND_SETUP(factory);
  const std::string uri = factory.new_uri();
  auto store = open_store(uri);
  write_generation(*store, "old", 10, 1);
  auto writer = store->begin_generation("new");
  // Parts come from other processes: here, other store objects on the same URI.
  auto other = open_store(uri);
  auto part1 = other->join_generation("new", 1);
  auto part2 = open_store(uri)->join_generation("new", 2);
  for (int u = 0; u < 90; ++u) {
    if (u % 3 == 0) writer->put(user_name(u), sample_candidates(u, 2));
    else if (u % 3 == 1) part1->put(user_name(u), sample_candidates(u, 2));
    else part2->put(user_name(u), sample_candidates(u, 2));
  }
  EXPECT_EQ(part1->users_written(), 30u);
  part1->finish();
  EXPECT_THROW(part1->put(user_name(200), sample_candidates(1, 1)), UsageError);
  EXPECT_THROW(writer->add_part(2), UsageError);  // not finished yet
  part2->finish();
  writer->add_part(1);
  writer->add_part(2);
  EXPECT_THROW(writer->add_part(2), UsageError);  // twice
  EXPECT_EQ(store->current(), "old");             // nothing visible before the commit
  EXPECT_THROW(store->get("new", user_name(1)), UsageError);
  writer->commit("{}");
  EXPECT_EQ(store->current(), "new");
  EXPECT_TRUE(holds_generation(*store, "new", 90, 2));
  EXPECT_EQ(nlohmann::json::parse(store->manifest("new"))["stored_users"], 90);
}

TEST_P(GenerationParts, JoiningNeedsABegunGenerationAndAValidPart) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  EXPECT_THROW(store->join_generation("never-begun", 1), UsageError);
  auto writer = store->begin_generation("g");
  EXPECT_THROW(store->join_generation("g", 0), UsageError);
  EXPECT_THROW(store->join_generation("g", 10000), UsageError);
  EXPECT_THROW(store->join_generation("bad id!", 1), UsageError);
  EXPECT_THROW(writer->add_part(3), UsageError);  // never joined
  writer->put(user_name(1), sample_candidates(1, 1));
  writer->commit("{}");
  EXPECT_THROW(store->join_generation("g", 1), UsageError);  // committed
}

TEST_P(GenerationParts, AnAbortedGenerationTakesItsPartsAlong) {
  INVR_STORE_BACKEND_SETUP(factory);
  const std::string uri = factory.new_uri();
  auto store = open_store(uri);
  write_generation(*store, "kept", 20, 1);
  {
    auto writer = store->begin_generation("dead");
    auto part = open_store(uri)->join_generation("dead", 1);
    for (int u = 0; u < 20; ++u) part->put(user_name(u), sample_candidates(u, 3));
    part->finish();
    writer->add_part(1);
  }  // destroyed uncommitted: aborted
  EXPECT_EQ(store->current(), "kept");
  EXPECT_TRUE(holds_generation(*store, "kept", 20, 1));
  // The same id again: nothing of the dead part may leak into it.
  auto writer = store->begin_generation("dead");
  writer->put(user_name(1), sample_candidates(1, 4));
  writer->commit("{}");
  EXPECT_EQ(store->get("dead", user_name(2)), std::nullopt);
  EXPECT_EQ(nlohmann::json::parse(store->manifest("dead"))["stored_users"], 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, GenerationParts, ::testing::Values("rocksdb", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace invr::test
