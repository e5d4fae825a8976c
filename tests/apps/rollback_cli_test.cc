// invr candidates --rollback on a real RocksDB store (docs/deployment.md):
// the previous generation is current again, a store with nothing older
// refuses with exit 2 and a reason, and bad flag combinations are refused.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "invr/store.h"
#include "test_util.h"

namespace invr {
namespace {

void commit(CandidateStore& store, const std::string& id) {
  auto writer = store.begin_generation(id);
  StoredCandidates lists;
  lists.by_ordering[1] = {{"i-" + id, 1.0f, 1}};
  writer->put("u1", lists);
  writer->commit("{}");
}

TEST(RollbackCli, ServesThePreviousGenerationAgainAndRefusesWhenThereIsNone) {
  test::TempDir dir;
  const std::string uri = "rocksdb:" + (dir / "store").string();
  {
    auto store = open_store(uri);
    commit(*store, "g1");
    commit(*store, "g2");
  }
  const auto rolled = test::run_cli("candidates --store " + uri + " --rollback");
  ASSERT_EQ(rolled.exit_code, 0) << rolled.err;
  const auto out = nlohmann::json::parse(rolled.out);
  EXPECT_EQ(out["rolled_back_from"], "g2");
  EXPECT_EQ(out["current"], "g1");
  EXPECT_EQ(open_store(uri)->current(), "g1");
  const auto listing = nlohmann::json::parse(test::run_cli("candidates --store " + uri).out);
  EXPECT_EQ(listing["current"], "g1");
  EXPECT_EQ(listing["generations"].size(), 2u);

  const auto refused = test::run_cli("candidates --store " + uri + " --rollback");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("no readable generation older than the current one (g1)"), std::string::npos)
      << refused.err;
  EXPECT_EQ(open_store(uri)->current(), "g1");

  const auto mixed = test::run_cli("candidates --store " + uri + " --rollback --user u1");
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_NE(mixed.err.find("--rollback takes no"), std::string::npos) << mixed.err;
}

}  // namespace
}  // namespace invr
