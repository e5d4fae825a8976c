// Fault suite (docs/fuzzing.md, "Fault suite"): the real `invr serve` binary
// appending events to a log that runs out of room, by a file-size limit
// (RLIMIT_FSIZE set in the child before exec: SIGXFSZ is ignored by invr, so
// writes fail with EFBIG) or by a full disk (a small tmpfs, where mounting is
// permitted). Asserted:
//  - a refused POST is a 503 with a short JSON reason that names no path;
//  - the server keeps answering (health, recommendations) while the log is full;
//  - once room returns (the limit raised with prlimit, or a filler file
//    removed) events are accepted again;
//  - after a SIGKILL, the log holds exactly the acknowledged (200) events,
//    each once, in whole lines, a restarted server appends after them, and
//    the log loads as a dataset.
// And the last-resort 500 of the HTTP front end does not echo the exception's
// text (issue 17, item 9).
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>
#include <stdexcept>

#include "fault_util.h"
#include "serving/http_front.h"
#include "serving/serve_process.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

using test::ServeProcess;

std::string event(int k) {
  return fmt::format(R"({{"user":"e{}","item":"i1","event":"click","timestamp":{}}})", k, 1700000000 + k) + "\n";
}

// The log's lines after the header, each checked whole; users in order.
std::vector<std::string> logged_users(const fs::path& log) {
  const std::string text = test::read_file(log);
  std::vector<std::string> users;
  const std::string header = "user_id:token\titem_id:token\ttimestamp:float\tevent_type:token\n";
  EXPECT_EQ(text.substr(0, header.size()), header);
  EXPECT_TRUE(text.empty() || text.back() == '\n') << "torn last line: " << text.substr(text.size() - 40);
  std::size_t start = header.size();
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    if (end == std::string::npos) break;
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    const std::string user = line.substr(0, line.find('\t'));
    const int k = user.size() > 1 ? std::atoi(user.c_str() + 1) : -1;
    EXPECT_EQ(line, fmt::format("e{}\ti1\t{}\tclick", k, 1700000000 + k)) << "not a whole event line";
    users.push_back(user);
  }
  return users;
}

class EventLogOutOfRoom : public ::testing::TestWithParam<std::string> {};

TEST_P(EventLogOutOfRoom, AcknowledgedEventsSurviveAndTheServerRecovers) {
  INVR_REQUIRE_CLI();
  const bool full_disk = GetParam() == "full_disk";
  test::TinyServing tiny;
  std::unique_ptr<test::SmallTmpfs> disk;
  fs::path events_dir = tiny.dir / "events";
  if (full_disk) {
    disk = std::make_unique<test::SmallTmpfs>(tiny.dir / "disk", "64k");
    if (disk->error)
      GTEST_SKIP() << "mounting a tmpfs is not permitted here (" << std::strerror(disk->error)
                   << "); the file_size_limit case covers the same path";
    events_dir = disk->path;
    // 8 KiB of room for the log, the rest of the disk taken by a filler.
    test::write_file(events_dir / "room", std::string(8192, 'r'));
    ASSERT_TRUE(test::fill_disk(events_dir / "filler"));
    fs::remove(events_dir / "room");
  }
  const fs::path log = events_dir / "events.inter";
  const fs::path config = tiny.dir / "invr.toml";
  tiny.config.serve.event_log = log.string();
  test::write_serve_config(config, tiny.config);
  const fs::path server_log = tiny.dir / "serve.log";
  auto server = std::make_unique<ServeProcess>(config, server_log, full_disk ? 0 : 2048);
  SCOPED_TRACE("server log: " + server_log.string());

  std::set<std::string> acknowledged;
  int next = 0, refused_in_a_row = 0;
  // Four events per POST until three POSTs in a row are refused.
  for (int post = 0; post < 400 && refused_in_a_row < 3; ++post) {
    std::string body;
    for (int e = 0; e < 4; ++e) body += event(next + e);
    const auto reply = test::http_post(server->port, "/v1/events", body);
    if (reply.status == 200) {
      for (int e = 0; e < 4; ++e) acknowledged.insert("e" + std::to_string(next + e));
      refused_in_a_row = 0;
    } else {
      ASSERT_EQ(reply.status, 503) << reply.body;
      EXPECT_EQ(reply.json["error"], "event log unavailable (the reason is in the server log)") << reply.body;
      EXPECT_EQ(reply.body.find('/'), std::string::npos) << "a path in " << reply.body;
      ++refused_in_a_row;
    }
    next += 4;
  }
  ASSERT_EQ(refused_in_a_row, 3) << "the log never ran out of room";
  ASSERT_GT(acknowledged.size(), 20u);
  EXPECT_NE(test::read_file(server_log).find(full_disk ? "No space left on device" : "File too large"),
            std::string::npos)
      << "the log keeps the reason";

  // Still answering while the log is full.
  EXPECT_EQ(test::http_get(server->port, "/healthz").status, 200);
  const auto slate = test::http_get(server->port, "/v1/recommend?user=u1&n=8&arm=invr-user-rank");
  EXPECT_EQ(slate.status, 200) << slate.body;
  EXPECT_EQ(test::slate_sources(slate.json), "mmimmmmi");

  // Room returns: events are accepted again.
  if (full_disk) {
    fs::remove(events_dir / "filler");
  } else {
    const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    ASSERT_EQ(::prlimit(server->pid, RLIMIT_FSIZE, &unlimited, nullptr), 0) << std::strerror(errno);
  }
  for (int post = 0; post < 3; ++post, next += 1) {
    const auto reply = test::http_post(server->port, "/v1/events", event(next));
    ASSERT_EQ(reply.status, 200) << reply.body;
    acknowledged.insert("e" + std::to_string(next));
  }

  // The harshest stop; every acknowledged event is in the log, whole, once,
  // and no refused one.
  server->kill_now();
  std::vector<std::string> users = logged_users(log);
  EXPECT_EQ(std::set<std::string>(users.begin(), users.end()), acknowledged);
  EXPECT_EQ(users.size(), acknowledged.size()) << "an event logged twice";

  // A restarted server appends after them.
  server = std::make_unique<ServeProcess>(config, server_log, 0);
  ASSERT_EQ(test::http_post(server->port, "/v1/events", event(next)).status, 200);
  server->kill_now();
  users = logged_users(log);
  ASSERT_EQ(users.size(), acknowledged.size() + 1);
  EXPECT_EQ(users.back(), "e" + std::to_string(next));

  // And the next job reads it as a dataset (the log beside the catalog).
  fs::copy_file(test::testdata_dir() / "serving" / "tiny.item", events_dir / "events.item");
  EXPECT_EQ(load_atomic(events_dir, "events").interactions.size(), acknowledged.size() + 1);
}

INSTANTIATE_TEST_SUITE_P(Kinds, EventLogOutOfRoom, ::testing::Values("file_size_limit", "full_disk"),
                         [](const auto& info) { return info.param; });

// Handlers must not throw (http_front.h), so the front end's own catch is a
// last resort; it echoed e.what(), which may name files or a store's URI.
TEST(HttpFrontEnd, AnInternalErrorIsA500WithoutTheExceptionsText) {
  ServeSettings settings;
  settings.host = "127.0.0.1";
  settings.port = 0;
  settings.http_threads = 2;
  serving::Metrics metrics({"control"});
  serving::FrontEndHandlers handlers;
  handlers.refuse = [](const serving::HttpRequest&, serving::HttpResponse&) { return false; };
  handlers.handle = [](const serving::HttpRequest& req, serving::HttpResponse& res) {
    if (req.path == "/throw") throw std::runtime_error("cannot open /var/lib/invr/secret.db at redis://10.0.0.7:6379");
    res.status = 200;
    res.body = "{}";
  };
  handlers.log = [](const serving::HttpRequest&, const serving::HttpResponse&, std::size_t, double) {};
  serving::HttpFrontEnd front(settings, handlers, metrics);
  const int port = front.start();
  const auto reply = test::http_get(port, "/throw");
  EXPECT_EQ(reply.status, 500);
  ASSERT_TRUE(reply.json.is_object()) << reply.body;
  EXPECT_EQ(reply.json["error"], "internal error (the reason is in the server log)");
  for (const char* secret : {"/var/lib", "secret", "redis://", "10.0.0.7", "cannot open"})
    EXPECT_EQ(reply.body.find(secret), std::string::npos) << secret << " in " << reply.body;
  EXPECT_EQ(test::http_get(port, "/fine").status, 200) << "still serving after the error";
  front.stop();
}

}  // namespace
}  // namespace invr
