#include "store/rocksdb/rocksdb_store.h"

#include <algorithm>
#include <map>
#include <mutex>

#include <fmt/format.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>

#include "invr/error.h"
#include "invr/log.h"
#include "invr/read_file.h"
#include "store/generation_rules.h"
#include "store/read_hook.h"
#include "store/rocksdb/rocksdb_layout.h"
#include "store/rocksdb/rocksdb_writer.h"
#include "store/value_codec.h"

namespace invr::store {
namespace fs = std::filesystem;

namespace {

// Readers must not write into a generation folder (many server processes,
// possibly a read-only mount), so RocksDB's info LOG goes nowhere.
class NullLogger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

// Uncompressed blocks of the generations a process has open: a generation is
// read by random user lookups, and each block-cache miss costs a read plus a
// decompression. Stores opened with the same StoreOptions::block_cache_bytes
// share one cache, so readers and refreshes do not multiply it; it lives
// while a generation using it is open.
std::shared_ptr<rocksdb::Cache> reader_block_cache(std::size_t bytes) {
  static std::mutex mutex;
  static std::map<std::size_t, std::weak_ptr<rocksdb::Cache>> caches;
  std::lock_guard lock(mutex);
  std::shared_ptr<rocksdb::Cache> cache = caches[bytes].lock();
  if (!cache) {
    cache = rocksdb::NewLRUCache(bytes);
    caches[bytes] = cache;
  }
  return cache;
}

// One committed generation opened read-only; immutable, shared by readers.
class OpenGeneration {
 public:
  OpenGeneration(const std::string& uri, const RocksDbPaths& paths, std::string id,
                 std::size_t block_cache_bytes)
      : id_(std::move(id)) {
    rocksdb::Options options = generation_options();
    // Tables are immutable once committed, so they are memory-mapped: a
    // lookup that misses the block cache costs no read() system call, which
    // is expensive on virtual machines.
    options.allow_mmap_reads = true;
    rocksdb::BlockBasedTableOptions table;
    if (const auto* current = options.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>())
      table = *current;
    if (block_cache_bytes > 0) {
      table.block_cache = reader_block_cache(block_cache_bytes);
    } else {
      table.no_block_cache = true;  // every lookup reads (mmap) and decompresses
      table.block_cache = nullptr;
    }
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // Every table file is opened now, so a later removal of the folder (after
    // grace) cannot break this reader: open descriptors keep the data alive.
    options.max_open_files = -1;
    options.info_log = std::make_shared<NullLogger>();
    rocksdb::DB* raw = nullptr;
    const rocksdb::Status status = rocksdb::DB::OpenForReadOnly(options, paths.db(id_).string(), &raw);
    if (!status.ok()) {
      throw IoError(fmt::format("{}: cannot open generation {}: {}", uri, id_, status.ToString()));
    }
    db_.reset(raw);
    where_prefix_ = fmt::format("{} generation {} user ", uri, id_);
  }

  const std::string& id() const { return id_; }

  std::optional<StoredCandidates> get(std::string_view user_id) const {
    std::string value;
    const rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(user_id.data(), user_id.size()),
                                            &value);
    if (status.IsNotFound()) return std::nullopt;
    if (!status.ok()) {
      throw IoError(fmt::format("{}{}: cannot read: {}", where_prefix_, user_id, status.ToString()));
    }
    return decode_candidates(value, where_prefix_ + std::string(user_id));
  }

 private:
  std::string id_;
  std::string where_prefix_;
  std::unique_ptr<rocksdb::DB> db_;
};

using Pin = std::shared_ptr<const OpenGeneration>;

class RocksDbReader final : public CandidateReader {
 public:
  RocksDbReader(std::string uri, RocksDbPaths paths, std::size_t block_cache_bytes, ReadHookRunner run_read_hook)
      : uri_(std::move(uri)),
        paths_(std::move(paths)),
        block_cache_bytes_(block_cache_bytes),
        run_read_hook_(run_read_hook) {}

  std::optional<std::string> generation() const override {
    const Pin pin = pinned();
    if (!pin) return std::nullopt;
    return pin->id();
  }

  PinnedCandidates read(std::string_view user_id) const override {
    run_read_hook_(ReadPoint::before_pin, {});
    const Pin pin = pinned();  // the copy keeps this generation open for the whole read
    if (!pin) return {};
    run_read_hook_(ReadPoint::after_pin, pin->id());
    return {pin->id(), pin->get(user_id)};
  }

  bool refresh() override {
    std::lock_guard refreshing(refresh_mutex_);  // one open at a time; reads never wait on it
    const Pin old = pinned();
    Pin fresh;
    std::optional<std::string> lost;
    // If the generation CURRENT names vanished between reading CURRENT and
    // opening it (a commit with grace 0 in another process removed it),
    // CURRENT has changed: read it again, up to three times.
    for (int attempt = 0;; ++attempt) {
      const StoreState state = read_state(paths_);
      // With no current generation named (CURRENT removed), the pin is what to serve.
      const std::optional<std::string> target = state.current ? state.current
                                                : old ? std::optional<std::string>(old->id())
                                                      : std::nullopt;
      if (!target) return false;  // nothing committed yet
      if (old && old->id() == *target) {
        fresh = old;  // open descriptors keep a pinned generation readable
        break;
      }
      if ((fresh = try_open(*target))) break;
      if (attempt < 2 && read_state(paths_).current != state.current) continue;
      lost = target;
      fresh = newest_readable(state, *target, old);
      break;
    }
    std::lock_guard lock(pin_mutex_);
    unreadable_ = lost;
    if (fresh == old) return false;
    pin_ = std::move(fresh);
    return true;
  }

  std::optional<std::string> unreadable() const override {
    std::lock_guard lock(pin_mutex_);
    return unreadable_;
  }

 private:
  Pin pinned() const {
    std::lock_guard lock(pin_mutex_);
    return pin_;
  }

  // The newest committed generation other than `lost` that opens (the pinned
  // one counts as readable); else the pinned one; null if there is none.
  Pin newest_readable(const StoreState& state, const std::string& lost, const Pin& old) {
    std::vector<GenerationInfo> committed = state.committed;
    std::stable_sort(committed.begin(), committed.end(),
                     [](const GenerationInfo& a, const GenerationInfo& b) { return a.commit_time_ms > b.commit_time_ms; });
    for (const GenerationInfo& info : committed) {
      if (info.id == lost) continue;
      if (old && old->id() == info.id) return old;
      if (Pin pin = try_open(info.id)) return pin;
    }
    return old;  // still readable through its open files, though no longer listed
  }

  // Opens generation `id`, or returns null when it cannot be opened (its
  // folder was removed or is corrupt), logging why once per distinct reason.
  Pin try_open(const std::string& id) {
    try {
      return std::make_shared<const OpenGeneration>(uri_, paths_, id, block_cache_bytes_);
    } catch (const IoError& e) {
      if (last_open_error_ != e.what()) invr::logger().warn("{}", e.what());
      last_open_error_ = e.what();
      return nullptr;
    }
  }

  std::string uri_;
  RocksDbPaths paths_;
  std::size_t block_cache_bytes_;
  ReadHookRunner run_read_hook_;  // the host's run_read_hook (read_hook.h)
  std::mutex refresh_mutex_;
  mutable std::mutex pin_mutex_;
  Pin pin_;
  std::optional<std::string> unreadable_;
  std::string last_open_error_;  // guarded by refresh_mutex_
};

class RocksDbStore final : public CandidateStore {
 public:
  RocksDbStore(std::string uri, RocksDbPaths paths, StoreOptions options, ReadHookRunner run_read_hook)
      : uri_(std::move(uri)), paths_(std::move(paths)), options_(options), run_read_hook_(run_read_hook) {}

  const std::string& uri() const override { return uri_; }

  std::unique_ptr<GenerationWriter> begin_generation(std::string_view id) override {
    return begin_rocksdb_generation(uri_, paths_, options_, id);
  }
  std::unique_ptr<GenerationPart> join_generation(std::string_view id, int part) override {
    return join_rocksdb_generation(uri_, paths_, options_, id, part);
  }

  std::vector<GenerationInfo> generations() const override { return read_state(paths_).committed; }
  std::optional<std::string> current() const override { return read_state(paths_).current; }

  std::string manifest(std::string_view generation) const override {
    require_committed(read_state(paths_), generation);
    const fs::path file = paths_.manifest(generation);
    std::string text = read_whole_file(file, "generation manifest");
    if (text.empty()) throw IoError(fmt::format("{}: cannot read {}: it is empty", uri_, file.string()));
    return text;
  }

  std::optional<StoredCandidates> get(std::string_view generation, std::string_view user_id) const override {
    const StoreState state = read_state(paths_);
    require_committed(state, generation);
    Pin pin;
    {
      std::lock_guard lock(cache_mutex_);
      std::erase_if(cache_, [&](const auto& entry) { return !state.contains(entry.first); });
      auto it = cache_.find(generation);
      if (it != cache_.end()) pin = it->second;
    }
    if (!pin) {
      pin = std::make_shared<const OpenGeneration>(uri_, paths_, std::string(generation),
                                                   options_.block_cache_bytes);
      std::lock_guard lock(cache_mutex_);
      cache_.emplace(std::string(generation), pin);
    }
    return pin->get(user_id);
  }

  std::unique_ptr<CandidateReader> reader() const override {
    auto reader = std::make_unique<RocksDbReader>(uri_, paths_, options_.block_cache_bytes, run_read_hook_);
    reader->refresh();
    return reader;
  }

  std::string rollback() override {
    // CURRENT is rewritten by the lock holder only, as by a commit.
    std::optional<WriterLock> lock = WriterLock::try_acquire(paths_, uri_);
    if (!lock)
      throw IoError(fmt::format("{}: cannot roll back while a writer holds {}; retry after its commit",
                                uri_, paths_.lock_file().string()));
    StoreState state = read_state(paths_);
    const auto& committed = state.committed;
    auto at = std::find_if(committed.begin(), committed.end(),
                           [&](const GenerationInfo& g) { return g.id == state.current; });
    if (!state.current || at == committed.end())
      throw UsageError(fmt::format("{}: no current generation to roll back from", uri_));
    std::error_code ec;
    while (at != committed.begin()) {
      --at;
      // Listed means complete; a folder removed by hand cannot be served.
      if (!fs::exists(paths_.db(at->id), ec) || !fs::exists(paths_.manifest(at->id), ec)) continue;
      state.current = at->id;
      write_state(paths_, state);  // the rename is the switch
      return at->id;
    }
    throw UsageError(fmt::format("{}: no readable generation older than the current one ({}) to roll back to",
                                 uri_, *state.current));
  }

  std::vector<std::string> remove_expired() override {
    std::optional<WriterLock> lock = WriterLock::try_acquire(paths_, uri_);
    if (!lock) {
      // CURRENT may only be rewritten by the lock holder; that writer's commit
      // removes expired generations itself.
      invr::logger().info("{}: a writer is active; it will remove expired generations when it commits", uri_);
      return {};
    }
    StoreState state = read_state(paths_);
    return remove_expired_locked(paths_, state, options_.grace_seconds, unix_time_ms());
  }

 private:
  void require_committed(const StoreState& state, std::string_view generation) const {
    if (!state.contains(generation)) {
      throw UsageError(fmt::format("{}: unknown generation \"{}\" (not committed, or removed after grace)", uri_,
                                   generation));
    }
  }

  std::string uri_;
  RocksDbPaths paths_;
  StoreOptions options_;
  ReadHookRunner run_read_hook_;
  mutable std::mutex cache_mutex_;
  mutable std::map<std::string, Pin, std::less<>> cache_;
};

}  // namespace

std::unique_ptr<CandidateStore> open_rocksdb_store(std::string uri, const fs::path& root,
                                                   const StoreOptions& options, ReadHookRunner run_read_hook) {
  std::error_code ec;
  const bool exists = fs::exists(root, ec);
  if (!exists) {
    if (!options.create_if_missing) {
      throw IoError(fmt::format("{}: no store at {} (create_if_missing is off)", uri, root.string()));
    }
    fs::create_directories(root, ec);
    if (ec) throw IoError(fmt::format("{}: cannot create the store directory {}: {}", uri, root.string(), ec.message()));
  } else if (!fs::is_directory(root, ec)) {
    throw IoError(fmt::format("{}: {} is not a directory", uri, root.string()));
  }
  RocksDbPaths paths{root};
  read_state(paths);  // a malformed CURRENT fails here, not at the first request
  return std::make_unique<RocksDbStore>(std::move(uri), std::move(paths), options, run_read_hook);
}

}  // namespace invr::store
