#include "store/rocksdb/sst_builder.h"

#include <algorithm>
#include <memory>
#include <queue>

#include <fmt/format.h>
#include <rocksdb/iterator.h>
#include <rocksdb/sst_file_reader.h>
#include <rocksdb/sst_file_writer.h>

#include "invr/error.h"

namespace invr::store {
namespace {
// Merged output is cut into files of about this size, so one file is never huge.
constexpr std::uint64_t kMergedFileBytes = std::uint64_t{256} << 20;
// Bookkeeping per buffered entry (pair and string headers), counted against the budget.
constexpr std::size_t kEntryOverhead = sizeof(std::pair<std::string, std::string>);
}  // namespace

SstBuilder::SstBuilder(std::filesystem::path dir, std::size_t buffer_bytes, rocksdb::Options options,
                       std::string context)
    : dir_(std::move(dir)), buffer_bytes_(buffer_bytes), options_(std::move(options)), context_(std::move(context)) {}

void SstBuilder::fail(const std::string& action, const std::string& status) const {
  throw IoError(fmt::format("{}: cannot {}: {}", context_, action, status));
}

void SstBuilder::add(std::string key, std::string value) {
  buffered_bytes_ += key.size() + value.size() + kEntryOverhead;
  buffer_.emplace_back(std::move(key), std::move(value));
  if (buffered_bytes_ >= buffer_bytes_) spill();
}

void SstBuilder::spill() {
  if (buffer_.empty()) return;
  // Stable, so among equal keys the last put stays last and wins below.
  std::stable_sort(buffer_.begin(), buffer_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  const std::string path = (dir_ / fmt::format("run-{:06}.sst", files_made_++)).string();
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options_);
  rocksdb::Status status = writer.Open(path);
  for (std::size_t i = 0; status.ok() && i < buffer_.size(); ++i) {
    if (i + 1 < buffer_.size() && buffer_[i + 1].first == buffer_[i].first) continue;
    status = writer.Put(buffer_[i].first, buffer_[i].second);
  }
  if (status.ok()) status = writer.Finish();  // Finish also fsyncs the file
  if (!status.ok()) fail("write sorted run " + path, status.ToString());
  runs_.push_back(path);
  buffer_.clear();
  buffer_.shrink_to_fit();
  buffered_bytes_ = 0;
}

std::vector<std::string> SstBuilder::finish() {
  spill();
  if (runs_.size() <= 1) return runs_;
  return merge_runs();
}

std::vector<std::string> SstBuilder::merge_runs() {
  std::vector<std::unique_ptr<rocksdb::SstFileReader>> readers;
  std::vector<std::unique_ptr<rocksdb::Iterator>> iters;
  for (const std::string& run : runs_) {
    readers.push_back(std::make_unique<rocksdb::SstFileReader>(options_));
    const rocksdb::Status status = readers.back()->Open(run);
    if (!status.ok()) fail("reopen sorted run " + run, status.ToString());
    iters.emplace_back(readers.back()->NewIterator(rocksdb::ReadOptions()));
    iters.back()->SeekToFirst();
  }
  // Smallest key first; for equal keys the newest run (largest index) first,
  // since a later put replaces an earlier one.
  auto after = [&](std::size_t a, std::size_t b) {
    const int c = iters[a]->key().compare(iters[b]->key());
    return c != 0 ? c > 0 : a < b;
  };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(after)> heap(after);
  for (std::size_t i = 0; i < iters.size(); ++i) {
    if (iters[i]->Valid()) {
      heap.push(i);
    } else if (!iters[i]->status().ok()) {
      fail("read sorted run " + runs_[i], iters[i]->status().ToString());
    }
  }
  std::vector<std::string> outputs;
  std::unique_ptr<rocksdb::SstFileWriter> writer;
  std::string last_key;
  bool have_last = false;
  auto close_output = [&] {
    const rocksdb::Status status = writer->Finish();
    if (!status.ok()) fail("write merged file " + outputs.back(), status.ToString());
    writer.reset();
  };
  while (!heap.empty()) {
    const std::size_t i = heap.top();
    heap.pop();
    rocksdb::Iterator& it = *iters[i];
    if (!have_last || it.key().compare(last_key) != 0) {
      // Cut files only between distinct keys so outputs never overlap.
      if (writer && writer->FileSize() >= kMergedFileBytes) close_output();
      if (!writer) {
        outputs.push_back((dir_ / fmt::format("merged-{:06}.sst", files_made_++)).string());
        writer = std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), options_);
        const rocksdb::Status status = writer->Open(outputs.back());
        if (!status.ok()) fail("write merged file " + outputs.back(), status.ToString());
      }
      const rocksdb::Status status = writer->Put(it.key(), it.value());
      if (!status.ok()) fail("write merged file " + outputs.back(), status.ToString());
      last_key.assign(it.key().data(), it.key().size());
      have_last = true;
    }
    it.Next();
    if (it.Valid()) {
      heap.push(i);
    } else if (!it.status().ok()) {
      fail("read sorted run " + runs_[i], it.status().ToString());
    }
  }
  if (writer) close_output();
  iters.clear();
  readers.clear();
  for (const std::string& run : runs_) std::filesystem::remove(run);
  runs_.clear();
  return outputs;
}

}  // namespace invr::store
