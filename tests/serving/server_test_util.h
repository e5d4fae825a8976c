// Helpers for the server tests: the hand-made "tiny" world, a precomputed
// model writer, a store generation writer and a small HTTP client.
//
// The tiny world (tests/testdata/serving/tiny.{inter,item}), served at the
// fixed time kTinyNow with freshness_weight 0, so slates are hand-computable:
//
//   items i1..i12, producers p1 p2 p3 p1 p2 p3 ..., all published 1-12 h
//   before kTinyNow (inside the 72 h fallback window).
//   item embeddings (x, 0): i1 1.0, i2 .9, i3 .8, i4 .7, i5 .6, i6 .5, i7 .4,
//   i8 .3, i9 .2, i10 .1, i11 -.4, i12 -.5.
//   users: u0 clicked i1; u1 clicked i2 (and saw an impression of i3, which
//   is not "seen"); u2 only impressions (history-less); u3 u4 u5 clicked i7
//   and i5 -> popularity i7 3, i5 2, i1 1, i2 1, others 0.
//   user embeddings: u0, u1 (1, 0); the others (0, 1).
//   Default arms (salt "invr", docs/serving.md reference table): u0 ->
//   invr-user-rank, u1 -> invr-score.
//   Generation g1: u1 random [i10, i12], score [i11, i12], user_rank
//   [i1, i12, i2, i11]; u0 user_rank [i12, i11]; u2 user_rank [i12].
#pragma once

#include <httplib.h>

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "invr/model.h"
#include "invr/server.h"
#include "invr/store.h"
#include "test_util.h"

namespace invr::test {

inline constexpr double kTinyNow = 1700000000;

// A "precomputed" model directory (docs/model.md).
inline void write_precomputed_model(const std::filesystem::path& dir, const Matrix& items,
                                    const IdMap& item_ids, const Matrix& users,
                                    const IdMap& user_ids) {
  std::filesystem::create_directories(dir);
  write_embeddings(dir / "item_embeddings.npy", items, item_ids);
  write_embeddings(dir / "user_embeddings.npy", users, user_ids);
  write_file(dir / "manifest.json",
             fmt::format(R"({{"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": {}}})",
                         items.cols));
}

inline void write_tiny_model(const std::filesystem::path& dir) {
  const float xs[] = {1.0f, 0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f, -0.4f, -0.5f};
  Matrix items(12, 2);
  IdMap item_ids;
  for (std::size_t i = 0; i < 12; ++i) {
    items.row(i)[0] = xs[i];
    item_ids.add(fmt::format("i{}", i + 1));
  }
  Matrix users(6, 2);
  IdMap user_ids;
  for (std::size_t u = 0; u < 6; ++u) {
    users.row(u)[u < 2 ? 0 : 1] = 1.0f;
    user_ids.add(fmt::format("u{}", u));
  }
  write_precomputed_model(dir, items, item_ids, users, user_ids);
}

// {item, score, user_rank} triples per ordering: random, score, user_rank.
using CandidateRows = std::vector<StoredCandidate>;
inline StoredCandidates candidates(CandidateRows random, CandidateRows score, CandidateRows user_rank) {
  StoredCandidates out;
  out.by_ordering[static_cast<std::size_t>(Ordering::random)] = std::move(random);
  out.by_ordering[static_cast<std::size_t>(Ordering::score)] = std::move(score);
  out.by_ordering[static_cast<std::size_t>(Ordering::user_rank)] = std::move(user_rank);
  return out;
}

inline void commit_generation(CandidateStore& store, const std::string& id,
                              const std::map<std::string, StoredCandidates>& users) {
  auto writer = store.begin_generation(id);
  for (const auto& [user, lists] : users) writer->put(user, lists);
  writer->commit("{}");
}

inline std::map<std::string, StoredCandidates> tiny_generation_g1() {
  return {
      {"u1", candidates({{"i10", 0.125f, 2}, {"i12", 0.25f, 1}},
                        {{"i11", 0.5f, 3}, {"i12", 0.25f, 1}},
                        {{"i1", 0.75f, 1}, {"i12", 0.25f, 1}, {"i2", 0.5f, 2}, {"i11", 0.5f, 3}})},
      {"u0", candidates({}, {}, {{"i12", 0.25f, 1}, {"i11", 0.5f, 2}})},
      {"u2", candidates({}, {}, {{"i12", 0.25f, 1}})},
  };
}

// The tiny world on disk (model, RocksDB store with generation g1, event log
// folder) and a config serving it on an ephemeral loopback port.
struct TinyServing {
  TempDir dir;
  ServerConfig config;

  TinyServing() {
    write_tiny_model(dir / "model");
    auto store = open_store("rocksdb:" + (dir / "store").string());
    commit_generation(*store, "g1", tiny_generation_g1());
    std::filesystem::create_directories(dir / "events");
    config.serve.data = (testdata_dir() / "serving").string();
    config.serve.name = "tiny";
    config.serve.model = (dir / "model").string();
    config.serve.store = "rocksdb:" + (dir / "store").string();
    config.serve.port = 0;
    config.serve.http_threads = 4;
    config.serve.now = kTinyNow;
    config.serve.refresh_seconds = 0;
    config.serve.access_log = "off";
    config.serve.event_log = (dir / "events" / "events.inter").string();
    config.slate.freshness_weight = 0;
  }
};

struct Reply {
  int status = 0;  // 0 = no response (connection failed)
  std::string body;
  nlohmann::json json;  // parsed body when it is JSON
  httplib::Headers headers;
};

inline Reply to_reply(const httplib::Result& result) {
  Reply reply;
  if (!result) return reply;
  reply.status = result->status;
  reply.body = result->body;
  reply.headers = result->headers;
  reply.json = nlohmann::json::parse(reply.body, nullptr, false);
  return reply;
}

inline Reply http_get(int port, const std::string& target) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  return to_reply(client.Get(target));
}

// The target sent byte for byte: httplib's client would otherwise encode a
// raw '+' (as %2B), spaces and non-ASCII bytes.
inline Reply http_get_verbatim(int port, const std::string& target) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  client.set_url_encode(false);
  return to_reply(client.Get(target));
}

inline Reply http_post(int port, const std::string& target, const std::string& body,
                       const std::string& content_type = "application/x-ndjson") {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);
  return to_reply(client.Post(target, body, content_type));
}

// Slate item ids and sources ("m", "p", "i" per item) of a recommend reply.
inline std::vector<std::string> slate_ids(const nlohmann::json& reply) {
  std::vector<std::string> ids;
  for (const auto& item : reply.at("items")) ids.push_back(item.at("id"));
  return ids;
}
inline std::string slate_sources(const nlohmann::json& reply) {
  std::string out;
  for (const auto& item : reply.at("items")) out += item.at("source").get<std::string>()[0];
  return out;
}

}  // namespace invr::test
