// Turns puts in any order into sorted, non-overlapping SST files that a new
// RocksDB ingests whole. Why not DB::Put + Flush: a flush runs on RocksDB's
// background thread pool, which a forked child (our crash tests, or any job
// that forks) no longer has, so Flush would wait forever; and bulk-loading
// sorted files is RocksDB's fastest load path anyway. Everything here runs on
// the caller's thread.
//
// Memory is bounded: puts are buffered up to `buffer_bytes`, then sorted and
// spilled as a run; finish() merges the runs (k-way) when there are several.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <rocksdb/options.h>

namespace invr::store {

class SstBuilder {
 public:
  // `dir` must exist; run and output files are created in it. `context`
  // prefixes error messages (the store URI and generation).
  SstBuilder(std::filesystem::path dir, std::size_t buffer_bytes, rocksdb::Options options,
             std::string context);

  // The last add of a key wins. IoError when a spill fails (disk full).
  void add(std::string key, std::string value);
  // Paths of sorted, non-overlapping SST files with the latest value of each
  // key; empty when nothing was added. Call once.
  std::vector<std::string> finish();

 private:
  void spill();
  std::vector<std::string> merge_runs();
  [[noreturn]] void fail(const std::string& action, const std::string& status) const;

  std::filesystem::path dir_;
  std::size_t buffer_bytes_;
  rocksdb::Options options_;
  std::string context_;
  std::vector<std::pair<std::string, std::string>> buffer_;
  std::size_t buffered_bytes_ = 0;
  std::vector<std::string> runs_;
  std::size_t files_made_ = 0;
};

}  // namespace invr::store
