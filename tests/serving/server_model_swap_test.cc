// The model swap over real loopback HTTP on the tiny world (issue 16, item 3):
// a generation whose manifest names another model directory brings that
// model's embeddings in with it at the refresh that pins it, while clients
// keep requesting (every reply 200); clicks and posted items stay in effect.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "invr/job.h"
#include "invr/server.h"
#include "invr/store.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
using nlohmann::json;
using test::http_get;
using test::http_post;
using test::slate_ids;
using Ids = std::vector<std::string>;

// The tiny model with the item vectors in reverse order: i12 1.0 ... i1 -.5.
void write_reversed_model(const std::filesystem::path& dir) {
  const float xs[] = {1.0f, 0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f, -0.4f, -0.5f};
  Matrix items(12, 2), users(6, 2);
  IdMap item_ids, user_ids;
  for (std::size_t i = 0; i < 12; ++i) {
    items.row(i)[0] = xs[11 - i];
    item_ids.add(fmt::format("i{}", i + 1));
  }
  for (std::size_t u = 0; u < 6; ++u) {
    users.row(u)[u < 2 ? 0 : 1] = 1.0f;
    user_ids.add(fmt::format("u{}", u));
  }
  test::write_precomputed_model(dir, items, item_ids, users, user_ids);
}

void commit_made_by(const std::string& store_uri, const std::string& id, const std::string& model_dir) {
  auto store = open_store(store_uri);
  auto writer = store->begin_generation(id);
  writer->put("u0", test::candidates({}, {}, {{"i6", 0.5f, 1}}));
  writer->commit(json{{"model", {{"kind", "precomputed"}, {"dim", 2}, {"version", model_version(model_dir)}}}}.dump());
}

TEST(ServerModelSwap, ANewGenerationsModelSwapsInUnderLoadWithEveryReply200) {
  test::TinyServing tiny;
  tiny.config.serve.item_log = (tiny.dir / "events" / "added.item").string();
  const std::string model_a = tiny.config.serve.model;
  const std::string model_b = (tiny.dir / "model_b").string();
  write_reversed_model(model_b);
  Server server(tiny.config);
  server.start();
  const int port = server.port();
  const std::string u0 = "/v1/recommend?user=u0&n=3&arm=control";
  ASSERT_EQ(slate_ids(http_get(port, u0).json), (Ids{"i2", "i3", "i4"}));
  // State that must survive the swap: a click and a posted item.
  ASSERT_EQ(http_post(port, "/v1/events", R"({"user":"u0","item":"i2","event":"click"})").status, 200);
  const json item = {{"id", "i13"}, {"producer", "p1"}, {"publish_time", 1699990000}};
  ASSERT_EQ(http_post(port, "/v1/items", json{{"items", json::array({item})}}.dump(), "application/json").status, 200);

  std::atomic<bool> running{true};
  std::atomic<int> requests{0}, non_2xx{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      const json insert = {{"user", "u1"}, {"slate", json::array({json{{"id", "i5"}}, json{{"id", "i6"}}})}};
      while (running) {
        const int status = t % 2 == 0
                               ? http_get(port, fmt::format("/v1/recommend?user=u{}&n=5", t)).status
                               : http_post(port, "/v1/insert", insert.dump(), "application/json").status;
        ++requests;
        if (status < 200 || status > 299) ++non_2xx;
      }
    });
  }
  // Three swaps: to B, back to A, to B again.
  const std::vector<std::pair<std::string, std::string>> steps = {{"g2", model_b}, {"g3", model_a}, {"g4", model_b}};
  for (const auto& [generation, model] : steps) {
    commit_made_by(tiny.config.serve.store, generation, model);
    EXPECT_TRUE(server.refresh());
    EXPECT_EQ(server.generation(), generation);
    const auto reply = http_get(port, u0);
    ASSERT_EQ(reply.status, 200) << reply.body;
    EXPECT_EQ(reply.json["generation"], generation);
    // u0 (1, 0) clicked i1 (dataset) and i2 (posted); i13 has a zero vector.
    if (model == model_b) EXPECT_EQ(slate_ids(reply.json), (Ids{"i12", "i11", "i10"}));
    else EXPECT_EQ(slate_ids(reply.json), (Ids{"i3", "i4", "i5"}));
    // The posted item is still in the catalog.
    EXPECT_EQ(http_post(port, "/v1/items", json{{"items", json::array({item})}}.dump(), "application/json").status, 409);
  }
  running = false;
  for (auto& client : clients) client.join();
  EXPECT_GT(requests.load(), 0);
  EXPECT_EQ(non_2xx.load(), 0);
}

TEST(ServerModelSwap, AGenerationNamingAModelThatChangedSinceKeepsTheServedModel) {
  test::TinyServing tiny;
  const std::string model_b = (tiny.dir / "model_b").string();
  write_reversed_model(model_b);
  const std::string version = model_version(model_b);
  Server server(tiny.config);
  server.start();
  {
    auto store = open_store(tiny.config.serve.store);
    auto writer = store->begin_generation("g2");
    writer->commit(json{{"model", {{"version", version}}}}.dump());
  }
  // The folder now holds another model than the one the generation names.
  test::write_file(std::filesystem::path(model_b) / "manifest.json",
                   R"({"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": 2, "note": 1})");
  EXPECT_TRUE(server.refresh());
  const auto reply = http_get(server.port(), "/v1/recommend?user=u0&n=3&arm=control");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["generation"], "g2");
  EXPECT_EQ(slate_ids(reply.json), (Ids{"i2", "i3", "i4"}));  // model A still
}

}  // namespace
}  // namespace invr
