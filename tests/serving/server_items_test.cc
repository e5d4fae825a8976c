// POST /v1/items over real loopback HTTP on the tiny world (issue 16, item
// 3): a posted item is served by main retrieval without a restart, is in the
// item log (the dataset's own NAME.item here), appears in InvR lists after the
// next `invr job` run, stays after a restart; bad bodies are 4xx with the
// field; without an item log 503.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "invr/server.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using test::http_get;
using test::http_post;
using test::slate_ids;
using Ids = std::vector<std::string>;

const std::string kItemHeader = "item_id:token\tproducer_id:token\tpublish_time:float\ttokens:token_seq\n";

// The tiny world with its data in a folder of its own, whose tiny.item (in
// the item log's header) is the item log: what POST /v1/items appends, the
// next job reads.
struct TinyWithItemLog : test::TinyServing {
  TinyWithItemLog() {
    const fs::path data = dir / "data";
    fs::create_directories(data);
    fs::copy_file(test::testdata_dir() / "serving" / "tiny.inter", data / "tiny.inter");
    std::string items = test::read_file(test::testdata_dir() / "serving" / "tiny.item");
    items = kItemHeader + items.substr(items.find('\n') + 1);
    std::string with_tokens;  // a fourth, empty column on every row
    for (std::size_t at = kItemHeader.size(); at < items.size();) {
      const auto end = items.find('\n', at);
      with_tokens += items.substr(at, end - at) + "\t\n";
      at = end + 1;
    }
    test::write_file(data / "tiny.item", kItemHeader + with_tokens);
    config.serve.data = data.string();
    config.serve.item_log = (data / "tiny.item").string();
  }
};

std::string new_items(const json& items) { return json{{"items", items}}.dump(); }

const json kI13 = {{"id", "i13"}, {"producer", "p9"}, {"publish_time", 1699990000}, {"tokens", {"genre=new"}}};

TEST(ServerItems, APostedItemIsServedByMainRetrievalWithoutARestartAndAfterOne) {
  TinyWithItemLog tiny;
  const std::string u0 = "/v1/recommend?user=u0&n=11&arm=control";
  // u0 (embedding (1, 0)) scores items by their x: i2 .9 ... i10 .1, i11 -.4.
  const Ids before = {"i2", "i3", "i4", "i5", "i6", "i7", "i8", "i9", "i10", "i11", "i12"};
  {
    Server server(tiny.config);
    server.start();
    ASSERT_EQ(slate_ids(http_get(server.port(), u0).json), before);
    const auto reply = http_post(server.port(), "/v1/items", new_items(json::array({kI13})), "application/json");
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.json["added"], 1);
    EXPECT_EQ(reply.json["catalog_items"], 13);
    // The precomputed model knows no i13: its vector is zero (docs/model.md),
    // score 0, between i10 (.1) and i11 (-.4); served by main retrieval.
    const auto after = http_get(server.port(), u0);
    ASSERT_EQ(after.status, 200) << after.body;
    EXPECT_EQ(slate_ids(after.json), (Ids{"i2", "i3", "i4", "i5", "i6", "i7", "i8", "i9", "i10", "i13", "i11"}));
    EXPECT_EQ(after.json["items"][9]["source"], "main");
    EXPECT_EQ(after.json["items"][9]["producer"], "p9");
    // Events may name it now; a click removes it again.
    ASSERT_EQ(http_post(server.port(), "/v1/events", R"({"user":"u0","item":"i13","event":"click"})").status, 200);
    EXPECT_EQ(slate_ids(http_get(server.port(), u0).json), before);
    // Posting it again is a conflict.
    const auto again = http_post(server.port(), "/v1/items", new_items(json::array({kI13})), "application/json");
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(again.json["field"], "items[0].id");
  }
  // The item log is the dataset's item file, in the atomic format.
  EXPECT_NE(test::read_file(tiny.config.serve.item_log).find("\ni13\tp9\t1699990000\tgenre=new\n"), std::string::npos);
  // After a restart: still served (the dataset now has it), u0's click too.
  Server restarted(tiny.config);
  restarted.start();
  EXPECT_EQ(slate_ids(http_get(restarted.port(), u0).json), before);
  EXPECT_EQ(slate_ids(http_get(restarted.port(), "/v1/recommend?user=u1&n=11&arm=control").json),
            (Ids{"i1", "i3", "i4", "i5", "i6", "i7", "i8", "i9", "i10", "i13", "i11"}));
}

TEST(ServerItems, APostedItemIsInInvrListsAfterTheNextJobRun) {
  TinyWithItemLog tiny;
  Server server(tiny.config);
  server.start();
  ASSERT_EQ(http_post(server.port(), "/v1/items", new_items(json::array({kI13})), "application/json").status, 200);
  auto lists = http_get(server.port(), "/v1/candidates?user=u3&ordering=score");
  ASSERT_EQ(lists.status, 200) << lists.body;
  EXPECT_EQ(lists.body.find("i13"), std::string::npos);  // g1 predates it
  // The job reads the data folder, whose tiny.item now holds i13.
  const auto job = test::run_cli("-q job --model " + tiny.config.serve.model + " --data " + tiny.config.serve.data +
                                 " --name tiny --store " + tiny.config.serve.store +
                                 " --all-items --min-interactions 0 --max-item-age-days 0"
                                 " --top-users-per-item 6 --max-candidates-per-user 20 --generation g2");
  ASSERT_EQ(job.exit_code, 0) << job.err;
  EXPECT_TRUE(server.refresh());
  bool found = false;
  for (const char* user : {"u0", "u1", "u2", "u3", "u4", "u5"}) {
    lists = http_get(server.port(), std::string("/v1/candidates?user=") + user + "&ordering=score");
    ASSERT_EQ(lists.status, 200) << lists.body;
    EXPECT_EQ(lists.json["generation"], "g2");
    found = found || lists.body.find("\"i13\"") != std::string::npos;
  }
  EXPECT_TRUE(found) << "i13 is in no user's InvR list after the job";
}

TEST(ServerItems, BadBodiesAre4xxNamingTheFieldAndChangeNothing) {
  TinyWithItemLog tiny;
  Server server(tiny.config);
  server.start();
  const std::string before = test::read_file(tiny.config.serve.item_log);
  const json ok = kI13;
  auto with = [&](const char* key, const json& value) {
    json item = ok;
    item[key] = value;
    return new_items(json::array({item}));
  };
  json no_producer = ok;
  no_producer.erase("producer");
  const std::vector<std::tuple<std::string, int, std::string>> cases = {
      {"not json", 400, ""},
      {"[]", 400, ""},
      {"{}", 400, "items"},
      {R"({"items": []})", 400, "items"},
      {R"({"items": [1]})", 400, "items[0]"},
      {R"({"items": [], "extra": 1})", 400, "extra"},
      {new_items(json::array({no_producer})), 400, "items[0].producer"},
      {with("id", 7), 400, "items[0].id"},
      {with("id", ""), 400, "items[0].id"},
      {with("publish_time", "yesterday"), 400, "items[0].publish_time"},
      {with("publish_time", -1), 400, "items[0].publish_time"},
      {with("publish_time", 1e12), 400, "items[0].publish_time"},
      {with("tokens", "genre=x"), 400, "items[0].tokens"},
      {with("tokens", json::array({"two words"})), 400, "items[0].tokens[0]"},
      {with("tokens", json::array({1})), 400, "items[0].tokens[0]"},
      {with("colour", "red"), 400, "items[0].colour"},
      {new_items(json::array({ok, ok})), 400, "items[1].id"},
      {with("id", "i1"), 409, "items[0].id"},
  };
  for (const auto& [body, status, field] : cases) {
    const auto reply = http_post(server.port(), "/v1/items", body, "application/json");
    EXPECT_EQ(reply.status, status) << body << " -> " << reply.body;
    ASSERT_TRUE(reply.json.is_object()) << body << " -> " << reply.body;
    EXPECT_TRUE(reply.json.contains("error")) << body;
    if (!field.empty()) {
      EXPECT_EQ(reply.json.value("field", ""), field) << body << " -> " << reply.body;
    }
  }
  json many = json::array();
  for (int i = 0; i < 1001; ++i) many.push_back({{"id", fmt::format("n{}", i)}, {"producer", "p1"}, {"publish_time", 1}});
  EXPECT_EQ(http_post(server.port(), "/v1/items", new_items(many), "application/json").status, 413);
  EXPECT_EQ(http_get(server.port(), "/v1/items").status, 405);
  EXPECT_EQ(test::read_file(tiny.config.serve.item_log), before);
}

TEST(ServerItems, WithoutAnItemLogTheEndpointIs503) {
  test::TinyServing tiny;
  Server server(tiny.config);
  server.start();
  const auto reply = http_post(server.port(), "/v1/items", new_items(json::array({kI13})), "application/json");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.json["error"], "no item log configured ([serve] item_log)");
}

}  // namespace
}  // namespace invr
