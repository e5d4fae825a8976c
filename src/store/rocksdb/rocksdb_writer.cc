#include "store/rocksdb/rocksdb_writer.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <rocksdb/db.h>

#include "common/durable_file.h"
#include "invr/atomic_file.h"
#include "invr/error.h"
#include "invr/log.h"
#include "store/generation_rules.h"
#include "store/rocksdb/sst_builder.h"
#include "store/value_codec.h"
#include "store/writer_state.h"

namespace invr::store {
namespace fs = std::filesystem;

namespace {

class RocksDbWriter final : public GenerationWriter {
 public:
  RocksDbWriter(std::string uri, RocksDbPaths paths, StoreOptions options, std::string id, WriterLock lock)
      : uri_(std::move(uri)),
        paths_(std::move(paths)),
        options_(options),
        id_(std::move(id)),
        lock_(std::move(lock)),
        builder_(paths_.runs(id_), options_.sort_buffer_bytes, generation_options(),
                 fmt::format("{} generation {}", uri_, id_)) {}

  ~RocksDbWriter() override {
    try {
      abort();
    } catch (const std::exception& e) {
      invr::logger().warn("{}: aborting generation {}: {}", uri_, id_, e.what());
    }
  }

  const std::string& id() const override { return id_; }
  std::size_t users_written() const override { return users_written_; }

  void add_part(int part) override {
    state_.require_open(uri_, id_, "add_part");
    if (std::find(parts_.begin(), parts_.end(), part) != parts_.end())
      throw UsageError(fmt::format("{}: part {} of generation {} was added already", uri_, part, id_));
    auto [files, users] = read_rocksdb_part(uri_, paths_, id_, part);
    part_files_.insert(part_files_.end(), files.begin(), files.end());
    users_written_ += users;
    parts_.push_back(part);
  }

  void put(std::string_view user_id, const StoredCandidates& candidates) override {
    state_.require_open(uri_, id_, "put");
    state_.failing_closes([&] { builder_.add(std::string(user_id), encode_candidates(candidates)); });
    ++users_written_;
  }

  void commit(std::string_view manifest_json) override {
    state_.require_open(uri_, id_, "commit");
    check_manifest(uri_, id_, manifest_json);
    state_.failing_closes([&] { commit_checked(manifest_json); });
    lock_.reset();
  }

  void commit_checked(std::string_view manifest_json) {
    try {
      std::vector<std::string> files = builder_.finish();
      files.insert(files.end(), part_files_.begin(), part_files_.end());
      build_database(files);
      fs::remove_all(paths_.runs(id_));
      fs::remove_all(paths_.generation(id_) / "parts");
      StoreState state = read_state(paths_);
      // Commit times never go backwards, so CURRENT stays in commit order even
      // if the wall clock steps back.
      std::int64_t now = unix_time_ms();
      if (!state.committed.empty()) now = std::max(now, state.committed.back().commit_time_ms);
      write_text_atomically(paths_.manifest(id_), stamp_manifest(manifest_json, id_, now, users_written_));
      sync_directory(paths_.generation(id_));  // throws: the generation must be durable before CURRENT names it
      state.committed.push_back({id_, now});
      state.current = id_;
      const auto removed = expired_generations(state.committed, id_, now, options_.grace_seconds);
      std::erase_if(state.committed, [&](const GenerationInfo& g) {
        return std::find(removed.begin(), removed.end(), g.id) != removed.end();
      });
      write_state(paths_, state);  // the commit point
      state_.committed = true;
      remove_unlisted_generations(paths_, state);
      invr::logger().info("{}: committed generation {} ({} users); removed {} expired", uri_, id_, users_written_,
                          removed.size());
    } catch (const fs::filesystem_error& e) {
      throw IoError(fmt::format("{}: cannot commit generation {}: {}", uri_, id_, e.what()));
    }
  }

  void abort() override {
    if (state_.committed || state_.aborted) return;
    state_.aborted = true;
    std::error_code ec;
    fs::remove_all(paths_.generation(id_), ec);
    if (ec) invr::logger().warn("{}: cannot remove aborted generation {}: {}", uri_, id_, ec.message());
    lock_.reset();
  }

 private:

  void check(const rocksdb::Status& status, const char* action) const {
    if (!status.ok()) {
      throw IoError(fmt::format("{}: cannot {} generation {}: {}", uri_, action, id_, status.ToString()));
    }
  }

  void build_database(const std::vector<std::string>& files) {
    rocksdb::Options options = generation_options();
    options.create_if_missing = true;
    options.error_if_exists = true;
    rocksdb::DB* raw = nullptr;
    check(rocksdb::DB::Open(options, paths_.db(id_).string(), &raw), "create the database of");
    std::unique_ptr<rocksdb::DB> db(raw);
    if (!files.empty()) {
      rocksdb::IngestExternalFileOptions ingest;
      ingest.move_files = true;  // hard links: no copy of the data
      check(db->IngestExternalFile(files, ingest), "ingest the sorted files of");
    }
    check(db->Close(), "close the database of");
    sync_directory(paths_.db(id_));
  }

  std::string uri_;
  RocksDbPaths paths_;
  StoreOptions options_;
  std::string id_;
  std::optional<WriterLock> lock_;
  SstBuilder builder_;
  std::vector<std::string> part_files_;  // added parts' sorted files
  std::vector<int> parts_;
  std::size_t users_written_ = 0;
  WriterState state_;
};

}  // namespace

std::unique_ptr<GenerationWriter> begin_rocksdb_generation(const std::string& uri, const RocksDbPaths& paths,
                                                           const StoreOptions& options, std::string_view id) {
  check_generation_id(uri, id);
  std::optional<WriterLock> lock = WriterLock::try_acquire(paths, uri);
  if (!lock) {
    throw IoError(fmt::format("{}: another writer is active (it holds {}); a store takes one writer at a time",
                              uri, paths.lock_file().string()));
  }
  StoreState state = read_state(paths);
  if (state.contains(id)) throw UsageError(fmt::format("{}: generation {} is already committed", uri, id));
  std::error_code ec;
  fs::create_directories(paths.generations(), ec);
  if (!ec) remove_unlisted_generations(paths, state);  // dead writers' leftovers
  if (!ec) fs::create_directories(paths.runs(id), ec);
  if (ec) {
    throw IoError(fmt::format("{}: cannot create generation {} in {}: {}", uri, id, paths.generations().string(),
                              ec.message()));
  }
  return std::make_unique<RocksDbWriter>(uri, paths, options, std::string(id), std::move(*lock));
}

std::vector<std::string> remove_expired_locked(const RocksDbPaths& paths, StoreState& state, double grace_seconds,
                                               std::int64_t now_ms) {
  std::vector<std::string> removed;
  if (state.current) removed = expired_generations(state.committed, *state.current, now_ms, grace_seconds);
  if (!removed.empty()) {
    std::erase_if(state.committed, [&](const GenerationInfo& g) {
      return std::find(removed.begin(), removed.end(), g.id) != removed.end();
    });
    write_state(paths, state);  // unlisted first, so a crash here only leaves garbage
  }
  remove_unlisted_generations(paths, state);
  return removed;
}

}  // namespace invr::store
