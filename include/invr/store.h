// Candidate store: generations of per-user InvR candidate lists, written by the
// offline job and read by online servers, in RocksDB (a local directory) or
// Redis. docs/store.md has the layouts, the commit protocol and the value codec.
//
// Contract:
//  - A generation is the whole output of one job run: every user's
//    StoredCandidates plus a manifest (a JSON object). A GenerationWriter fills
//    one; commit() makes it the current generation in one atomic step. Until
//    then readers keep seeing the previous generation; a writer that dies or is
//    destroyed uncommitted leaves nothing that readers can see.
//  - Generation ids are 1..64 characters of [A-Za-z0-9._-]; ids are never
//    reused within a store. make_generation_id() gives a time-based one.
//  - Superseded generations are removed grace_seconds after the generation that
//    replaced them was committed (by commit() or remove_expired()). The current
//    generation is never removed.
//  - Writers and readers may live in different processes (the job and the
//    server) and on different hosts (Redis).
//  - Thread-safety: CandidateStore and CandidateReader are safe to use from many
//    threads at once. A GenerationWriter belongs to one thread.
//  - A CandidateReader owns what it needs, so it may outlive its CandidateStore.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "invr/candidates.h"

namespace invr {

struct StoreOptions {
  // How long (seconds) a superseded generation stays readable after the next
  // one was committed, so servers that have not refreshed yet keep working.
  // Default 3600 (one hour); must be >= 0 (0: removed at the next commit).
  double grace_seconds = 3600.0;
  // Redis only: users sent per pipelined round trip. Default 512; >= 1.
  std::size_t batch_users = 512;
  // RocksDB only: encoded bytes a writer sorts in memory before it spills a
  // sorted run to disk; bounds the writer's memory. Default 64 MiB; >= 1.
  std::size_t sort_buffer_bytes = std::size_t{64} << 20;
  // RocksDB only: create the store directory if it does not exist. Servers set
  // false so a mistyped path fails (IoError) instead of serving an empty store.
  // Default true.
  bool create_if_missing = true;
  // Redis only: connect timeout and per-command timeout, milliseconds.
  // Defaults 2000 and 10000; must be >= 1.
  int redis_connect_timeout_ms = 2000;
  int redis_command_timeout_ms = 10000;
  // Redis only: connections kept open for concurrent calls. Default 4; >= 1.
  std::size_t redis_connections = 4;
  // RocksDB only: bytes of the LRU cache of uncompressed blocks that reads
  // use; stores opened with the same size in one process share one cache.
  // Default 256 MiB (what a server wants: random user lookups); 0 = no block
  // cache (each read decompresses its block again).
  std::size_t block_cache_bytes = std::size_t{256} << 20;
};

// One committed generation, as generations() lists it.
struct GenerationInfo {
  std::string id;
  std::int64_t commit_time_ms = 0;  // Unix time of commit, milliseconds

  friend bool operator==(const GenerationInfo&, const GenerationInfo&) = default;
};

// Fills one generation. Single-threaded. Destroying it uncommitted aborts it.
// After put() or commit() threw IoError the writer only accepts abort() or
// destruction; other calls throw UsageError.
class GenerationWriter {
 public:
  virtual ~GenerationWriter() = default;
  virtual const std::string& id() const = 0;
  // Stores one user's lists (batched internally; a later put of the same user
  // replaces the earlier one). IoError when the backend refuses the write
  // (disk full, Redis out of memory or unreachable).
  virtual void put(std::string_view user_id, const StoredCandidates& candidates) = 0;
  // put() calls so far (a user put twice counts twice); the manifest's
  // "stored_users".
  virtual std::size_t users_written() const = 0;
  // Makes this generation current. `manifest_json` must be a JSON object
  // (UsageError otherwise, nothing changes); the store adds "generation",
  // "commit_time" (ISO 8601 UTC), "commit_time_ms" and "stored_users" to it.
  // Then removes expired generations. IoError on failure, and the previous
  // generation stays current. put() and commit() are refused after commit.
  virtual void commit(std::string_view manifest_json) = 0;
  // Removes the partial data (best effort). Called by the destructor when not
  // committed; harmless to call twice.
  virtual void abort() = 0;
  // Takes part `part` of this generation, written by a GenerationPart that
  // has finished (CandidateStore::join_generation): its users count with this
  // writer's and commit() makes them visible with the rest. UsageError when
  // that part has not finished or was added already; IoError when the
  // backend cannot read it.
  virtual void add_part(int part) = 0;
};

// One process's share of a generation that another process's writer began:
// the sharded job's ranks each write their own users, and rank 0's writer
// adds every part and commits once (docs/store.md, "Generations written by
// several processes"). Single-threaded. Nothing a part writes is visible
// before that commit; if the generation is never committed, its parts go
// with it (the next writer removes them).
class GenerationPart {
 public:
  virtual ~GenerationPart() = default;
  // As GenerationWriter::put. A user belongs to one part: the same user in
  // two parts is the caller's mistake (the last one ingested wins).
  virtual void put(std::string_view user_id, const StoredCandidates& candidates) = 0;
  virtual std::size_t users_written() const = 0;
  // Makes the part durable and ready for add_part(); then put() is refused.
  virtual void finish() = 0;
};

// What one CandidateReader::read returns: a user's lists and the generation
// they were read from, both taken from one pin, so they always agree.
struct PinnedCandidates {
  std::optional<std::string> generation;     // nullopt: no generation pinned
  std::optional<StoredCandidates> candidates;  // nullopt: the user has none

  friend bool operator==(const PinnedCandidates&, const PinnedCandidates&) = default;
};

// A server's view: pins one generation; refresh() moves to a newer commit, or
// back to the newest readable one when the current one is lost.
class CandidateReader {
 public:
  virtual ~CandidateReader() = default;
  // The pinned generation; nullopt when the store had none (or none that could
  // be read) at the last refresh.
  virtual std::optional<std::string> generation() const = 0;
  // The user's lists and the generation they come from, from one pin: a
  // refresh that switches meanwhile changes neither (issue 16, item 2). Lists
  // are nullopt if the user has none or no generation is pinned. DataError
  // for a corrupt value, IoError for a backend failure (including a pinned
  // generation whose data is gone: removed after grace, a flushed Redis).
  virtual PinnedCandidates read(std::string_view user_id) const = 0;
  // read(user_id).candidates. Callers that also need the generation call
  // read(): generation() and then get() are two pins.
  std::optional<StoredCandidates> get(std::string_view user_id) const { return read(user_id).candidates; }
  // Re-reads the current generation and pins it if it changed. When the
  // generation to serve (the current one, or the pinned one if the store names
  // none) cannot be read because its data is gone (Redis flushed or restarted
  // without persistence, its keys deleted; a RocksDB generation folder removed
  // or corrupt), the reader pins the newest committed generation that can be
  // read, or none, and unreadable() names the lost one. True if the pinned
  // generation changed. On failure (store unreachable) throws and keeps the
  // old pin.
  virtual bool refresh() = 0;
  // The generation the last refresh() found unreadable; nullopt once a
  // readable current generation is pinned again. It stays set while the store
  // names nothing readable (a flushed Redis) until a new commit.
  virtual std::optional<std::string> unreadable() const = 0;
};

class CandidateStore {
 public:
  virtual ~CandidateStore() = default;
  // The URI the store was opened with.
  virtual const std::string& uri() const = 0;

  // Starts a new generation. UsageError for an invalid id or one already
  // committed; IoError when the store cannot be written (RocksDB: also when
  // another writer holds the store's lock).
  virtual std::unique_ptr<GenerationWriter> begin_generation(std::string_view id) = 0;
  // Part `part` (1..9999; 0 is the beginning writer's own puts) of
  // generation `id`, begun by a live writer elsewhere and not committed.
  // UsageError when no writer has begun `id`, or for a bad part number.
  virtual std::unique_ptr<GenerationPart> join_generation(std::string_view id, int part) = 0;

  // Committed generations still kept, oldest commit first.
  virtual std::vector<GenerationInfo> generations() const = 0;
  // The generation readers are served; nullopt before the first commit.
  virtual std::optional<std::string> current() const = 0;
  // The committed manifest (JSON object text). UsageError for an unknown id.
  virtual std::string manifest(std::string_view generation) const = 0;

  // One user's lists in a committed generation; nullopt if the user has none.
  // UsageError for an unknown generation; DataError for a corrupt value.
  virtual std::optional<StoredCandidates> get(std::string_view generation,
                                              std::string_view user_id) const = 0;

  // A reader pinned to the current generation (or, when that cannot be read,
  // the newest one that can: CandidateReader::refresh).
  virtual std::unique_ptr<CandidateReader> reader() const = 0;

  // Serves the previous generation again: makes the newest committed
  // generation older than the current one that can still be read current, in
  // one atomic step (RocksDB: the CURRENT rename; Redis: one transaction), and
  // returns its id. Nothing is deleted: the generation rolled back from stays
  // listed and expires like any superseded one, and a later commit becomes
  // current as usual. UsageError when there is no current generation or no
  // readable older one; IoError when the store cannot be written or
  // (RocksDB) a writer holds the store's lock, or (Redis) the current
  // generation changed meanwhile. Readers see it at their next refresh().
  virtual std::string rollback() = 0;

  // Removes generations whose grace has passed and leftovers of dead writers.
  // Returns the ids of removed committed generations. RocksDB: does nothing
  // while a writer is active (its commit removes them).
  virtual std::vector<std::string> remove_expired() = 0;
};

// Opens a store:
//   "rocksdb:PATH" or a plain PATH            → RocksDB directory
//   "redis://HOST:PORT[/DB][?prefix=NAME]"    → Redis (default db 0, prefix "invr")
// UsageError for a malformed URI, and for a bare "none" (it reads as "no
// store"; rocksdb:none is the directory); IoError naming the URI and the reason when
// the directory cannot be created or opened, or Redis cannot be reached.
std::unique_ptr<CandidateStore> open_store(std::string_view uri, const StoreOptions& options = {});

// True if `id` is a valid generation id (see Contract).
bool valid_generation_id(std::string_view id);
// A fresh id from the UTC clock, e.g. "20241127T144512.123Z"; sorts by time.
std::string make_generation_id();

}  // namespace invr
