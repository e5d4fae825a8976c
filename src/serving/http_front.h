// The HTTP/1.1 front end of `invr serve`: an event-driven server on
// Boost.Beast and Asio (docs/serving_http.md, "Connections and slow
// clients", and "Why Boost.Beast" for the measured reason).
//
//  - io_threads run every connection's accept, reads and writes
//    asynchronously: an open connection, idle or trickling, holds no thread.
//  - A request is read whole before a handler sees it: its headers and body
//    within request_timeout_seconds of its first byte (a slow sender is cut
//    there), headers up to max_header_bytes (else 431), a Content-Length over
//    max_body_bytes answered 413 before any body is read, a malformed,
//    negative or overflowing Content-Length 400 at once, a chunked body
//    counted as it arrives. Each of these answers closes the connection.
//  - Handlers run on a pool of http_threads workers, so a handler blocked on
//    the store never stops reads or other handlers' writes.
//  - Connections are capped in total and per peer address, idle ones shed
//    first (http_connections.h); a refused connection is reset at once.
//    Refusals, sheds, deadline cuts and the open count are in Metrics.
//  - A refusal answered without reading the body (refuse() below, a 413)
//    says Connection: close and closes: the unread body must not be taken
//    for the next request.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "invr/server.h"
#include "serving/http_message.h"
#include "serving/prom_metrics.h"

namespace invr::serving {

struct FrontEndHandlers {
  // On an I/O thread once a request's headers are read, before its body:
  // answers a request its headers alone refuse (unknown path, wrong method,
  // bad query) and returns true. Cheap; must not throw.
  std::function<bool(const HttpRequest&, HttpResponse&)> refuse;
  // On a worker, with the whole body read. Must not throw.
  std::function<void(const HttpRequest&, HttpResponse&)> handle;
  // On an I/O thread once the response is written (or its write failed):
  // `body_bytes` written, `seconds` from the headers read (0 for a request
  // refused before they were complete).
  std::function<void(const HttpRequest&, const HttpResponse&, std::size_t body_bytes, double seconds)>
      log;
};

class HttpFrontEnd {
 public:
  // Reads host, port and the connection settings from `settings`; `metrics`
  // must outlive the front end.
  HttpFrontEnd(const ServeSettings& settings, FrontEndHandlers handlers, Metrics& metrics);
  ~HttpFrontEnd();  // stop()
  HttpFrontEnd(const HttpFrontEnd&) = delete;
  HttpFrontEnd& operator=(const HttpFrontEnd&) = delete;

  // Binds host:port (port 0: any free port), starts the I/O threads and the
  // workers and accepts; returns the bound port. IoError if binding fails.
  int start();
  // Closes the listening socket (new connections are refused by the OS),
  // closes idle connections and those still sending a request, waits for
  // requests in a handler to be answered, then joins every thread.
  // Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace invr::serving
