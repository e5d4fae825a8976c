// POST /v1/events and the event log: validation (every bad case names its
// line and field), all-or-nothing appends, the .inter format load_atomic
// reads, torn-tail repair, and body size limits (413).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/server.h"
#include "serving/event_log.h"
#include "serving/http_events.h"
#include "serving/http_util.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using serving::EventLog;
using serving::LoggedEvent;
using test::http_post;

const std::string kHeader = "user_id:token\titem_id:token\ttimestamp:float\tevent_type:token\n";

TEST(ServerEvents, AcceptedEventsAreAppendedAsAnInterFileThatLoads) {
  test::TinyServing tiny;
  Server server(tiny.config);
  server.start();
  const std::string body =
      "{\"user\":\"u1\",\"item\":\"i3\",\"event\":\"impression\",\"timestamp\":1700000100,"
      "\"position\":3,\"arm\":\"invr-score\"}\r\n"
      "\n"
      "{\"user\":\"new user\",\"item\":\"i12\",\"event\":\"click\",\"timestamp\":1700000101.5}\n";
  auto reply = http_post(server.port(), "/v1/events", body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.json["accepted"], 2);
  // Without a timestamp the event gets the server's clock (fixed here).
  reply = http_post(server.port(), "/v1/events", R"({"item":"i1","event":"click","user":"u0"})");
  ASSERT_EQ(reply.status, 200) << reply.body;

  const fs::path log = tiny.config.serve.event_log;
  EXPECT_EQ(test::read_file(log), kHeader +
                                      "u1\ti3\t1700000100\timpression\n"
                                      "new user\ti12\t1700000101.5\tclick\n"
                                      "u0\ti1\t1700000000\tclick\n");
  // The loop: a folder holding the log (and the catalog) is a dataset.
  fs::copy_file(test::testdata_dir() / "serving" / "tiny.item", log.parent_path() / "events.item");
  const Dataset logged = load_atomic(log.parent_path(), "events");
  ASSERT_EQ(logged.interactions.size(), 3u);
  EXPECT_EQ(logged.users.id(logged.interactions.user[1]), "new user");
  EXPECT_EQ(logged.items.id(logged.interactions.item[1]), "i12");
  EXPECT_EQ(logged.interactions.event[0], EventType::impression);
  EXPECT_EQ(logged.interactions.event[1], EventType::click);
  EXPECT_EQ(logged.interactions.timestamp[1], 1700000101.5);
  EXPECT_EQ(logged.producers.id(logged.item_table.producer[logged.interactions.item[1]]), "p3");
}

TEST(ServerEvents, EveryBadLineIsA400NamingTheLineAndFieldAndNothingIsWritten) {
  test::TinyServing tiny;
  Server server(tiny.config);
  server.start();
  const std::string good = R"({"user":"u1","item":"i1","event":"click"})";
  struct Case {
    std::string body;
    int line;
    std::string field;  // "" = none reported
    std::string error_part;
  };
  const std::vector<Case> cases = {
      {"not json", 1, "", "line 1: not valid JSON"},
      {good + "\n{\"user\":\"u1\",", 2, "", "line 2: not valid JSON"},
      {"[1, 2]", 1, "", "expected a JSON object"},
      {R"({"item":"i1","event":"click"})", 1, "user", "missing field 'user'"},
      {R"({"user":"u1","event":"click"})", 1, "item", "missing field 'item'"},
      {R"({"user":"u1","item":"i1"})", 1, "event", "missing field 'event'"},
      {R"({"user":"","item":"i1","event":"click"})", 1, "user", "field 'user' must not be empty"},
      {R"({"user":"a\tb","item":"i1","event":"click"})", 1, "user", "control characters"},
      {R"({"user":7,"item":"i1","event":"click"})", 1, "user", "field 'user' must be a string, got 7"},
      {R"({"user":"u1","item":"i99","event":"click"})", 1, "item", "item \"i99\" is not in the served catalog"},
      {R"({"user":"u1","item":"i1","event":"view"})", 1, "event", "must be \"impression\" or \"click\", got \"view\""},
      {R"({"user":"u1","item":"i1","event":"click","timestamp":"today"})", 1, "timestamp", "Unix seconds"},
      {R"({"user":"u1","item":"i1","event":"click","timestamp":-1})", 1, "timestamp", "got -1"},
      {R"({"user":"u1","item":"i1","event":"click","timestamp":1e12})", 1, "timestamp", "Unix seconds"},
      {R"({"user":"u1","item":"i1","event":"click","position":0})", 1, "position", "integer in [1, 100000]"},
      {R"({"user":"u1","item":"i1","event":"click","position":2.5})", 1, "position", "got 2.5"},
      {R"({"user":"u1","item":"i1","event":"click","arm":"bogus"})", 1, "arm", "configured arm, got \"bogus\""},
      {R"({"user":"u1","item":"i1","event":"click","clicked":true})", 1, "clicked", "unknown field \"clicked\""},
      {good + "\n" + good + "\n" + R"({"user":"u1","item":"i1","event":"like"})", 3, "event", "line 3:"},
  };
  for (const auto& c : cases) {
    const auto reply = http_post(server.port(), "/v1/events", c.body);
    EXPECT_EQ(reply.status, 400) << c.body << ": " << reply.body;
    ASSERT_TRUE(reply.json.is_object()) << reply.body;
    EXPECT_NE(reply.json["error"].get<std::string>().find(c.error_part), std::string::npos)
        << c.body << ": " << reply.json["error"];
    EXPECT_EQ(reply.json["line"], c.line) << c.body;
    if (c.field.empty()) {
      EXPECT_FALSE(reply.json.contains("field")) << c.body;
    } else {
      EXPECT_EQ(reply.json["field"], c.field) << c.body;
    }
  }
  for (const std::string body : {"", "\n\n  \n"}) {
    const auto reply = http_post(server.port(), "/v1/events", body);
    EXPECT_EQ(reply.status, 400);
    EXPECT_NE(reply.json["error"].get<std::string>().find("no events"), std::string::npos);
  }
  // All or nothing: not even the good lines before a bad one were logged.
  EXPECT_FALSE(fs::exists(tiny.config.serve.event_log) &&
               fs::file_size(tiny.config.serve.event_log) > 0);
}

// Regression (issue 17, item 3): nlohmann::json keeps a repeated key's last
// value, so {"user":"u1","user":"u2",...} was logged as u2.
TEST(ServerEvents, ADuplicateKeyIsA400NamingItAndNothingIsWritten) {
  test::TinyServing tiny;
  Server server(tiny.config);
  server.start();
  const std::string good = R"({"user":"u1","item":"i1","event":"click"})";
  struct Case {
    std::string body;
    int line;
    std::string key;
  };
  const std::vector<Case> cases = {
      {R"({"user":"u1","user":"u2","item":"i1","event":"click"})", 1, "user"},
      {R"({"user":"u1","item":"i1","event":"click","user":"u1"})", 1, "user"},  // same value too
      {good + "\n" + R"({"user":"u1","item":"i1","item":"i2","event":"click"})", 2, "item"},
      {R"({"user":"u1","item":"i1","event":"click","timestamp":1,"timestamp":2})", 1, "timestamp"},
      {R"({"user":"u1","item":"i1","event":"impression","event":"click"})", 1, "event"},
  };
  for (const auto& c : cases) {
    const auto reply = http_post(server.port(), "/v1/events", c.body);
    EXPECT_EQ(reply.status, 400) << c.body << ": " << reply.body;
    ASSERT_TRUE(reply.json.is_object()) << reply.body;
    EXPECT_NE(reply.json["error"].get<std::string>().find(
                  fmt::format("line {}: field \"{}\" is given twice", c.line, c.key)),
              std::string::npos)
        << c.body << ": " << reply.body;
    EXPECT_EQ(reply.json["line"], c.line) << c.body;
    EXPECT_EQ(reply.json["field"], c.key) << c.body;
  }
  EXPECT_FALSE(fs::exists(tiny.config.serve.event_log) &&
               fs::file_size(tiny.config.serve.event_log) > 0);
  // The same keys once each are accepted.
  EXPECT_EQ(http_post(server.port(), "/v1/events", good).status, 200);
}

TEST(ClientJson, RepeatedKeysAreFoundAtAnyDepthAndOnlyWithinOneObject) {
  std::optional<std::string> duplicate;
  EXPECT_TRUE(serving::parse_client_json(R"({"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]})", duplicate)
                  .is_object());
  EXPECT_FALSE(duplicate);
  EXPECT_TRUE(serving::parse_client_json(R"({"a":{"x":1,"x":2}})", duplicate).is_discarded());
  EXPECT_EQ(duplicate, "x");
  EXPECT_TRUE(serving::parse_client_json(R"([{"k":1},{"":1,"":2}])", duplicate).is_discarded());
  EXPECT_EQ(duplicate, "");
  EXPECT_TRUE(serving::parse_client_json("{\"a\":", duplicate).is_discarded());
  EXPECT_FALSE(duplicate);  // not JSON, no repeat
}

TEST(ServerEvents, OversizedBodiesGet413WithOrWithoutContentLength) {
  test::TinyServing tiny;
  tiny.config.serve.max_body_bytes = 1000;
  Server server(tiny.config);
  server.start();
  std::string body;
  while (body.size() <= 1000) body += R"({"user":"u1","item":"i1","event":"click"})" "\n";
  auto reply = http_post(server.port(), "/v1/events", body);
  EXPECT_EQ(reply.status, 413) << reply.body;
  EXPECT_TRUE(reply.json["error"].is_string()) << reply.body;

  // Chunked: no Content-Length for httplib to check, so the handler counts.
  httplib::Client client("127.0.0.1", server.port());
  const auto chunked = client.Post(
      "/v1/events",
      [&](std::size_t offset, httplib::DataSink& sink) {
        if (offset >= body.size()) {
          sink.done();
          return true;
        }
        sink.write(body.data() + offset, std::min<std::size_t>(100, body.size() - offset));
        return true;
      },
      "application/x-ndjson");
  ASSERT_TRUE(chunked);
  EXPECT_EQ(chunked->status, 413) << chunked->body;
  EXPECT_NE(chunked->body.find("max_body_bytes (1000 bytes)"), std::string::npos) << chunked->body;

  // Just under the limit is fine.
  body = R"({"user":"u1","item":"i1","event":"click"})";
  EXPECT_EQ(http_post(server.port(), "/v1/events", body).status, 200);
}

TEST(ServerEvents, WithoutAnEventLogPostsGet503) {
  test::TinyServing tiny;
  tiny.config.serve.event_log.clear();
  Server server(tiny.config);
  server.start();
  const auto reply =
      http_post(server.port(), "/v1/events", R"({"user":"u1","item":"i1","event":"click"})");
  EXPECT_EQ(reply.status, 503);
  EXPECT_NE(reply.json["error"].get<std::string>().find("no event log configured"), std::string::npos);
}

// Regression (issue 17, item 9): the 503 of a failed append carried the
// IoError's text, the event log's absolute path included. /dev/full opens as
// an empty log and refuses every write (ENOSPC), as a full disk would.
TEST(ServerEvents, AFailedAppendsReplyHidesTheLogsPath) {
  if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full to make writes fail";
  test::TinyServing tiny;
  tiny.config.serve.event_log = "/dev/full";
  Server server(tiny.config);
  server.start();
  const auto reply =
      http_post(server.port(), "/v1/events", R"({"user":"u1","item":"i1","event":"click"})");
  EXPECT_EQ(reply.status, 503) << reply.body;
  ASSERT_TRUE(reply.json.is_object()) << reply.body;
  EXPECT_EQ(reply.json["error"], "event log unavailable (the reason is in the server log)");
  EXPECT_EQ(reply.body.find("/dev/full"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find("No space"), std::string::npos) << reply.body;
}

TEST(EventLog, HeaderComesWithTheFirstEventAndReopeningAppends) {
  test::TempDir dir;
  const fs::path path = dir / "events.inter";
  {
    EventLog log(path, 0);
    EXPECT_EQ(fs::file_size(path), 0u);  // an empty log is an empty file
    const LoggedEvent events[] = {{"u1", "i1", 10, EventType::click}};
    log.append(events);
  }
  {
    EventLog log(path, 0.01);  // the background fsync path
    const LoggedEvent events[] = {{"u2", "i2", 11.25, EventType::impression}};
    log.append(events);
    EXPECT_EQ(log.bytes(), fs::file_size(path));
  }
  EXPECT_EQ(test::read_file(path), kHeader + "u1\ti1\t10\tclick\nu2\ti2\t11.25\timpression\n");
}

TEST(EventLog, ATornLastLineIsDroppedOnOpen) {
  test::TempDir dir;
  const fs::path path = dir / "events.inter";
  test::write_file(path, kHeader + "u1\ti1\t10\tclick\nu2\ti2\t1");
  {
    EventLog log(path, 0);
    const LoggedEvent events[] = {{"u3", "i3", 12, EventType::click}};
    log.append(events);
  }
  EXPECT_EQ(test::read_file(path), kHeader + "u1\ti1\t10\tclick\nu3\ti3\t12\tclick\n");
  // A header cut short is an empty log.
  test::write_file(path, kHeader.substr(0, 10));
  {
    EventLog log(path, 0);
    EXPECT_EQ(fs::file_size(path), 0u);
  }
}

TEST(EventLog, AnotherFilesHeaderIsRefused) {
  test::TempDir dir;
  const fs::path path = dir / "world.inter";
  test::write_file(path, "user_id:token\titem_id:token\ttimestamp:float\n" "u1\ti1\t5\n");
  try {
    EventLog log(path, 0);
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 1u);
    EXPECT_NE(std::string(e.what()).find("not an invr event log"), std::string::npos);
  }
  EXPECT_THROW(EventLog(dir / "no-such-dir" / "e.inter", 0), IoError);
}

TEST(EventLog, ParseKeepsLineNumbersAcrossBlankAndCrlfLines) {
  IdMap items;
  items.add("i1");
  const Experiment experiment = default_experiment();
  const auto events = serving::parse_event_lines(
      "\r\n{\"user\":\"u\",\"item\":\"i1\",\"event\":\"click\"}\r\n", items, experiment, 42);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].timestamp, 42);
  try {
    serving::parse_event_lines("\n\n{\"user\":\"u\"}", items, experiment, 0);
    FAIL();
  } catch (const serving::EventInputError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_EQ(e.field(), "item");
  }
}

}  // namespace
}  // namespace invr
