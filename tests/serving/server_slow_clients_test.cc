// The HTTP front end against slow, idle, oversized and too many clients, over
// real loopback sockets (issue 17, items 1 and 4; docs/serving_http.md,
// "Connections and slow clients"): slow senders cost no worker thread and are
// cut at the request deadline, oversized or malformed Content-Lengths are
// answered from the header before any body, and the connection caps refuse
// or shed idle connections first.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "serving/server_test_util.h"

namespace invr {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A raw loopback connection, optionally from another 127/8 source address
// (a different peer to the server).
class RawConnection {
 public:
  explicit RawConnection(int port, const char* source = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (source) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &local.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) ADD_FAILURE() << "bind";
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(RawConnection&& other) noexcept : fd_(other.fd_), connected_(other.connected_) {
    other.fd_ = -1;
  }
  RawConnection(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool send(const std::string& text) {
    return ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }
  // Reads until the server closes or `timeout` passes; returns what arrived.
  std::string read_until_closed(std::chrono::milliseconds timeout) {
    std::string out;
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 1))) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
  // Reads one response whose body has a Content-Length (the server's always
  // do); what arrives after it is kept for the next call.
  std::string read_response(std::chrono::milliseconds timeout) {
    std::string out = std::move(pending_);
    pending_.clear();
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const auto end = out.find("\r\n\r\n");
      if (end != std::string::npos) {
        const auto at = out.find("Content-Length: ");
        const std::size_t length = at == std::string::npos || at > end ? 0 : std::stoul(out.substr(at + 16));
        if (out.size() >= end + 4 + length) {
          pending_ = out.substr(end + 4 + length);
          out.resize(end + 4 + length);
          return out;
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        closed_ = true;
        return out;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return out;
  }
  // True when the server closed (or reset) the connection within `timeout`.
  bool closed_within(std::chrono::milliseconds timeout) {
    read_until_closed(timeout);
    return closed_;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  std::string pending_;
};

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

// The value of one unlabelled or labelled sample in /metrics, -1 if absent.
double metric(int port, const std::string& sample) {
  const auto reply = test::http_get(port, "/metrics");
  const auto at = reply.body.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(reply.body.substr(at + sample.size() + 2));
}

// Lets the server's I/O thread take in what the test just did (an accept, a
// few bytes) before the next step depends on it.
void settle() { std::this_thread::sleep_for(150ms); }

TEST(ServerSlowClients, TricklingAndIdleConnectionsDoNotStopOthersAndSlowOnesAreCutAtTheDeadline) {
  test::TinyServing tiny;
  tiny.config.serve.http_threads = 2;
  tiny.config.serve.request_timeout_seconds = 2;
  tiny.config.serve.keep_alive_seconds = 30;  // the idle ones stay open throughout
  Server server(tiny.config);
  server.start();
  const int port = server.port();

  // 60 connections that never finish their headers, one byte at a time...
  std::vector<RawConnection> slow;
  for (int i = 0; i < 60; ++i) {
    slow.emplace_back(port);
    ASSERT_TRUE(slow.back().connected());
    ASSERT_TRUE(slow.back().send("GET /v1/recommend?user=u1 HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  }
  const auto trickle_start = Clock::now();
  std::atomic<bool> trickling{true};
  std::thread trickler([&] {
    while (trickling) {
      for (RawConnection& connection : slow) connection.send("a");
      std::this_thread::sleep_for(100ms);
    }
  });
  // ... and 60 that connect and send nothing.
  std::vector<RawConnection> idle;
  for (int i = 0; i < 60; ++i) {
    idle.emplace_back(port);
    ASSERT_TRUE(idle.back().connected());
  }
  settle();

  // Normal clients are answered at once, with 2 workers and 120 connections open.
  for (int i = 0; i < 20; ++i) {
    const auto start = Clock::now();
    const auto reply = test::http_get(port, "/v1/recommend?user=u0&n=3&arm=control");
    EXPECT_EQ(reply.status, 200) << reply.body;
    EXPECT_LT(seconds_since(start), 1.0) << "request " << i;
  }
  EXPECT_LT(seconds_since(trickle_start), 1.9) << "the checks above ran past the deadline";

  // The trickling connections are closed at the 2 s deadline, however steadily they send.
  for (RawConnection& connection : slow) {
    EXPECT_TRUE(connection.closed_within(3500ms));
    EXPECT_GE(seconds_since(trickle_start), 1.8);
  }
  EXPECT_LT(seconds_since(trickle_start), 4.0);
  trickling = false;
  trickler.join();
  EXPECT_GE(metric(port, "invr_http_request_timeouts_total"), 60);
  // The idle ones are still open (keep_alive_seconds = 30) and still usable.
  EXPECT_TRUE(idle.front().send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_line(idle.front().read_response(2000ms)), "HTTP/1.1 200 OK");
}

TEST(ServerSlowClients, ContentLengthIsJudgedFromTheHeaderBeforeAnyBodyArrives) {
  test::TinyServing tiny;  // request_timeout_seconds: the default 5
  Server server(tiny.config);
  server.start();
  const struct {
    const char* length;
    const char* status;
  } cases[] = {
      {"10485760", "HTTP/1.1 413 Payload Too Large"},
      {"1048577", "HTTP/1.1 413 Payload Too Large"},  // max_body_bytes + 1
      {"-1", "HTTP/1.1 400 Bad Request"},
      {"99999999999999999999", "HTTP/1.1 400 Bad Request"},  // 20 digits: overflows
      {"12abc", "HTTP/1.1 400 Bad Request"},
      {"", "HTTP/1.1 400 Bad Request"},
  };
  for (const auto& c : cases) {
    RawConnection connection(server.port());
    const auto start = Clock::now();
    ASSERT_TRUE(connection.send(fmt::format(
        "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n", c.length)));
    const std::string response = connection.read_response(3000ms);
    EXPECT_EQ(status_line(response), c.status) << "Content-Length: " << c.length;
    EXPECT_LT(seconds_since(start), 1.0) << "Content-Length: " << c.length;
    EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
    EXPECT_NE(response.find("{\"error\":"), std::string::npos) << response;
    EXPECT_TRUE(connection.closed_within(2000ms)) << "Content-Length: " << c.length;
  }
  // Two different lengths are ambiguous (request smuggling): 400 too.
  RawConnection twice(server.port());
  ASSERT_TRUE(twice.send(
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"));
  EXPECT_EQ(status_line(twice.read_response(3000ms)), "HTTP/1.1 400 Bad Request");
  // Headers over max_header_bytes: 431, without waiting for their end.
  RawConnection huge(server.port());
  ASSERT_TRUE(huge.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a')));
  const std::string response = huge.read_response(3000ms);
  EXPECT_EQ(status_line(response), "HTTP/1.1 431 Request Header Fields Too Large");
  EXPECT_NE(response.find("max_header_bytes (16384 bytes)"), std::string::npos) << response;
}

TEST(ServerSlowClients, APeerPastItsCapIsRefusedUnlessOneOfItsConnectionsIsIdle) {
  test::TinyServing tiny;
  tiny.config.serve.max_connections_per_peer = 3;
  tiny.config.serve.keep_alive_seconds = 30;
  Server server(tiny.config);
  server.start();
  const int port = server.port();
  // Three connections of 127.0.0.1 in the middle of a request: none idle.
  std::vector<RawConnection> reading;
  for (int i = 0; i < 3; ++i) {
    reading.emplace_back(port);
    ASSERT_TRUE(reading.back().send("GET /healthz HTTP/1.1\r\n"));
  }
  settle();
  RawConnection refused(port);
  EXPECT_TRUE(refused.closed_within(2000ms)) << "a fourth connection of the peer was served";
  // Another peer address is not affected.
  RawConnection other(port, "127.0.0.2");
  ASSERT_TRUE(other.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_line(other.read_response(2000ms)), "HTTP/1.1 200 OK");

  // One of them finishes its request and is now idle, kept alive: the next
  // new connection of the peer takes its place.
  ASSERT_TRUE(reading[0].send("Host: x\r\n\r\n"));
  EXPECT_EQ(status_line(reading[0].read_response(2000ms)), "HTTP/1.1 200 OK");
  settle();
  RawConnection admitted(port);
  ASSERT_TRUE(admitted.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_line(admitted.read_response(2000ms)), "HTTP/1.1 200 OK");
  EXPECT_TRUE(reading[0].closed_within(2000ms)) << "the idle connection was not shed";
  for (std::size_t i = 1; i < reading.size(); ++i)
    EXPECT_FALSE(reading[i].closed_within(100ms)) << "a connection mid-request was shed";
  // Another peer reads the counts.
  RawConnection reader(port, "127.0.0.3");
  ASSERT_TRUE(reader.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string text = reader.read_response(2000ms);
  EXPECT_NE(text.find("invr_http_connections_refused_total{reason=\"max_connections_per_peer\"} "),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("invr_http_connections_refused_total{reason=\"max_connections_per_peer\"} 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("invr_http_connections_shed_total 1\n"), std::string::npos) << text;
}

TEST(ServerSlowClients, AtTheTotalCapTheLongestIdleConnectionIsShedFirst) {
  test::TinyServing tiny;
  tiny.config.serve.max_connections = 4;
  tiny.config.serve.keep_alive_seconds = 30;
  Server server(tiny.config);
  server.start();
  const int port = server.port();
  // Two idle (the first idle longest), two mid-request, from different peers.
  RawConnection idle_first(port, "127.0.0.2");
  settle();
  RawConnection idle_second(port, "127.0.0.3");
  RawConnection reading_a(port, "127.0.0.4");
  RawConnection reading_b(port, "127.0.0.5");
  ASSERT_TRUE(reading_a.send("GET /healthz HTTP/1.1\r\n"));
  ASSERT_TRUE(reading_b.send("GET /healthz HTTP/1.1\r\n"));
  settle();
  // A fifth connection sheds the longest-idle one, a sixth the other.
  RawConnection fifth(port, "127.0.0.6");
  EXPECT_TRUE(idle_first.closed_within(2000ms));
  EXPECT_FALSE(idle_second.closed_within(100ms));
  RawConnection sixth(port, "127.0.0.7");
  EXPECT_TRUE(idle_second.closed_within(2000ms));
  // Make the new ones busy reading: nothing is idle now, so a seventh is refused.
  ASSERT_TRUE(fifth.send("GET /healthz HTTP/1.1\r\n"));
  ASSERT_TRUE(sixth.send("GET /healthz HTTP/1.1\r\n"));
  settle();
  RawConnection seventh(port, "127.0.0.8");
  EXPECT_TRUE(seventh.closed_within(2000ms));
  for (RawConnection* connection : {&reading_a, &reading_b, &fifth, &sixth}) {
    EXPECT_FALSE(connection->closed_within(50ms));
    ASSERT_TRUE(connection->send("Host: x\r\nConnection: close\r\n\r\n"));
    EXPECT_EQ(status_line(connection->read_response(2000ms)), "HTTP/1.1 200 OK");
  }
}

TEST(ServerSlowClients, AnIdleConnectionClosesAfterKeepAliveSeconds) {
  test::TinyServing tiny;
  tiny.config.serve.keep_alive_seconds = 1;
  Server server(tiny.config);
  server.start();
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_line(connection.read_response(2000ms)), "HTTP/1.1 200 OK");
  const auto start = Clock::now();
  EXPECT_TRUE(connection.closed_within(3000ms));
  EXPECT_GE(seconds_since(start), 0.8);
  // Pipelined requests are answered in order on one connection.
  RawConnection pipelined(server.port());
  ASSERT_TRUE(pipelined.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_line(pipelined.read_response(2000ms)), "HTTP/1.1 200 OK");
  EXPECT_EQ(status_line(pipelined.read_response(2000ms)), "HTTP/1.1 404 Not Found");
}

TEST(ServerSlowClients, HeadGetsHeadersOnlyAndExpectContinueGetsA100) {
  test::TinyServing tiny;
  Server server(tiny.config);
  server.start();
  RawConnection connection(server.port());
  ASSERT_TRUE(connection.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  const std::string head = connection.read_until_closed(500ms);
  EXPECT_EQ(status_line(head), "HTTP/1.1 200 OK");
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n") << "a body after the headers: " << head;
  EXPECT_EQ(head.find("Content-Length: 0\r\n"), std::string::npos) << head;  // the GET body's length
  // The connection is still in step: the next request gets its own answer.
  ASSERT_TRUE(connection.send("GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(status_line(connection.read_response(2000ms)), "HTTP/1.1 404 Not Found");

  const std::string body = R"({"user":"u1","item":"i1","event":"click"})" "\n";
  RawConnection expecting(server.port());
  ASSERT_TRUE(expecting.send(fmt::format(
      "POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
      body.size())));
  EXPECT_EQ(status_line(expecting.read_response(2000ms)), "HTTP/1.1 100 Continue");
  ASSERT_TRUE(expecting.send(body));
  const std::string reply = expecting.read_response(2000ms);
  EXPECT_EQ(status_line(reply), "HTTP/1.1 200 OK");
  EXPECT_NE(reply.find("{\"accepted\":1}"), std::string::npos) << reply;
}

}  // namespace
}  // namespace invr
