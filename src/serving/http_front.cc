// The event-driven HTTP front end (http_front.h): an acceptor and one
// Connection per socket on Asio strands, handlers on a thread pool.
//
// A connection's life: idle (wait for a request's first byte, keep_alive
// deadline) -> reading (headers, then body, one request_timeout deadline from
// the first byte) -> busy (handler on a worker, then the write, under
// write_timeout) -> idle again, or a graceful close (shutdown our side, read
// what the client still sends for at most kLinger, then close: closing with
// unread bytes would reset the connection and could destroy the response
// before the client reads it).
#include "serving/http_front.h"

#include <array>
#include <atomic>
#include <chrono>
#include <future>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "invr/error.h"
#include "invr/log.h"
#include "serving/http_connections.h"
#include "serving/http_util.h"

namespace invr::serving {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using beast::error_code;

constexpr std::size_t kReadChunk = 4096;
constexpr auto kLinger = std::chrono::seconds(1);  // a closing connection's last wait for the client
constexpr std::size_t kLingerBytes = std::size_t{1} << 20;  // ... or for this much unread body
constexpr auto kAcceptRetry = std::chrono::milliseconds(50);  // after EMFILE and the like

Clock::duration seconds(double value) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(value));
}

// What every connection shares: settings, callbacks, the table, the workers.
struct Shared {
  const ServeSettings& settings;
  FrontEndHandlers handlers;
  Metrics& metrics;
  ConnectionTable table;
  asio::thread_pool workers;

  Shared(const ServeSettings& serve, FrontEndHandlers callbacks, Metrics& counters)
      : settings(serve),
        handlers(std::move(callbacks)),
        metrics(counters),
        table(static_cast<std::size_t>(serve.max_connections),
              static_cast<std::size_t>(serve.max_connections_per_peer)),
        workers(static_cast<std::size_t>(serve.http_threads)) {}
};

// Releases the connection's place in the table when the connection is
// destroyed: declared first in Connection, so it runs after every other
// member (the socket included) is gone, and stop() waiting for an empty table
// waits for those too.
struct SlotRelease {
  Shared& shared;
  ConnectionSlot& slot;
  bool opened = false;  // admitted: counted in the open gauge
  ~SlotRelease() {
    shared.table.release(slot);
    if (opened) shared.metrics.add_connection_closed();
  }
};

class Connection : public Sheddable, public std::enable_shared_from_this<Connection> {
 public:
  Connection(Shared& shared, tcp::socket socket, std::string peer)
      : release_{shared, slot_}, shared_(shared), stream_(std::move(socket)) {
    slot_.peer = std::move(peer);
  }

  // On the acceptor's strand: takes a place under the caps (shedding an idle
  // connection if needed) and starts, or resets the connection.
  void admit() {
    slot_.owner = weak_from_this();
    std::vector<std::shared_ptr<Sheddable>> victims;
    std::size_t shed_count = 0;
    const Admission admission = shared_.table.admit(slot_, victims, shed_count);
    for (std::size_t i = 0; i < shed_count; ++i) shared_.metrics.add_connection_shed();
    for (const auto& victim : victims) victim->shed();
    if (admission != Admission::admitted) {
      if (admission == Admission::refused_total)
        shared_.metrics.add_connection_refused(Refusal::max_connections);
      else if (admission == Admission::refused_peer)
        shared_.metrics.add_connection_refused(Refusal::max_connections_per_peer);
      // A reset, not a close: no TIME_WAIT kept here for a connection never served.
      error_code ignored;
      stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
      stream_.socket().close(ignored);
      return;
    }
    shared_.metrics.add_connection_opened();
    release_.opened = true;
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
  }

  void shed() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->stream_.close();
    });
  }

 private:
  template <class F>
  auto bind(F f) {
    return beast::bind_front_handler(f, shared_from_this());
  }

  void wait_for_request() {
    if (!shared_.table.set_phase(slot_, ConnectionPhase::idle)) return;
    if (buffer_.size() > 0) return begin_request();  // pipelined: already here
    stream_.expires_after(std::chrono::seconds(shared_.settings.keep_alive_seconds));
    stream_.async_read_some(buffer_.prepare(kReadChunk), bind(&Connection::on_first_bytes));
  }

  void on_first_bytes(error_code ec, std::size_t bytes) {
    if (ec) return;  // idle timeout, shed, or the client closed: nothing to answer
    buffer_.commit(bytes);
    begin_request();
  }

  void begin_request() {
    if (!shared_.table.set_phase(slot_, ConnectionPhase::reading)) return;
    // One deadline for the whole request, headers and body: it is absolute,
    // so a client trickling a byte at a time gains nothing.
    stream_.expires_after(seconds(shared_.settings.request_timeout_seconds));
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shared_.settings.max_header_bytes));
    // Checked by hand from the Content-Length, below. (Not boost::none: Beast
    // 1.74 compares the length against the optional, and none is less.)
    parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    request_ = HttpRequest();
    timed_ = false;
    head_ = false;
    http::async_read_header(stream_, buffer_, *parser_, bind(&Connection::on_header));
  }

  // True when `ec` ended the request with nothing to answer: the deadline
  // (the stream closed the socket), the client gone, a shed. False for a
  // request that is malformed.
  bool ended(error_code ec) {
    if (ec == beast::error::timeout) {
      shared_.metrics.add_request_timeout();
      return true;
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message) return true;
    return ec.category() != make_error_code(http::error::bad_method).category();
  }

  void on_header(error_code ec, std::size_t) {
    if (ec == http::error::header_limit)
      return reject(431, fmt::format("request line and headers larger than max_header_bytes ({} bytes)",
                                     shared_.settings.max_header_bytes));
    if (ec && ended(ec)) return;
    if (ec) return reject(400, "malformed HTTP request: " + ec.message());
    fill_request();
    started_ = Clock::now();
    timed_ = true;
    head_ = parser_->get().method() == http::verb::head;
    const auto length = parser_->content_length();
    const bool has_body = parser_->chunked() || (length && *length > 0);
    HttpResponse refusal;
    if (shared_.handlers.refuse(request_, refusal))
      return respond(std::move(refusal), /*close=*/has_body);
    const auto limit = static_cast<std::uint64_t>(shared_.settings.max_body_bytes);
    if (length && *length > limit) return reject_body_too_large();
    if (parser_->is_done()) return dispatch();
    const std::string* expect = request_.header("Expect");
    if (expect && header_name_equals(*expect, "100-continue")) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      return asio::async_write(stream_, asio::buffer(kContinue),
                               [self = shared_from_this()](error_code write_ec, std::size_t) {
                                 if (!write_ec) self->read_body();
                               });
    }
    read_body();
  }

  void fill_request() {
    const auto& header = parser_->get();
    request_.method = std::string(header.method_string());
    request_.target = std::string(header.target());
    request_.path = request_.target.substr(0, request_.target.find('?'));
    request_.remote_addr = slot_.peer;
    for (const auto& field : header)
      request_.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }

  void read_body() {
    // A chunked body is counted against the limit as it arrives.
    parser_->body_limit(static_cast<std::uint64_t>(shared_.settings.max_body_bytes));
    http::async_read(stream_, buffer_, *parser_, bind(&Connection::on_body));
  }

  void on_body(error_code ec, std::size_t) {
    if (ec == http::error::body_limit) return reject_body_too_large();
    if (ec && ended(ec)) return;
    if (ec) return reject(400, "malformed request body: " + ec.message());
    dispatch();
  }

  void reject_body_too_large() {
    reject(413, fmt::format("request body larger than max_body_bytes ({} bytes)",
                            shared_.settings.max_body_bytes));
  }

  // A request the front end refuses itself: a JSON error, then close.
  void reject(int status, const std::string& message) {
    HttpResponse res;
    reply_error(res, status, message);
    respond(std::move(res), /*close=*/true);
  }

  void dispatch() {
    if (!shared_.table.set_phase(slot_, ConnectionPhase::busy)) return;
    request_.body = std::move(parser_->get().body());
    asio::post(shared_.workers, [self = shared_from_this()] {
      HttpResponse res;
      try {
        self->shared_.handlers.handle(self->request_, res);
      } catch (const std::exception& e) {
        // A last resort (handlers must not throw). The text may name files or
        // a store's URI: the log gets it, the client a generic reason.
        invr::logger().error("serve: {} {} failed: {}", self->request_.method, self->request_.path, e.what());
        res = HttpResponse();
        reply_error(res, 500, "internal error (the reason is in the server log)");
      }
      asio::post(self->stream_.get_executor(), [self, res = std::move(res)]() mutable {
        self->respond(std::move(res), false);
      });
    });
  }

  void respond(HttpResponse res, bool close) {
    if (!shared_.table.set_phase(slot_, ConnectionPhase::busy)) return;
    ++served_;
    const bool header_read = parser_ && parser_->is_header_done();
    const bool keep = !close && header_read && parser_->keep_alive() &&
                      served_ < static_cast<std::uint64_t>(shared_.settings.keep_alive_requests);
    response_ = {};
    response_.version(header_read ? parser_->get().version() : 11);
    response_.result(static_cast<unsigned>(res.status));
    for (const HttpHeader& header : res.headers) response_.set(header.name, header.value);
    body_bytes_ = res.body.size();
    response_.body() = std::move(res.body);
    response_.keep_alive(keep);
    response_.prepare_payload();
    if (head_) response_.body().clear();  // Content-Length stays the GET body's
    reply_ = std::move(res);
    stream_.expires_after(seconds(shared_.settings.write_timeout_seconds));
    http::async_write(stream_, response_,
                      [self = shared_from_this(), keep](error_code ec, std::size_t) {
                        self->on_written(ec, keep);
                      });
  }

  void on_written(error_code ec, bool keep) {
    const double elapsed = timed_ ? std::chrono::duration<double>(Clock::now() - started_).count() : 0;
    shared_.handlers.log(request_, reply_, body_bytes_, elapsed);
    if (ec) return;
    if (!keep) return close_gracefully();
    parser_.reset();
    wait_for_request();
  }

  void close_gracefully() {
    if (!shared_.table.set_phase(slot_, ConnectionPhase::idle)) return;
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLinger);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(drain_), [self = shared_from_this()](error_code ec, std::size_t n) {
      self->drained_ += n;
      if (!ec && self->drained_ < kLingerBytes) self->drain();
    });
  }

  ConnectionSlot slot_;
  SlotRelease release_;  // before every member that needs the I/O threads
  Shared& shared_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  HttpRequest request_;
  HttpResponse reply_;  // the response's status and headers, for the log
  std::size_t body_bytes_ = 0;
  Clock::time_point started_;
  bool timed_ = false;
  bool head_ = false;
  std::uint64_t served_ = 0;
  std::array<char, 4096> drain_{};
  std::size_t drained_ = 0;
};

}  // namespace

struct HttpFrontEnd::Impl {
  Impl(const ServeSettings& settings, FrontEndHandlers handlers, Metrics& metrics)
      : settings(settings),
        io(static_cast<int>(settings.io_threads)),
        shared(this->settings, std::move(handlers), metrics) {}

  const ServeSettings settings;
  asio::io_context io;
  Shared shared;
  tcp::acceptor acceptor{asio::make_strand(io)};
  asio::steady_timer retry{acceptor.get_executor()};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;
  std::string last_accept_error;

  int bind();
  void accept();
  void on_accept(error_code ec, tcp::socket socket);
  void run_io();
};

int HttpFrontEnd::Impl::bind() {
  error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(settings.host, std::to_string(settings.port),
                                          tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  std::string reason = ec ? ec.message() : "no address";
  for (const auto& entry : endpoints) {
    acceptor.close(ec);
    // SO_REUSEADDR for a quick restart; never SO_REUSEPORT, which would let
    // a second server bind the same port and silently take half the traffic.
    if (!acceptor.open(entry.endpoint().protocol(), ec) &&
        !acceptor.set_option(asio::socket_base::reuse_address(true), ec) &&
        !acceptor.bind(entry.endpoint(), ec) &&
        !acceptor.listen(asio::socket_base::max_listen_connections, ec))
      return acceptor.local_endpoint().port();
    reason = ec.message();
  }
  throw IoError(fmt::format("cannot listen on {}:{} ({}: address in use, or not an address of this host)",
                            settings.host, settings.port, reason));
}

void HttpFrontEnd::Impl::accept() {
  acceptor.async_accept(asio::make_strand(io), [this](error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpFrontEnd::Impl::on_accept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) {
    // Out of descriptors (or the like): wait a little instead of spinning.
    if (ec.message() != last_accept_error) invr::logger().warn("serve: accept failed: {}", ec.message());
    last_accept_error = ec.message();
    retry.expires_after(kAcceptRetry);
    retry.async_wait([this](error_code wait_ec) {
      if (!wait_ec) accept();
    });
    return;
  }
  error_code ignored;
  const tcp::endpoint peer = socket.remote_endpoint(ignored);
  // Headers and body go out in one write, but a client may pipeline.
  socket.set_option(tcp::no_delay(true), ignored);
  std::make_shared<Connection>(shared, std::move(socket), peer.address().to_string())->admit();
  accept();
}

void HttpFrontEnd::Impl::run_io() {
  for (;;) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      invr::logger().error("serve: unexpected error on an I/O thread: {}", e.what());
    }
  }
}

HttpFrontEnd::HttpFrontEnd(const ServeSettings& settings, FrontEndHandlers handlers, Metrics& metrics)
    : impl_(std::make_unique<Impl>(settings, std::move(handlers), metrics)) {}

HttpFrontEnd::~HttpFrontEnd() { stop(); }

int HttpFrontEnd::start() {
  Impl& impl = *impl_;
  if (impl.started) throw UsageError("HttpFrontEnd::start: already started");
  const int port = impl.bind();
  impl.started = true;
  impl.work.emplace(impl.io.get_executor());
  impl.accept();
  for (std::int64_t t = 0; t < impl.settings.io_threads; ++t)
    impl.threads.emplace_back([&impl] { impl.run_io(); });
  return port;
}

void HttpFrontEnd::stop() {
  Impl& impl = *impl_;
  if (!impl.started || impl.stopped) return;
  impl.stopped = true;
  // Close the listening socket on its strand and wait for that: new
  // connections are refused from here on.
  std::promise<void> closed;
  asio::post(impl.acceptor.get_executor(), [&] {
    error_code ignored;
    impl.acceptor.close(ignored);
    impl.retry.cancel();
    closed.set_value();
  });
  closed.get_future().wait();
  for (const auto& owner : impl.shared.table.begin_stop()) owner->shed();
  impl.shared.table.wait_until_empty();
  impl.shared.workers.join();
  impl.work.reset();
  impl.io.stop();
  for (std::thread& thread : impl.threads) thread.join();
  impl.threads.clear();
}

}  // namespace invr::serving
