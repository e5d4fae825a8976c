#include "redis_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "test_util.h"

namespace invr::test {
namespace {

// A connected loopback socket with 5 s send/receive timeouts, or -1.
int connect_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

class ReplyReader {
 public:
  explicit ReplyReader(int fd) : fd_(fd) {}

  std::string reply() {
    const std::string line = read_line();
    if (line.empty()) throw std::runtime_error("redis: empty reply line");
    const std::string rest = line.substr(1);
    switch (line[0]) {
      case '+':
      case ':':
        return rest;
      case '-':
        return "(error) " + rest;
      case '$': {
        const long length = std::stol(rest);
        if (length < 0) return "(nil)";
        std::string bulk = read_exact(static_cast<std::size_t>(length) + 2);
        return bulk.substr(0, static_cast<std::size_t>(length));
      }
      case '*': {
        const long count = std::stol(rest);
        if (count < 0) return "(nil)";
        std::string joined;
        for (long i = 0; i < count; ++i) {
          if (i) joined += '\n';
          joined += reply();
        }
        return joined;
      }
      default:
        throw std::runtime_error("redis: unexpected reply \"" + line + "\"");
    }
  }

 private:
  void fill() {
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) throw std::runtime_error(std::string("redis: connection lost: ") + std::strerror(errno));
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  std::string read_line() {
    std::size_t end;
    while ((end = buffer_.find("\r\n")) == std::string::npos) fill();
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    return line;
  }
  std::string read_exact(std::size_t n) {
    while (buffer_.size() < n) fill();
    std::string out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return out;
  }

  int fd_;
  std::string buffer_;
};

std::string send_command(int port, const std::vector<std::string>& args) {
  const int fd = connect_loopback(port);
  if (fd < 0) throw std::runtime_error("redis: cannot connect to port " + std::to_string(port));
  // RESP: an array of bulk strings.
  std::string request = "*";
  request += std::to_string(args.size());
  request += "\r\n";
  for (const std::string& arg : args) {
    request += '$';
    request += std::to_string(arg.size());
    request += "\r\n";
    request += arg;
    request += "\r\n";
  }
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("redis: send failed");
    }
    sent += static_cast<std::size_t>(n);
  }
  try {
    std::string reply = ReplyReader(fd).reply();
    ::close(fd);
    return reply;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

std::string tail(const std::filesystem::path& file) {
  try {
    const std::string text = read_file(file);
    return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
  } catch (const std::exception&) {
    return "(no log)";
  }
}

}  // namespace

std::string RedisServer::binary() {
  if (const char* env = std::getenv("INVR_REDIS_SERVER"); env && *env) {
    return ::access(env, X_OK) == 0 ? std::string(env) : std::string();
  }
  return ::access("/usr/bin/redis-server", X_OK) == 0 ? "/usr/bin/redis-server" : "";
}

int unused_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;  // the kernel picks a free port
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

RedisServer::RedisServer(std::vector<std::string> extra_args)
    : dir_(std::make_unique<TempDir>()), extra_args_(std::move(extra_args)) {
  if (!available()) throw std::runtime_error("redis-server not found");
  std::string failure;
  // Another process may take the free port before redis binds it; try again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (start(extra_args_, failure)) return;
  }
  throw std::runtime_error("redis-server did not start: " + failure);
}

void RedisServer::crash() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::restart() {
  crash();
  std::string failure;
  if (!start(extra_args_, failure, port_)) throw std::runtime_error("redis-server did not restart: " + failure);
}

RedisServer::~RedisServer() { stop(); }

std::string RedisServer::uri(std::string_view suffix) const {
  return "redis://127.0.0.1:" + std::to_string(port_) + std::string(suffix);
}

std::string RedisServer::command(const std::vector<std::string>& args) const { return send_command(port_, args); }

bool RedisServer::start(const std::vector<std::string>& extra_args, std::string& failure, int port) {
  port_ = port ? port : unused_loopback_port();
  const auto log = dir_->path() / "redis.log";
  // No persistence (no RDB snapshots, no AOF), loopback only.
  std::vector<std::string> args = {binary(),   "--port", std::to_string(port_), "--bind",    "127.0.0.1",
                                   "--save",   "",       "--appendonly",        "no",        "--dir",
                                   dir_->path().string(), "--logfile", log.string(), "--daemonize", "no"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    failure = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid_ == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      failure = "exited early; log:\n" + tail(log);
      return false;
    }
    try {
      if (send_command(port_, {"PING"}) == "PONG") return true;
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  failure = "no PING answer within 10 s; log:\n" + tail(log);
  stop();
  return false;
}

void RedisServer::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 250; ++i) {  // up to 5 s for a clean exit
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace invr::test
