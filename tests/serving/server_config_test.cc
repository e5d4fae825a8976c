// invr.toml for the server: [serve], [slate], [experiment] (and the job's
// tables alongside), errors with file positions, validation, the TOML
// writer's round trip, and docs/serving_http.md naming every key.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "invr/error.h"
#include "invr/server.h"
#include "serving/prom_metrics.h"
#include "test_util.h"

namespace invr {
namespace {

ServerConfig read_text(const test::TempDir& dir, const std::string& text) {
  test::write_file(dir / "invr.toml", text);
  ServerConfig config;
  read_server_config(dir / "invr.toml", config);
  return config;
}

TEST(ServerConfig, ReadsServeSlateExperimentAndTheJobTables) {
  test::TempDir dir;
  const ServerConfig config = read_text(dir, R"(
[serve]
port = 9090
data = "out/world"
model = "models/world"
refresh_seconds = 2.5
embedded_job = true
job_interval_seconds = 600

[slate]
retrieve_k = 300
freshness_weight = 0.0

[experiment]
salt = "spring"

[[experiment.arms]]
name = "control"
ordering = "control"
weight = 2

[[experiment.arms]]
name = "treatment"
ordering = "user_rank"
slots = [2, 5, 9]

[[experiment.arms]]
name = "default-slots"
ordering = "score"

[job]
store = "rocksdb:out/store"
)");
  EXPECT_EQ(config.serve.port, 9090);
  EXPECT_EQ(config.serve.data, "out/world");
  EXPECT_EQ(config.serve.refresh_seconds, 2.5);
  EXPECT_TRUE(config.serve.embedded_job);
  EXPECT_EQ(config.serve.job_interval_seconds, 600);
  EXPECT_EQ(config.serve.host, "127.0.0.1");  // untouched keys keep their default
  EXPECT_EQ(config.slate.retrieve_k, 300);
  EXPECT_EQ(config.slate.freshness_weight, 0.0);
  EXPECT_EQ(config.slate.threads, 1);  // the server's default, not SlateParams'
  EXPECT_EQ(config.job.job.store, "rocksdb:out/store");
  EXPECT_EQ(config.experiment.salt, "spring");
  ASSERT_EQ(config.experiment.arms.size(), 3u);
  EXPECT_EQ(config.experiment.arms[0].name, "control");
  EXPECT_FALSE(config.experiment.arms[0].ordering);
  EXPECT_TRUE(config.experiment.arms[0].slots.empty());
  EXPECT_EQ(config.experiment.arms[0].weight, 2);
  EXPECT_EQ(config.experiment.arms[1].ordering, Ordering::user_rank);
  EXPECT_EQ(config.experiment.arms[1].slots, (std::vector<int>{2, 5, 9}));
  EXPECT_EQ(config.experiment.arms[2].slots, (std::vector<int>{3, 8}));
  EXPECT_NO_THROW(validate(config));
}

TEST(ServerConfig, MistakesAreDataErrorsWithTheirPosition) {
  test::TempDir dir;
  struct Case {
    std::string text;
    std::size_t line;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"[serve]\nprot = 1\n", 2, "unknown setting 'prot' in [serve]"},
      {"[serve]\nport = 70000\n", 2, "serve.port must be in [0, 65535], got 70000"},
      {"[serve]\nport = \"80\"\n", 2, "serve.port: expected an integer"},
      {"[serve]\nembedded_job = 1\n", 2, "expected true or false"},
      {"[slate]\nmax_n = 0\n", 2, "slate.max_n must be in"},
      {"[experiment]\nsalt = 3\n", 2, "experiment.salt must be a string"},
      {"[experiment]\nsault = \"x\"\n", 2, "unknown key 'sault' in [experiment]"},
      {"[[experiment.arms]]\nname = \"a\"\nordering = \"popular\"\n", 3, "arm 1:"},
      {"[[experiment.arms]]\nname = \"a\"\nordering = \"score\"\nslots = [0]\n", 4, "a slot must be"},
      {"[[experiment.arms]]\nname = \"a\"\nordering = \"score\"\ncolour = 1\n", 4, "unknown key 'colour'"},
      {"[[experiment.arms]]\nordering = \"score\"\n", 1, "name and ordering are required"},
      {"[[experiment.arms]]\nname = \"a\"\nordering = \"score\"\n[[experiment.arms]]\nname = \"a\"\n"
       "ordering = \"random\"\n", 0, "duplicate"},
      {"[serv]\nport = 1\n", 1, "unknown section [serv]"},
  };
  for (const auto& c : cases) {
    try {
      read_text(dir, c.text);
      ADD_FAILURE() << "no error for:\n" << c.text;
    } catch (const DataError& e) {
      if (c.line > 0) {
        EXPECT_EQ(e.line(), c.line) << c.text << "\n" << e.what();
      }
      EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos)
          << c.text << "\n" << e.what();
    }
  }
}

// Regression: a float setting given an integer a double cannot hold exactly
// threw std::bad_optional_access ("unexpected error: bad optional access",
// no position); it is a number like any other, out of bounds here.
TEST(ServerConfig, AHugeIntegerInAFloatSettingIsADataErrorAtItsPosition) {
  test::TempDir dir;
  try {
    read_text(dir, "[serve]\nrequest_timeout_seconds = 9223372036854775807\n");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 2u) << e.what();
    EXPECT_EQ(e.column(), 27u) << e.what();
    EXPECT_NE(e.message().find("serve.request_timeout_seconds must be in [0.001, 3600], got 9.2"),
              std::string::npos)
        << e.what();
  }
  // An arm weight read the same way is a number, not an error.
  const ServerConfig config = read_text(
      dir, "[[experiment.arms]]\nname = \"a\"\nordering = \"control\"\nweight = 9223372036854775807\n");
  EXPECT_DOUBLE_EQ(config.experiment.arms[0].weight, 9223372036854775807.0);
}

TEST(ServerConfig, ArmWeightsSummingToInfinityAreADataError) {
  test::TempDir dir;
  try {
    read_text(dir, "[[experiment.arms]]\nname = \"a\"\nordering = \"control\"\nweight = 1e308\n"
                   "[[experiment.arms]]\nname = \"b\"\nordering = \"score\"\nweight = 1e308\n");
    FAIL() << "no error";
  } catch (const DataError& e) {
    EXPECT_NE(e.message().find("weights must sum to a finite number"), std::string::npos)
        << e.what();
  }
}

TEST(ServerConfig, ValidateNamesTheFlag) {
  ServerConfig config;
  EXPECT_THROW(validate(config), UsageError);  // no data or model
  config.serve.data = "d";
  config.serve.model = "m";
  EXPECT_NO_THROW(validate(config));
  auto message = [](ServerConfig c) {
    try {
      validate(c);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  ServerConfig c = config;
  c.serve.default_n = 101;
  EXPECT_EQ(message(c), "--default-n (101) must not exceed --max-n (100)");
  c = config;
  c.serve.now = -5;
  EXPECT_EQ(message(c), "--now must be in [-1, 100000000000], got -5");
  c.serve.now = -0.5;
  EXPECT_NE(message(c).find("--now must be 0 (wall clock), -1"), std::string::npos) << message(c);
  c = config;
  c.serve.http_threads = 0;
  EXPECT_EQ(message(c), "--http-threads must be in [1, 1024], got 0");
  c = config;
  c.serve.embedded_job = true;
  EXPECT_NE(message(c).find("--embedded-job needs a store"), std::string::npos);
  c.job.job.store = "rocksdb:x";
  EXPECT_EQ(message(c), "no error");
}

TEST(ServerConfig, TheTomlWriterRoundTrips) {
  test::TempDir dir;
  ServerConfig config;
  config.serve.port = 1234;
  config.serve.access_log = "off";
  config.serve.embedded_job = true;
  config.slate.retrieve_k = 321;
  config.experiment.salt = "a \"quoted\" salt";
  config.experiment.arms[1].slots = {1, 4};
  config.experiment.arms[2].weight = 0.25;
  const ServerConfig back = read_text(dir, server_config_toml(config));
  EXPECT_EQ(back.serve.port, 1234);
  EXPECT_EQ(back.serve.access_log, "off");
  EXPECT_TRUE(back.serve.embedded_job);
  EXPECT_EQ(back.slate.retrieve_k, 321);
  EXPECT_EQ(back.experiment.salt, config.experiment.salt);
  ASSERT_EQ(back.experiment.arms.size(), 4u);
  for (std::size_t a = 0; a < 4; ++a) {
    EXPECT_EQ(back.experiment.arms[a].name, config.experiment.arms[a].name);
    EXPECT_EQ(back.experiment.arms[a].ordering, config.experiment.arms[a].ordering);
    EXPECT_EQ(back.experiment.arms[a].slots, config.experiment.arms[a].slots);
    EXPECT_EQ(back.experiment.arms[a].weight, config.experiment.arms[a].weight);
  }
}

TEST(ServerConfig, DocsNameEverySettingAndMetric) {
  const std::string docs =
      test::read_file(test::testdata_dir().parent_path().parent_path() / "docs" / "serving_http.md");
  for (const auto& spec : serve_setting_specs())
    EXPECT_NE(docs.find(std::string("`") + spec.name + "`"), std::string::npos)
        << "docs/serving_http.md does not mention [serve] " << spec.name;
  serving::Metrics metrics({"control"});
  const std::string text = metrics.render({});
  std::set<std::string> names;
  for (std::size_t at = text.find("# TYPE "); at != std::string::npos; at = text.find("# TYPE ", at + 1))
    names.insert(text.substr(at + 7, text.find(' ', at + 7) - at - 7));
  EXPECT_GE(names.size(), 10u);
  for (const auto& name : names)
    EXPECT_NE(docs.find("`" + name + "`"), std::string::npos)
        << "docs/serving_http.md does not list metric " << name;
}

}  // namespace
}  // namespace invr
