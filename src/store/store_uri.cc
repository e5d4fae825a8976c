#include "store/store_uri.h"

#include <charconv>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "invr/error.h"

namespace invr::store {
namespace {

[[noreturn]] void bad_uri(std::string_view uri, std::string_view expected) {
  throw UsageError(fmt::format("store URI \"{}\": {}", excerpt(uri), expected));
}

int parse_int(std::string_view uri, std::string_view text, int low, int high, const char* what) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    bad_uri(uri, fmt::format("expected {} to be an integer in [{}, {}], got \"{}\"", what, low, high, excerpt(text)));
  }
  return value;
}

RedisLocation parse_redis(std::string_view uri, std::string_view rest) {
  RedisLocation location;
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  std::string_view authority = rest;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    authority = rest.substr(0, slash);
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) location.db = parse_int(uri, db, 0, 1 << 20, "the database number");
  }
  if (authority.find('@') != std::string_view::npos) bad_uri(uri, "credentials in the URI are not supported");
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) bad_uri(uri, "expected ']' after an IPv6 host");
    location.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') bad_uri(uri, "expected ':PORT' after ']'");
      port = after.substr(1);
      if (port.empty()) bad_uri(uri, "expected a port after ':'");
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    location.host = std::string(authority.substr(0, colon));
    port = authority.substr(colon + 1);
    if (port.empty()) bad_uri(uri, "expected a port after ':'");
  } else {
    location.host = std::string(authority);
  }
  if (location.host.empty()) bad_uri(uri, "expected redis://HOST:PORT[/DB][?prefix=NAME]");
  if (!port.empty()) location.port = parse_int(uri, port, 1, 65535, "the port");
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    if (key != "prefix" || eq == std::string_view::npos) {
      bad_uri(uri, fmt::format("unknown query parameter \"{}\" (expected prefix=NAME)", excerpt(pair)));
    }
    const std::string_view prefix = pair.substr(eq + 1);
    if (!valid_redis_prefix(prefix)) {
      bad_uri(uri, fmt::format("invalid prefix \"{}\": expected 1 to 64 characters of A-Z a-z 0-9 . _ : -", excerpt(prefix)));
    }
    location.prefix = std::string(prefix);
  }
  return location;
}

}  // namespace

bool valid_redis_prefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 64) return false;
  for (char c : prefix) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

StoreLocation parse_store_uri(std::string_view uri) {
  if (uri.empty()) bad_uri(uri, "empty; expected rocksdb:PATH, a directory path or redis://HOST:PORT");
  // "none" reads as "no store" but would be a RocksDB directory ./none: the
  // way to have no store is an empty setting ([serve]; a job needs one).
  if (uri == "none")
    bad_uri(uri, "not a store; leave the store empty for none (invr serve only: invr job needs "
                 "one), or write rocksdb:none for a directory called none");
  if (uri.starts_with("redis://")) return parse_redis(uri, uri.substr(8));
  if (uri.starts_with("rocksdb:")) {
    std::string_view path = uri.substr(8);
    if (path.starts_with("//")) path.remove_prefix(2);  // rocksdb:///abs/path, URL style
    if (path.empty()) bad_uri(uri, "expected a directory path after \"rocksdb:\"");
    return RocksDbLocation{std::filesystem::path(path)};
  }
  if (const auto scheme = uri.find("://"); scheme != std::string_view::npos) {
    bad_uri(uri, fmt::format("unknown scheme \"{}\" (expected rocksdb: or redis://)", excerpt(uri.substr(0, scheme))));
  }
  return RocksDbLocation{std::filesystem::path(uri)};
}

}  // namespace invr::store
