// A RocksDB generation part (invr/store.h, GenerationPart): another
// process's users, sorted into SST files under generations/ID/parts/N/, which
// the beginning writer ingests with its own at commit. Takes no lock: the
// beginning writer holds the store's for the whole generation.
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "common/durable_file.h"
#include "invr/atomic_file.h"
#include "invr/error.h"
#include "store/generation_rules.h"
#include "store/rocksdb/rocksdb_writer.h"
#include "store/rocksdb/sst_builder.h"
#include "store/value_codec.h"
#include "store/writer_state.h"

namespace invr::store {
namespace fs = std::filesystem;

namespace {

class RocksDbPart final : public GenerationPart {
 public:
  RocksDbPart(std::string uri, RocksDbPaths paths, const StoreOptions& options, std::string id, int part)
      : uri_(std::move(uri)),
        paths_(std::move(paths)),
        id_(std::move(id)),
        part_(part),
        builder_(paths_.part(id_, part_), options.sort_buffer_bytes, generation_options(),
                 fmt::format("{} generation {} part {}", uri_, id_, part_)) {}

  void put(std::string_view user_id, const StoredCandidates& candidates) override {
    state_.require_open(uri_, id_, "put");
    state_.failing_closes([&] { builder_.add(std::string(user_id), encode_candidates(candidates)); });
    ++users_;
  }
  std::size_t users_written() const override { return users_; }

  void finish() override {
    state_.require_open(uri_, id_, "finish");
    state_.failing_closes([&] {
      const std::vector<std::string> files = builder_.finish();
      // The done record names the files (relative) and the users: written
      // last and atomically, so add_part never sees half a part.
      std::string record = fmt::format("{}\n", users_);
      for (const auto& file : files) record += fs::path(file).filename().string() + "\n";
      sync_directory(paths_.part(id_, part_));
      write_text_atomically(paths_.part_done(id_, part_), record);
    });
    state_.committed = true;
  }

 private:
  std::string uri_;
  RocksDbPaths paths_;
  std::string id_;
  int part_;
  SstBuilder builder_;
  std::size_t users_ = 0;
  WriterState state_;
};

}  // namespace

std::unique_ptr<GenerationPart> join_rocksdb_generation(const std::string& uri, const RocksDbPaths& paths,
                                                        const StoreOptions& options, std::string_view id,
                                                        int part) {
  check_generation_id(uri, id);
  check_part_number(uri, id, part);
  if (!fs::is_directory(paths.runs(id)))
    throw UsageError(fmt::format("{}: no writer has begun generation {} (or it was committed)", uri, id));
  std::error_code ec;
  fs::remove_all(paths.part(id, part), ec);  // an earlier try's leftovers
  fs::create_directories(paths.part(id, part), ec);
  if (ec)
    throw IoError(fmt::format("{}: cannot create part {} of generation {}: {}", uri, part, id, ec.message()));
  return std::make_unique<RocksDbPart>(uri, paths, options, std::string(id), part);
}

std::pair<std::vector<std::string>, std::size_t> read_rocksdb_part(const std::string& uri, const RocksDbPaths& paths,
                                                                   std::string_view id, int part) {
  check_part_number(uri, id, part);
  std::ifstream in(paths.part_done(id, part));
  if (!in)
    throw UsageError(fmt::format("{}: part {} of generation {} has not finished (no {})", uri, part, id,
                                 paths.part_done(id, part).string()));
  std::size_t users = 0;
  std::string line;
  if (!std::getline(in, line) || !(std::istringstream(line) >> users))
    throw IoError(fmt::format("{}: {} is not a part record", uri, paths.part_done(id, part).string()));
  std::vector<std::string> files;
  while (std::getline(in, line))
    if (!line.empty()) files.push_back((paths.part(id, part) / line).string());
  return {std::move(files), users};
}

}  // namespace invr::store
