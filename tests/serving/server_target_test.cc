// The invr-target arm (docs/assignment.md) over real loopback HTTP on the
// tiny world (server_test_util.h): u0 clicked i1 and has the embedding (1, 0),
// so its main slate is i2 i3 i4 i5 ... by score. The arm inserts from the
// stored target ordering at its slots; a generation written before the
// target ordering (version-1 values) gives it nothing to insert.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "invr/server.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
using test::slate_ids;
using test::slate_sources;
using Ids = std::vector<std::string>;

Experiment target_arms() {
  Experiment experiment;
  experiment.arms = {
      Arm{"control", std::nullopt, {}, 1.0},
      Arm{"invr-user-rank", Ordering::user_rank, {1, 3}, 1.0},
      Arm{"invr-target", Ordering::target, {1, 3}, 1.0},
  };
  return experiment;
}

class ServerTarget : public ::testing::Test {
 protected:
  // g1 as the other tests have it (no target lists); with_target commits g2,
  // where u0's target list is [i1 (seen), i10, i9, i8].
  void start(bool with_target) {
    if (with_target) {
      auto users = test::tiny_generation_g1();
      users["u0"].by_ordering[static_cast<std::size_t>(Ordering::target)] = {
          {"i1", 1.0f, 1}, {"i10", 0.1f, 4}, {"i9", 0.2f, 2}, {"i8", 0.3f, 1}};
      auto store = open_store(tiny_.config.serve.store);
      test::commit_generation(*store, "g2", users);
    }
    tiny_.config.experiment = target_arms();
    server_ = std::make_unique<Server>(tiny_.config);
    server_->start();
    port_ = server_->port();
  }
  test::Reply get(const std::string& target) { return test::http_get(port_, target); }

  test::TinyServing tiny_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

TEST_F(ServerTarget, InsertsFromTheTargetListAtTheArmsSlots) {
  start(true);
  const auto reply = get("/v1/recommend?user=u0&arm=invr-target&n=4");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["generation"], "g2");
  // i1 is seen, so i10 and i9 (the target list's order) take slots 1 and 3.
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i10", "i2", "i9", "i3"}));
  EXPECT_EQ(slate_sources(reply.json), "imim");
  // The user-rank arm still reads its own list: i12, i11.
  const auto rank = get("/v1/recommend?user=u0&arm=invr-user-rank&n=4");
  EXPECT_EQ(slate_ids(rank.json), (Ids{"i12", "i2", "i11", "i3"}));
}

TEST_F(ServerTarget, CandidatesShowTheTargetOrdering) {
  start(true);
  const auto one = get("/v1/candidates?user=u0&ordering=target");
  ASSERT_EQ(one.status, 200) << one.body;
  ASSERT_EQ(one.json["lists"].size(), 1u);
  ASSERT_EQ(one.json["lists"]["target"].size(), 4u);
  EXPECT_EQ(one.json["lists"]["target"][1]["id"], "i10");
  EXPECT_EQ(one.json["lists"]["target"][1]["user_rank"], 4);
  const auto all = get("/v1/candidates?user=u0");
  EXPECT_EQ(all.json["lists"].size(), 4u);
  EXPECT_EQ(all.json["lists"]["target"], one.json["lists"]["target"]);
  const auto bad = get("/v1/candidates?user=u0&ordering=targets");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("user_rank or target"), std::string::npos) << bad.body;
}

TEST_F(ServerTarget, AnOldGenerationWithoutTargetListsInsertsNothing) {
  start(false);
  const auto reply = get("/v1/recommend?user=u0&arm=invr-target&n=4");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto control = get("/v1/recommend?user=u0&arm=control&n=4");
  EXPECT_EQ(slate_ids(reply.json), slate_ids(control.json));
  EXPECT_EQ(slate_sources(reply.json), "mmmm");
  EXPECT_TRUE(get("/v1/candidates?user=u0&ordering=target").json["lists"]["target"].empty());
}

}  // namespace
}  // namespace invr
