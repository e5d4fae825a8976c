// The request and response the HTTP handlers see, independent of the
// transport (src/serving/http_front.cc reads and writes them over Boost.Beast).
// Plain values: the front end fills an HttpRequest with the whole body
// already read (and bounded by max_body_bytes), a handler fills an
// HttpResponse, and the front end writes it.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>
#include <vector>

namespace invr::serving {

struct HttpHeader {
  std::string name;
  std::string value;
};

// Header names compare case-insensitively (RFC 9110, section 5.1).
inline bool header_name_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// The first header called `name`, or nullptr.
inline const std::string* find_header(const std::vector<HttpHeader>& headers, std::string_view name) {
  for (const HttpHeader& header : headers)
    if (header_name_equals(header.name, name)) return &header.value;
  return nullptr;
}

struct HttpRequest {
  std::string method;       // "GET", "POST", ... as sent
  std::string target;       // the raw request target: "/v1/recommend?user=u1"
  std::string path;         // target up to the '?', not decoded
  std::string remote_addr;  // the peer's IP address
  std::vector<HttpHeader> headers;
  std::string body;  // whole (chunked bodies de-chunked); empty before it is read

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
};

struct HttpResponse {
  int status = 200;
  std::string body;
  // Besides these the front end writes Content-Length and, when the
  // connection will close, Connection: close.
  std::vector<HttpHeader> headers;

  const std::string* header(std::string_view name) const { return find_header(headers, name); }
  // Replaces a header of that name, or adds it.
  void set_header(std::string_view name, std::string value) {
    for (HttpHeader& header : headers)
      if (header_name_equals(header.name, name)) {
        header.value = std::move(value);
        return;
      }
    headers.push_back({std::string(name), std::move(value)});
  }
};

}  // namespace invr::serving
