// The insertion API over real loopback HTTP on the tiny world (issue 16,
// item 1): POST /v1/insert, GET /v1/candidates and the batch forms. Expected
// slates are worked out from server_test_util.h's comment: u1 clicked i2;
// generation g1 gives u1 user_rank [i1, i12, i2, i11] and score [i11, i12];
// the InvR arms' slots are 3 and 8; u1 is bucketed into invr-score.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "invr/error.h"
#include "invr/server.h"
#include "serving/server_test_util.h"
#include "store/read_hook.h"

namespace invr {
namespace {
using test::slate_ids;
using test::slate_sources;
using Ids = std::vector<std::string>;
using nlohmann::json;

// The platform slate's JSON: ids with scores 10, 9, 8, ...
json platform_slate(const Ids& ids) {
  json slate = json::array();
  for (std::size_t i = 0; i < ids.size(); ++i)
    slate.push_back(json::object({{"id", ids[i]}, {"score", 10.0 - static_cast<double>(i)}}));
  return slate;
}

class ServerInsert : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(tiny_.config);
    server_->start();
    port_ = server_->port();
  }
  test::Reply post(const std::string& target, const std::string& body) {
    return test::http_post(port_, target, body, "application/json");
  }
  test::Reply insert(const json& body) { return post("/v1/insert", body.dump()); }

  test::TinyServing tiny_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

TEST_F(ServerInsert, KeepsEveryPlatformItemInOrderAndInsertsOnlyAtTheSlots) {
  const Ids platform = {"ext-a", "i1", "i3", "ext-b", "i4", "i5", "i6", "i7", "i8"};
  const auto reply = insert({{"user", "u1"}, {"arm", "invr-user-rank"}, {"slate", platform_slate(platform)}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  // user_rank [i1, i12, i2, i11]: i1 is in the platform slate, i2 was seen.
  EXPECT_EQ(slate_ids(reply.json), (Ids{"ext-a", "i1", "i12", "i3", "ext-b", "i4", "i5", "i11", "i6", "i7", "i8"}));
  EXPECT_EQ(slate_sources(reply.json), "ppippppippp");
  EXPECT_EQ(reply.json["user"], "u1");
  EXPECT_EQ(reply.json["arm"], "invr-user-rank");
  EXPECT_EQ(reply.json["generation"], "g1");
  EXPECT_EQ(reply.json["inserted"], 2);
  EXPECT_EQ(reply.json["known_user"], true);
  const json& items = reply.json["items"];
  EXPECT_EQ(items[0]["producer"], nullptr);  // unknown to invr, kept as given
  EXPECT_EQ(items[0]["score"], 10.0);        // the platform's score, echoed
  EXPECT_EQ(items[1]["producer"], "p1");
  EXPECT_EQ(items[2]["score"], 0.25);  // the stored candidate score
  EXPECT_EQ(items[2]["producer"], "p3");
  for (std::size_t i = 0; i < items.size(); ++i) EXPECT_EQ(items[i]["position"], i + 1);
  EXPECT_EQ(reply.headers.find("X-Invr-Arm")->second, "invr-user-rank");
  EXPECT_GE(reply.json["timing"]["total_us"].get<std::int64_t>(),
            reply.json["timing"]["candidates_us"].get<std::int64_t>());
}

TEST_F(ServerInsert, CandidatesInTheSlateOrSeenAreNotInserted) {
  // i1 and i12 are in the slate, i2 was seen: only i11 is left, for slot 3.
  const Ids platform = {"i1", "i12", "i3", "i4", "i5", "i6", "i7", "i8"};
  auto reply = insert({{"user", "u1"}, {"arm", "invr-user-rank"}, {"slate", platform_slate(platform)}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i12", "i11", "i3", "i4", "i5", "i6", "i7", "i8"}));
  EXPECT_EQ(reply.json["inserted"], 1);

  // A seen item the platform chose to show stays: the platform owns its slate.
  reply = insert({{"user", "u1"}, {"arm", "invr-user-rank"}, {"slate", platform_slate({"i2", "i3"})}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i3", "i1"}));  // slot 3 right after the slate's end
  EXPECT_EQ(slate_sources(reply.json), "ppi");
}

TEST_F(ServerInsert, ControlUsersGetTheirSlateBackUnchanged) {
  const Ids platform = {"ext-a", "i1", "i3", "i4", "i5", "i6", "i7", "i8", "i9"};
  const auto reply = insert({{"user", "u1"}, {"arm", "control"}, {"slate", platform_slate(platform)}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), platform);
  EXPECT_EQ(slate_sources(reply.json), "ppppppppp");
  EXPECT_EQ(reply.json["arm"], "control");
  EXPECT_EQ(reply.json["inserted"], 0);
  EXPECT_EQ(reply.json["generation"], "g1");
  for (std::size_t i = 0; i < platform.size(); ++i)
    EXPECT_EQ(reply.json["items"][i]["score"], 10.0 - static_cast<double>(i));
}

TEST_F(ServerInsert, BucketingNAndUnknownUsers) {
  const Ids platform = {"i1", "i3", "i4", "i5", "i6", "i7", "i8", "i9"};
  // Without an arm u1 is bucketed as /v1/recommend buckets it: invr-score [i11, i12].
  auto reply = insert({{"user", "u1"}, {"slate", platform_slate(platform)}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["arm"], "invr-score");
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i3", "i11", "i4", "i5", "i6", "i7", "i12", "i8", "i9"}));
  // n cuts the reply: platform items pushed past it are not returned.
  reply = insert({{"user", "u1"}, {"slate", platform_slate(platform)}, {"n", 4}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i3", "i11", "i4"}));
  reply = insert({{"user", "u1"}, {"slate", platform_slate(platform)}, {"arm", "control"}, {"n", 2}});
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i3"}));
  // A user invr does not know has no candidates: the slate comes back as sent.
  reply = insert({{"user", "nobody"}, {"arm", "invr-user-rank"}, {"slate", platform_slate(platform)}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(slate_ids(reply.json), platform);
  EXPECT_EQ(reply.json["known_user"], false);
  EXPECT_EQ(reply.json["inserted"], 0);
  // Scores are optional.
  reply = post("/v1/insert", R"({"user": "u1", "arm": "invr-score", "slate": [{"id": "i1"}]})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["items"][0]["score"], nullptr);
}

TEST_F(ServerInsert, GenerationInTheReplyIsTheOneItsCandidatesCameFrom) {
  auto store = open_store(tiny_.config.serve.store);
  test::commit_generation(*store, "g2", {{"u1", test::candidates({}, {}, {{"i9", 0.5f, 1}, {"i10", 0.5f, 2}})}});
  ASSERT_TRUE(server_->refresh());
  const Ids platform = {"i1", "i3", "i4", "i5", "i6", "i7", "i8"};
  const auto reply = insert({{"user", "u1"}, {"arm", "invr-user-rank"}, {"slate", platform_slate(platform)}});
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["generation"], "g2");
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i1", "i3", "i9", "i4", "i5", "i6", "i7", "i10", "i8"}));
  const auto lists = test::http_get(port_, "/v1/candidates?user=u1");
  ASSERT_EQ(lists.status, 200) << lists.body;
  EXPECT_EQ(lists.json["generation"], "g2");
  EXPECT_EQ(lists.json["lists"]["user_rank"].size(), 2u);
  EXPECT_EQ(lists.json["lists"]["random"], json::array());
}

TEST_F(ServerInsert, CandidatesEndpointReturnsTheStoredLists) {
  auto reply = test::http_get(port_, "/v1/candidates?user=u1");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["user"], "u1");
  EXPECT_EQ(reply.json["generation"], "g1");
  const json expected_random = json::parse(R"([{"id":"i10","score":0.125,"user_rank":2},{"id":"i12","score":0.25,"user_rank":1}])");
  EXPECT_EQ(reply.json["lists"]["random"], expected_random);
  EXPECT_EQ(reply.json["lists"]["score"][0]["id"], "i11");
  EXPECT_EQ(reply.json["lists"]["user_rank"].size(), 4u);  // as stored: seen i2 included
  reply = test::http_get(port_, "/v1/candidates?user=u1&ordering=user_rank&n=2");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["lists"].size(), 1u);
  EXPECT_EQ(reply.json["lists"]["user_rank"][0]["id"], "i1");
  EXPECT_EQ(reply.json["lists"]["user_rank"][1]["id"], "i12");
  EXPECT_EQ(reply.json["lists"]["user_rank"].size(), 2u);
  reply = test::http_get(port_, "/v1/candidates?user=u4");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["lists"]["score"], json::array());
  EXPECT_EQ(reply.json["generation"], "g1");

  for (const char* target : {"/v1/candidates", "/v1/candidates?user=u1&ordering=bogus",
                             "/v1/candidates?user=u1&n=0", "/v1/candidates?user=u1&arm=control",
                             "/v1/candidates?user=u1&n=2&n=3"}) {
    reply = test::http_get(port_, target);
    EXPECT_EQ(reply.status, 400) << target;
    EXPECT_TRUE(reply.json.contains("error")) << target << " " << reply.body;
    EXPECT_TRUE(reply.json.contains("parameter")) << target << " " << reply.body;
  }
  EXPECT_EQ(test::http_post(port_, "/v1/candidates?user=u1", "").status, 405);
}

TEST_F(ServerInsert, BatchFormsAnswerPerEntry) {
  const Ids platform = {"ext-a", "i1", "i3", "ext-b", "i4", "i5", "i6", "i7", "i8"};
  json body = {{"requests", json::array()}};
  body["requests"].push_back({{"user", "u1"}, {"arm", "invr-user-rank"}, {"slate", platform_slate(platform)}});
  body["requests"].push_back(json::parse(R"({"user": "u1"})"));  // no slate
  body["requests"].push_back({{"user", "u0"}, {"arm", "control"}, {"slate", platform_slate({"i3", "i4"})}});
  auto reply = post("/v1/insert/batch", body.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json& results = reply.json["results"];
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0]["status"], 200);
  EXPECT_EQ(slate_ids(results[0]), (Ids{"ext-a", "i1", "i12", "i3", "ext-b", "i4", "i5", "i11", "i6", "i7", "i8"}));
  EXPECT_EQ(results[1]["status"], 400);
  EXPECT_EQ(results[1]["field"], "slate");
  EXPECT_EQ(slate_ids(results[2]), (Ids{"i3", "i4"}));
  EXPECT_EQ(results[2]["inserted"], 0);

  body = json::parse(R"({"requests": [{"user": "u1", "n": 8, "arm": "invr-user-rank"}, {"user": 5},
                                        {"user": "u2", "arm": "nope"}, {"user": "u0"}]})");
  reply = post("/v1/recommend/batch", body.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json& slates = reply.json["results"];
  ASSERT_EQ(slates.size(), 4u);
  // The same slates as one request each.
  EXPECT_EQ(slate_ids(slates[0]), slate_ids(test::http_get(port_, "/v1/recommend?user=u1&n=8&arm=invr-user-rank").json));
  EXPECT_EQ(slate_ids(slates[0]), (Ids{"i1", "i3", "i12", "i4", "i5", "i6", "i7", "i11"}));
  EXPECT_EQ(slates[1]["status"], 400);
  EXPECT_EQ(slates[1]["field"], "user");
  EXPECT_EQ(slates[2]["status"], 400);
  EXPECT_EQ(slates[2]["field"], "arm");
  EXPECT_EQ(slates[3]["status"], 200);
  EXPECT_EQ(slates[3]["arm"], "invr-user-rank");
  EXPECT_EQ(slate_ids(slates[3]), slate_ids(test::http_get(port_, "/v1/recommend?user=u0").json));
  EXPECT_EQ(slates[3]["generation"], "g1");

  json too_many = {{"requests", json::array()}};
  for (int i = 0; i < 1001; ++i) too_many["requests"].push_back(json::parse(R"({"user": "u1"})"));
  reply = post("/v1/recommend/batch", too_many.dump());
  EXPECT_EQ(reply.status, 413) << reply.body;
  EXPECT_NE(reply.json.value("error", "").find("at most 1000"), std::string::npos) << reply.body;
  too_many["requests"].erase(too_many["requests"].begin());  // 1000 is fine
  EXPECT_EQ(post("/v1/recommend/batch", too_many.dump()).status, 200);
  for (const char* bad : {"", "[]", R"({"requests": []})", R"({"requests": {}})", R"({"reqs": []})",
                          R"({"requests": [{"user": "u1"}], "requests": []})"}) {
    for (const char* target : {"/v1/recommend/batch", "/v1/insert/batch"}) {
      reply = post(target, bad);
      EXPECT_EQ(reply.status, 400) << target << " " << bad;
      EXPECT_TRUE(reply.json.contains("error")) << target << " " << bad << " " << reply.body;
    }
  }
}

// A store read that fails (planted through the read hook: the second read of
// the call throws) fails only its own batch entry, with 503; control entries
// read nothing. A single request gets the 503 itself.
TEST_F(ServerInsert, AFailedStoreReadFailsOnlyItsBatchEntry) {
  std::atomic<int> reads{0};
  std::atomic<int> fail_read{2};
  store::set_read_hook([&](store::ReadPoint point, std::string_view) {
    if (point == store::ReadPoint::before_pin && ++reads == fail_read) throw IoError("planted store failure");
  });
  const json slate = platform_slate({"i3", "i4", "i5"});
  json body = {{"requests", json::array()}};
  for (const char* arm : {"invr-user-rank", "invr-user-rank", "control", "invr-score"}) {
    body["requests"].push_back({{"user", "u1"}, {"arm", arm}, {"slate", slate}});
  }
  body["requests"][1]["user"] = "u0";
  auto reply = post("/v1/insert/batch", body.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json& results = reply.json["results"];
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0]["status"], 200);
  EXPECT_EQ(results[0]["inserted"], 1);  // slot 3; slot 8 is past the end of a 4-item slate
  EXPECT_EQ(results[1]["status"], 503);
  EXPECT_EQ(results[1]["error"], "candidate store unavailable (the reason is in the server log)");
  EXPECT_EQ(results[2]["status"], 200);
  EXPECT_EQ(results[3]["status"], 200);
  EXPECT_EQ(results[3]["arm"], "invr-score");
  EXPECT_EQ(reads, 3) << "the control entry must not read the store";

  reads = 0;
  body = json::parse(R"({"requests": [{"user": "u1", "arm": "invr-score"}, {"user": "u0", "arm": "invr-user-rank"}]})");
  reply = post("/v1/recommend/batch", body.dump());
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["results"][0]["status"], 200);
  EXPECT_EQ(reply.json["results"][1]["status"], 503);

  fail_read = 1;
  reads = 0;
  reply = insert({{"user", "u1"}, {"arm", "invr-user-rank"}, {"slate", slate}});
  EXPECT_EQ(reply.status, 503) << reply.body;
  reads = 0;
  reply = test::http_get(port_, "/v1/candidates?user=u1");
  EXPECT_EQ(reply.status, 503) << reply.body;
  EXPECT_EQ(reply.json["error"], "candidate store unavailable (the reason is in the server log)");
  store::set_read_hook({});
  EXPECT_EQ(test::http_get(port_, "/v1/candidates?user=u1").status, 200);
}

TEST_F(ServerInsert, EveryBadInsertGetsA400NamingTheField) {
  const json good_slate = platform_slate({"i1", "i3"});
  json big_slate = json::array();
  for (int i = 0; i < 1001; ++i) big_slate.push_back(json::object({{"id", "x" + std::to_string(i)}}));
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", ""},
      {"[1, 2]", ""},
      {R"({"user": "u1", "user": "u2", "slate": [{"id": "i1"}]})", "user"},
      {R"({"user": "u1", "slate": [{"id": "i1", "id": "i2"}]})", "id"},
      {json({{"user", 7}, {"slate", good_slate}}).dump(), "user"},
      {json({{"user", ""}, {"slate", good_slate}}).dump(), "user"},
      {json({{"slate", good_slate}}).dump(), "user"},
      {json({{"user", "u1"}}).dump(), "slate"},
      {json({{"user", "u1"}, {"slate", json::array()}}).dump(), "slate"},
      {json({{"user", "u1"}, {"slate", big_slate}}).dump(), "slate"},
      {json({{"user", "u1"}, {"slate", "i1,i2"}}).dump(), "slate"},
      {R"({"user": "u1", "slate": ["i1"]})", "slate[0]"},
      {R"({"user": "u1", "slate": [{"score": 1}]})", "slate[0].id"},
      {R"({"user": "u1", "slate": [{"id": 5}]})", "slate[0].id"},
      {R"({"user": "u1", "slate": [{"id": "i1", "score": "high"}]})", "slate[0].score"},
      {R"({"user": "u1", "slate": [{"id": "i1", "rank": 1}]})", "slate[0].rank"},
      {R"({"user": "u1", "slate": [{"id": "i1"}, {"id": "i1"}]})", "slate[1].id"},
      {json({{"user", "u1"}, {"slate", good_slate}, {"arm", "nope"}}).dump(), "arm"},
      {json({{"user", "u1"}, {"slate", good_slate}, {"arm", 1}}).dump(), "arm"},
      {json({{"user", "u1"}, {"slate", good_slate}, {"n", 0}}).dump(), "n"},
      {json({{"user", "u1"}, {"slate", good_slate}, {"n", 2001}}).dump(), "n"},
      {json({{"user", "u1"}, {"slate", good_slate}, {"n", "5"}}).dump(), "n"},
      {json({{"user", "u1"}, {"slate", good_slate}, {"n", 2.5}}).dump(), "n"},
      {json({{"user", "u1"}, {"slate", good_slate}, {"extra", true}}).dump(), "extra"},
  };
  for (const auto& [body, field] : cases) {
    const auto reply = post("/v1/insert", body);
    EXPECT_EQ(reply.status, 400) << body.substr(0, 200) << " -> " << reply.body;
    ASSERT_TRUE(reply.json.is_object()) << body.substr(0, 200) << " -> " << reply.body;
    EXPECT_TRUE(reply.json.contains("error")) << body.substr(0, 200);
    if (field.empty()) EXPECT_FALSE(reply.json.contains("field")) << reply.body;
    else EXPECT_EQ(reply.json.value("field", ""), field) << body.substr(0, 200) << " -> " << reply.body;
  }
  const auto get = test::http_get(port_, "/v1/insert");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.headers.find("Allow")->second, "POST");
  // The route is counted under its own label.
  const auto metrics = test::http_get(port_, "/metrics");
  EXPECT_NE(metrics.body.find("invr_http_requests_total{route=\"/v1/insert\",status=\"400\"} " +
                              std::to_string(cases.size())),
            std::string::npos);
}

}  // namespace
}  // namespace invr
