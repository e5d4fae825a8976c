// The competing methods' arms (docs/methods.md) served over real loopback
// HTTP on the tiny world (server_test_util.h): u0 clicked i1 and has the
// embedding (1, 0), so the main slate ranks i2 .9, i3 .8, i4 .7, i5 .6, i6 .5,
// i7 .4, i8 .3, i9 .2, i10 .1, i11 -.4, i12 -.5. Popularity: i7 3, i5 2, i1 1,
// i2 1, the rest 0. Every expected slate below is worked out by hand.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "invr/error.h"
#include "invr/server.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
using test::slate_ids;
using test::slate_sources;
using Ids = std::vector<std::string>;
using nlohmann::json;

Experiment method_arms() {
  Experiment experiment;
  experiment.arms = {
      Arm{"control", std::nullopt, {}, 1.0},
      Arm{"fl", std::nullopt, {2, 4}, 1.0, ArmMethod::forward_longtail, 0},
      Arm{"pp", std::nullopt, {}, 1.0, ArmMethod::popularity_penalty, 1.0},
      Arm{"xq", std::nullopt, {}, 1.0, ArmMethod::xquad, 0.5},
      Arm{"pp0", std::nullopt, {}, 1.0, ArmMethod::popularity_penalty, 0.0},
      Arm{"xq0", std::nullopt, {}, 1.0, ArmMethod::xquad, 0.0},
  };
  return experiment;
}

class ServerMethods : public ::testing::Test {
 protected:
  void start(bool treated_manifest) {
    if (treated_manifest) {
      // A generation whose manifest records the job's treated items, as
      // run_job writes it (docs/job.md): i1 is seen by u0, i2 is in its main
      // slate, "nope" is no catalog item.
      auto store = open_store(tiny_.config.serve.store);
      auto writer = store->begin_generation("g2");
      for (const auto& [user, lists] : test::tiny_generation_g1()) writer->put(user, lists);
      writer->commit(R"({"treated_items": ["i1", "i2", "i9", "i10", "i11", "i12", "nope"]})");
    }
    tiny_.config.experiment = method_arms();
    server_ = std::make_unique<Server>(tiny_.config);
    server_->start();
    port_ = server_->port();
  }
  test::Reply get(const std::string& target) { return test::http_get(port_, target); }

  test::TinyServing tiny_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

TEST_F(ServerMethods, PopularityPenaltyReordersByThePenalisedScore) {
  start(true);
  const auto reply = get("/v1/recommend?user=u0&arm=pp&n=4");
  ASSERT_EQ(reply.status, 200) << reply.body;
  // score - ln(1 + popularity): i2 .9 - .693 = .207, i3 .8, i4 .7, i5 .6 -
  // 1.099 < 0, i6 .5, i7 .4 - 1.386 < 0, i8 .3, i9 .2 -> i3 i4 i6 i8.
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i3", "i4", "i6", "i8"}));
  EXPECT_EQ(slate_sources(reply.json), "mmmm");
  EXPECT_EQ(reply.json["arm"], "pp");
  EXPECT_NEAR(reply.json["items"][0]["score"].get<double>(), 0.8, 1e-6);
  // lambda 0 serves control's slate.
  const auto control = get("/v1/recommend?user=u0&arm=control&n=4");
  EXPECT_EQ(slate_ids(control.json), (Ids{"i2", "i3", "i4", "i5"}));
  EXPECT_EQ(get("/v1/recommend?user=u0&arm=pp0&n=4").json["items"], control.json["items"]);
}

TEST_F(ServerMethods, XquadPicksFollowTheFormula) {
  start(true);
  const auto reply = get("/v1/recommend?user=u0&arm=xq&n=4");
  ASSERT_EQ(reply.status, 200) << reply.body;
  // Short head: the most popular items holding 80% of the popularity (5.6
  // of 7): i7 3 + i5 2 + i1 1 (ties: smaller index) = 6. u0's history
  // is i1 (head): P(SH|u) = 1, P(LT|u) = 0. rel = (score + .5) / 1.4.
  //  1. head items get + .5: i5 .393 + .5 = .893 beats i2 .5 -> i5.
  //  2. head product (1 - 1/1) = 0: by rel -> i2.
  //  3. head (1 - 1/2)^2 = .25: i7 .321 + .125 = .446 < i3 .464 -> i3.
  //  4. head (1 - 1/3)^3 = .296: i7 .321 + .148 = .470 > i4 .429 -> i7.
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i5", "i2", "i3", "i7"}));
  EXPECT_EQ(slate_sources(reply.json), "mmmm");
  const auto control = get("/v1/recommend?user=u0&arm=control&n=4");
  EXPECT_EQ(get("/v1/recommend?user=u0&arm=xq0&n=4").json["items"], control.json["items"]);
}

TEST_F(ServerMethods, ForwardLongtailInsertsTheUsersTopTreatedItems) {
  start(true);
  const auto reply = get("/v1/recommend?user=u0&arm=fl&n=5");
  ASSERT_EQ(reply.status, 200) << reply.body;
  // Treated by dot: i1 (seen), i2 (in the main slate), i9 .2, i10 .1 -> i9
  // at slot 2, i10 at slot 4 of i2 i3 i4 i5 i6.
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i9", "i3", "i10", "i4"}));
  EXPECT_EQ(slate_sources(reply.json), "mlmlm");
  EXPECT_EQ(reply.json["items"][1]["source"], "longtail");
  EXPECT_NEAR(reply.json["items"][1]["score"].get<double>(), 0.2, 1e-6);
  EXPECT_EQ(reply.json["generation"], "g2");
  // The batch form assembles the same slate.
  const auto batch = test::http_post(port_, "/v1/recommend/batch",
                                     R"({"requests": [{"user": "u0", "arm": "fl", "n": 5}]})",
                                     "application/json");
  ASSERT_EQ(batch.status, 200) << batch.body;
  EXPECT_EQ(batch.json["results"][0]["items"], reply.json["items"]);
  // Into a platform's slate: i2 is not in it, so i2 and i9 take slots 2 and 4.
  const json body = {{"user", "u0"},
                     {"arm", "fl"},
                     {"slate", json::array({json{{"id", "ext-a"}, {"score", 3}},
                                            json{{"id", "i3"}, {"score", 2}},
                                            json{{"id", "i4"}, {"score", 1}}})}};
  const auto inserted = test::http_post(port_, "/v1/insert", body.dump(), "application/json");
  ASSERT_EQ(inserted.status, 200) << inserted.body;
  EXPECT_EQ(slate_ids(inserted.json), (Ids{"ext-a", "i2", "i3", "i9", "i4"}));
  EXPECT_EQ(slate_sources(inserted.json), "plplp");
  EXPECT_EQ(inserted.json["inserted"], 2);
}

TEST_F(ServerMethods, AGenerationWithoutTreatedItemsInsertsNothing) {
  start(false);  // g1's manifest predates treated_items
  const auto reply = get("/v1/recommend?user=u0&arm=fl&n=5");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i3", "i4", "i5", "i6"}));
  EXPECT_EQ(slate_sources(reply.json), "mmmmm");
}

TEST(ServerMethodsConfig, BadKnobsAreRefusedNamingTheArmAndField) {
  test::TinyServing tiny;
  tiny.config.experiment = method_arms();
  tiny.config.experiment.arms[3].lambda = 2;
  try {
    Server server(tiny.config);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("experiment arm 4 (\"xq\"): lambda must be in [0, 1]"),
              std::string::npos)
        << e.what();
  }
  // A request naming an arm the server lacks is a 400.
  tiny.config.experiment = method_arms();
  Server server(tiny.config);
  server.start();
  const auto reply = test::http_get(server.port(), "/v1/recommend?user=u0&arm=xquad");
  EXPECT_EQ(reply.status, 400);
}

}  // namespace
}  // namespace invr
