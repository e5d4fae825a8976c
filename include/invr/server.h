// The online recommendation service: HTTP/1.1 + JSON around the slate library
// (slate.h, arms.h), the candidate store (store.h) and, optionally, an
// embedded job scheduler (job.h). docs/serving_http.md has the endpoints, the
// config keys, the metrics and the served -> logged -> next job loop.
//
//   GET  /v1/recommend?user=ID[&n=20][&arm=NAME]   the slate, as JSON
//   POST /v1/insert, GET /v1/candidates, batch forms the insertion API
//   POST /v1/events                                 JSON lines -> event log
//   POST /v1/items                                  new items -> catalog, item log
//   GET  /healthz, GET /metrics                     operations
//
// Contract:
//  - The constructor loads the dataset (users, their seen items, the item
//    catalog) and the model (every user and item embedded once) into one
//    immutable snapshot, opens the candidate store, the event log and the
//    item log, and replays both logs (posted items and clicks stay in effect
//    across restarts). Each request reads the snapshot it took at its start.
//    While serving (docs/serving_http.md, "Live state"): posted clicks count
//    at the user's next request; posted items are served by main retrieval
//    at once (a new snapshot); a background thread refreshes the store reader
//    every refresh_seconds (and the optional embedded scheduler runs the job
//    every job_interval_seconds, then refreshes), and a refresh that pins a
//    generation made by another model swaps that model in first. A request
//    pins the generation it started on, so a switch never fails or mixes
//    generations within one slate.
//  - Connections are served by an event-driven front end (Boost.Beast on
//    Asio, io_threads threads) that reads a request whole, within deadlines and
//    size limits, before a handler sees it; handlers run on a pool of
//    http_threads workers, and each request's work is const on the shared
//    state (SlateAssembler is thread-safe). Open connections are capped in
//    total and per peer address (docs/serving_http.md, "Connections and slow
//    clients").
//  - Errors never crash the process: bad requests get 400/404/405/413/431 with a
//    JSON body {"error": ...}; a store or event-log failure gets 503 with the
//    reason. Startup errors (bad config, unreadable data or model, store
//    unreachable) throw from the constructor or start().
//  - Settings are declared once (serve_setting_specs(), slate_param_specs(),
//    the [experiment] reader); the TOML file, `invr serve` flags and the docs
//    follow them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "invr/arms.h"
#include "invr/job.h"
#include "invr/settings.h"
#include "invr/slate.h"

namespace invr {

// The [serve] table of invr.toml. Bounds and help: serve_setting_specs().
struct ServeSettings {
  // Listening. Loopback by default: put a proxy in front to expose it.
  std::string host = "127.0.0.1";
  std::int64_t port = 8080;  // 0 = any free port (Server::port() tells which)
  // Threads. io_threads do every connection's network I/O (accept, read,
  // write) asynchronously, so an open connection holds no thread; the
  // handlers run on http_threads workers, where a Redis read may block one
  // for up to store_timeout_ms without stopping reads.
  std::int64_t io_threads = 1;
  std::int64_t http_threads = 16;
  // Deadlines. A request's headers and body must all arrive within
  // request_timeout_seconds of its first byte, however steadily they trickle
  // in (a slowloris is cut there); a response must be written within
  // write_timeout_seconds; a connection waiting for a request's first byte
  // (a new one, or kept alive between requests) closes after
  // keep_alive_seconds.
  double request_timeout_seconds = 5;
  double write_timeout_seconds = 5;
  std::int64_t keep_alive_seconds = 2;
  std::int64_t keep_alive_requests = 1000;
  // Sizes. A Content-Length over max_body_bytes is a 413 before any body is
  // read (a chunked body is counted as it arrives); a request line and
  // headers over max_header_bytes are a 431.
  std::int64_t max_body_bytes = 1 << 20;
  std::int64_t max_header_bytes = 16384;
  // Connection caps. At a cap the oldest idle keep-alive connection (of that
  // peer, for the per-peer cap) is closed to make room, else the new
  // connection is closed at once; both are counted in /metrics. Loopback is a
  // peer like any other: a local proxy or load generator needs a larger
  // max_connections_per_peer.
  std::int64_t max_connections = 1024;
  std::int64_t max_connections_per_peer = 256;

  // What is served.
  std::string data;  // atomic dataset folder (users, seen items, item catalog)
  std::string name;  // dataset name in it; empty = the single NAME.inter
  std::string producer_column = "producer_id";
  std::string model;  // model directory (any kind TwoTowerModel::load reads)
  std::string store;  // candidate store URI; empty = [job] store; both empty = no InvR
  std::string retrieval = "exact";  // SlateAssembler retrieval spec ("exact", "hnsw32", ...)
  std::int64_t default_n = 20;      // slate length when the request has no n
  // Request time: 0 = the wall clock; -1 = the dataset's last timestamp (for
  // replaying historical data); any other value = that fixed Unix time.
  double now = 0;

  // Candidate freshness.
  double refresh_seconds = 5;           // store reader refresh period; 0 = never
  std::int64_t store_timeout_ms = 500;  // Redis connect and command timeout
  bool embedded_job = false;            // run the job in-process every job_interval_seconds
  double job_interval_seconds = 3600;
  // A refresh that pins a generation whose manifest names another model
  // (model.version, "DIR@HASH") first loads DIR and swaps it in with the
  // catalog and every embedding, while requests continue.
  bool follow_model = true;

  // Logs.
  std::string event_log;  // .inter file POST /v1/events appends to; empty = 503
  // 0 = fsync before answering each POST; otherwise a background fsync at
  // most this many seconds after an append (a crash of the process loses
  // nothing either way; a power loss loses at most this window).
  double event_fsync_seconds = 1;
  // Atomic .item file POST /v1/items appends to (event_fsync_seconds applies
  // too); read back at start. Empty = 503.
  std::string item_log;
  std::string access_log;  // one JSON line per request: "" = stderr, "off", or a file
};

// One declared setting (invr/settings.h): name (snake_case; the CLI flag is
// --kebab-case), help, inclusive bounds for numbers, choices for strings
// ("a|b|c", or nullptr for free text), and the member it sets.
using ServeSettingSpec = Setting<ServeSettings>;
std::span<const ServeSettingSpec> serve_setting_specs();

// Everything `invr serve` is configured with: one invr.toml holds it all.
struct ServerConfig {
  ServeSettings serve;
  // [slate]. Retrieval runs one request per HTTP thread, so threads
  // defaults to 1 here (SlateParams' 0 would fan every request out to all cores).
  SlateParams slate = [] {
    SlateParams params;
    params.threads = 1;
    return params;
  }();
  // [experiment]: salt and [[experiment.arms]]; default_experiment() if absent.
  Experiment experiment = default_experiment();
  // [selection] [retrieval] [inversion] [job]: what the embedded scheduler
  // runs; [job] store is also the store served when [serve] store is empty.
  JobConfig job;
  std::string config_file;  // the file read, for the record
};

// Reads [serve], [slate] and [experiment] (and, through read_job_config, the
// job's tables) of a TOML file into `config`; keys not given keep their value.
// [[experiment.arms]] entries replace the default arms: name and ordering
// ("control", "random", "score", "user_rank") are required, slots default to
// [3, 8] ([] for control), weight to 1. An unknown table or key, a wrong type
// or a value out of bounds is a DataError naming the file, line and column.
void read_server_config(const std::filesystem::path& path, ServerConfig& config);
// UsageError naming the flag or arm for a value out of bounds or an
// inconsistent combination (default_n > max_n, embedded_job without a store).
void validate(const ServerConfig& config);
// [serve], [slate] and [experiment] as TOML, every key with its help.
std::string server_config_toml(const ServerConfig& config);

class Server {
 public:
  // Validates the config, loads data and model, embeds every user and item,
  // builds the slate assembler, opens the store (pinning its current
  // generation) and the event log. UsageError, IoError or DataError on failure.
  explicit Server(const ServerConfig& config);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds host:port, starts the I/O threads, the HTTP workers, the refresher
  // and the scheduler, and returns once connections are accepted. IoError if
  // binding fails.
  void start();
  // Graceful: stops accepting, closes idle connections and those still
  // sending a request, lets requests already in a handler finish and their
  // responses be written, stops the background threads, fsyncs the event
  // log. Idempotent.
  void stop();
  // Blocks until the server has stopped (after stop() from another thread).
  void wait();
  // The bound port (meaningful after start()).
  int port() const;

  // Re-reads the store's current generation now; true if it changed.
  // Throws what the store throws.
  bool refresh();
  // The pinned generation; nullopt when there is no store or no generation.
  std::optional<std::string> generation() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace invr
