// Connection caps and idle shedding for the HTTP front end.
#include "serving/http_connections.h"

namespace invr::serving {

ConnectionTable::ConnectionTable(std::size_t max_total, std::size_t max_per_peer)
    : max_total_(max_total), max_per_peer_(max_per_peer) {}

void ConnectionTable::uncount(ConnectionSlot& slot) {
  if (!slot.counted) return;
  slot.counted = false;
  --counted_;
  const auto peer = per_peer_.find(slot.peer);
  if (peer != per_peer_.end() && --peer->second == 0) per_peer_.erase(peer);
}

ConnectionSlot* ConnectionTable::take_idle(const std::string* peer) {
  // slots_ is ordered by the last phase change, so the first idle one has
  // been idle longest.
  for (ConnectionSlot* slot : slots_) {
    if (slot->phase != ConnectionPhase::idle || slot->shed || !slot->counted) continue;
    if (peer && slot->peer != *peer) continue;
    slot->shed = true;
    uncount(*slot);
    return slot;
  }
  return nullptr;
}

Admission ConnectionTable::admit(ConnectionSlot& slot, std::vector<std::shared_ptr<Sheddable>>& shed,
                                 std::size_t& shed_count) {
  std::lock_guard lock(mutex_);
  if (stopping_) return Admission::refused_stopping;
  auto make_room = [&](const std::string* peer) {
    ConnectionSlot* victim = take_idle(peer);
    if (!victim) return false;
    ++shed_count;
    // A null owner is being destroyed already; its place is free now.
    if (auto owner = victim->owner.lock()) shed.push_back(std::move(owner));
    return true;
  };
  const auto peer = per_peer_.find(slot.peer);
  if (peer != per_peer_.end() && peer->second >= max_per_peer_ && !make_room(&slot.peer))
    return Admission::refused_peer;
  if (counted_ >= max_total_ && !make_room(nullptr)) return Admission::refused_total;
  slot.phase = ConnectionPhase::idle;
  slot.counted = true;
  slot.shed = false;
  ++counted_;
  ++per_peer_[slot.peer];
  slot.at = slots_.insert(slots_.end(), &slot);
  slot.registered = true;
  return Admission::admitted;
}

bool ConnectionTable::set_phase(ConnectionSlot& slot, ConnectionPhase phase) {
  std::lock_guard lock(mutex_);
  if (!slot.registered || slot.shed) return false;
  if (stopping_ && phase != ConnectionPhase::busy) {
    slot.shed = true;
    uncount(slot);
    return false;
  }
  slot.phase = phase;
  slots_.splice(slots_.end(), slots_, slot.at);
  return true;
}

void ConnectionTable::release(ConnectionSlot& slot) {
  std::lock_guard lock(mutex_);
  if (!slot.registered) return;
  uncount(slot);
  slots_.erase(slot.at);
  slot.registered = false;
  if (slots_.empty()) emptied_.notify_all();
}

std::vector<std::shared_ptr<Sheddable>> ConnectionTable::begin_stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  std::vector<std::shared_ptr<Sheddable>> owners;
  for (ConnectionSlot* slot : slots_) {
    if (slot->phase == ConnectionPhase::busy || slot->shed) continue;
    slot->shed = true;
    uncount(*slot);
    if (auto owner = slot->owner.lock()) owners.push_back(std::move(owner));
  }
  return owners;
}

void ConnectionTable::wait_until_empty() {
  std::unique_lock lock(mutex_);
  emptied_.wait(lock, [&] { return slots_.empty(); });
}

std::size_t ConnectionTable::open() const {
  std::lock_guard lock(mutex_);
  return counted_;
}

}  // namespace invr::serving
