// The server over real loopback HTTP with an implicit-ALS model directory
// (kind "als") in place of the tiny world's precomputed one: it loads it like
// any model and the control slate is ranked by the ALS scores.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "invr/atomic_io.h"
#include "invr/model_train.h"
#include "invr/server.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {

TEST(AlsServer, ServesSlatesRankedByAnAlsModel) {
  test::TinyServing tiny;
  const Dataset data = load_atomic(test::testdata_dir() / "serving", "tiny");
  ModelConfig model_config;
  model_config.kind = "als";
  model_config.dim = 4;
  model_config.validation_fraction = 0;
  model_config.threads = 1;
  TrainOptions train_options;
  train_options.out_dir = tiny.dir / "als";
  train_model(data, model_config, train_options);
  tiny.config.serve.model = (tiny.dir / "als").string();
  Server server(tiny.config);
  server.start();

  // What the model scores for u3 (clicked i7 and i5) at the server's time.
  const auto model = TwoTowerModel::load(tiny.dir / "als");
  EmbedOptions embed;
  embed.as_of = test::kTinyNow;
  const Matrix users = model->embed_users(data, embed);
  const Matrix items = model->embed_items(data, embed);
  const auto user = users.row(static_cast<std::size_t>(data.users.find("u3")));
  float best = -1e30f;
  for (const char* id : {"i1", "i2", "i3", "i4", "i6", "i8", "i9", "i10", "i11", "i12"}) {
    const auto item = items.row(static_cast<std::size_t>(data.items.find(id)));
    float s = 0;
    for (std::size_t k = 0; k < user.size(); ++k) s += user[k] * item[k];
    best = std::max(best, s);
  }

  const auto reply = test::http_get(server.port(), "/v1/recommend?user=u3&n=5&arm=control");
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto ids = test::slate_ids(reply.json);
  ASSERT_EQ(ids.size(), 5u);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "i7"), 0);  // seen items stay out
  EXPECT_EQ(std::count(ids.begin(), ids.end(), "i5"), 0);
  EXPECT_NEAR(reply.json["items"][0]["score"].get<double>(), best, 1e-4);
  for (std::size_t i = 1; i < ids.size(); ++i)
    EXPECT_LE(reply.json["items"][i]["score"].get<double>(),
              reply.json["items"][i - 1]["score"].get<double>() + 1e-6);
  // A history-less user is served from the new-user vector, not refused.
  const auto fresh = test::http_get(server.port(), "/v1/recommend?user=u2&n=5&arm=control");
  EXPECT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(test::slate_ids(fresh.json).size(), 5u);
}

}  // namespace
}  // namespace invr
