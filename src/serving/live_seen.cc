// LiveSeen: per-user sorted item lists under a reader-writer lock.
#include "serving/live_seen.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr::serving {

void LiveSeen::add(std::string_view user, Index item) {
  std::unique_lock lock(mutex_);
  Index row = users_.find(user);
  if (row == kNoIndex) {
    row = users_.add(user);
    items_.emplace_back();
    embedded_.emplace_back();
  }
  std::vector<Index>& list = items_[static_cast<std::size_t>(row)];
  const auto at = std::lower_bound(list.begin(), list.end(), item);
  if (at != list.end() && *at == item) return;
  list.insert(at, item);
  ++pairs_;
  empty_.store(false, std::memory_order_release);
}

bool LiveSeen::merge(std::string_view user, std::span<const Index> base,
                     std::vector<Index>& out) const {
  if (empty_.load(std::memory_order_acquire)) return false;
  std::shared_lock lock(mutex_);
  const Index row = users_.find(user);
  if (row == kNoIndex) return false;
  const std::vector<Index>& added = items_[static_cast<std::size_t>(row)];
  out.clear();
  out.reserve(base.size() + added.size());
  std::set_union(base.begin(), base.end(), added.begin(), added.end(), std::back_inserter(out));
  return true;
}

std::vector<Index> LiveSeen::items(std::string_view user) const {
  std::shared_lock lock(mutex_);
  const Index row = users_.find(user);
  if (row == kNoIndex) return {};
  return items_[static_cast<std::size_t>(row)];
}

void LiveSeen::remap(const IdMap& from, const IdMap& to) {
  std::unique_lock lock(mutex_);
  pairs_ = 0;
  for (std::vector<Index>& list : items_) {
    std::vector<Index> mapped;
    for (const Index item : list) {
      const Index now = to.find(from.id(item));
      if (now != kNoIndex) mapped.push_back(now);
    }
    std::sort(mapped.begin(), mapped.end());
    mapped.erase(std::unique(mapped.begin(), mapped.end()), mapped.end());
    pairs_ += mapped.size();
    list = std::move(mapped);
  }
}

bool LiveSeen::cached_embedding(std::string_view user, std::uint64_t model_serial,
                                std::vector<float>& out) const {
  std::shared_lock lock(mutex_);
  const Index row = users_.find(user);
  if (row == kNoIndex) return false;
  const auto r = static_cast<std::size_t>(row);
  const Embedded& cached = embedded_[r];
  if (cached.model_serial != model_serial || cached.items_used != items_[r].size()) return false;
  out = cached.embedding;
  return true;
}

void LiveSeen::cache_embedding(std::string_view user, std::uint64_t model_serial, std::size_t items_used,
                               std::vector<float> embedding) const {
  std::unique_lock lock(mutex_);
  const Index row = users_.find(user);
  if (row == kNoIndex) return;
  embedded_[static_cast<std::size_t>(row)] = {model_serial, items_used, std::move(embedding)};
}

std::size_t LiveSeen::users() const {
  std::shared_lock lock(mutex_);
  return users_.size();
}

std::size_t LiveSeen::pairs() const {
  std::shared_lock lock(mutex_);
  return pairs_;
}

std::size_t replay_event_log(const std::filesystem::path& path, const IdMap& items, LiveSeen& live) {
  // Only a regular file holds a log to replay: a device such as /dev/full
  // (which tests use to make appends fail) reads as one endless line.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return 0;
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("{}: cannot read the event log to replay it", path.string()));
  std::string line;
  std::getline(in, line);  // the header
  std::size_t replayed = 0;
  while (std::getline(in, line)) {
    // user<TAB>item<TAB>timestamp<TAB>event, as event_line writes it.
    const auto first = line.find('\t');
    const auto second = first == std::string::npos ? first : line.find('\t', first + 1);
    const auto last = line.rfind('\t');
    if (second == std::string::npos || last <= second) continue;
    const auto event = parse_event_type(std::string_view(line).substr(last + 1));
    if (!event || !is_positive(*event)) continue;
    const Index item = items.find(std::string_view(line).substr(first + 1, second - first - 1));
    if (item == kNoIndex) continue;
    live.add(std::string_view(line).substr(0, first), item);
    ++replayed;
  }
  return replayed;
}

}  // namespace invr::serving
