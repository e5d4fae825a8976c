// CandidateFeed: a pinned reader plus the status the ops endpoints report.
#include "serving/server_candidates.h"

#include "invr/error.h"

namespace invr::serving {

CandidateFeed::CandidateFeed(const std::string& uri, const StoreOptions& options)
    : store_(open_store(uri, options)), reader_(store_->reader()) {
  status_.generation = reader_->generation();
  status_.unreadable = reader_->unreadable();
  update_commit_time();
}

PinnedCandidates CandidateFeed::read(std::string_view user) const {
  try {
    PinnedCandidates out = reader_->read(user);
    // A load first: the common case (nothing failing) writes nothing shared.
    if (reads_failing_.load(std::memory_order_relaxed)) reads_failing_.store(false, std::memory_order_relaxed);
    return out;
  } catch (...) {
    reads_failing_.store(true, std::memory_order_relaxed);
    throw;
  }
}

bool CandidateFeed::refresh() {
  bool changed = false;
  try {
    changed = reader_->refresh();
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    status_.last_error = e.what();
    throw;
  }
  const auto generation = reader_->generation();
  bool need_time = false;
  {
    std::lock_guard lock(mutex_);
    status_.last_error.clear();
    status_.unreadable = reader_->unreadable();
    need_time = changed || status_.generation != generation || status_.commit_time_ms == 0;
    if (status_.generation != generation) status_.commit_time_ms = 0;
    status_.generation = generation;
  }
  if (need_time) update_commit_time();
  return changed;
}

// The commit time of the pinned generation, from the store's list (one small
// read, only when the pin moves). Best effort: the age metric is then unknown.
void CandidateFeed::update_commit_time() {
  std::int64_t time_ms = 0;
  std::optional<std::string> generation;
  {
    std::lock_guard lock(mutex_);
    generation = status_.generation;
  }
  if (!generation) return;
  try {
    for (const GenerationInfo& info : store_->generations())
      if (info.id == *generation) time_ms = info.commit_time_ms;
  } catch (const Error&) {
    return;
  }
  std::lock_guard lock(mutex_);
  if (status_.generation == generation) status_.commit_time_ms = time_ms;
}

FeedStatus CandidateFeed::status() const {
  std::lock_guard lock(mutex_);
  FeedStatus out = status_;
  out.reads_failing = reads_failing_.load(std::memory_order_relaxed);
  return out;
}

}  // namespace invr::serving
