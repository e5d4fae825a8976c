#include "invr/data.h"

#include <algorithm>
#include <array>

#include "data/atomic_ids.h"
#include <fmt/format.h>

#include "invr/error.h"

namespace invr {

Index IdMap::add(std::string_view id) {
  if (2 * (ids_.size() + 1) > slots_.size()) rehash(std::max<std::size_t>(64, 2 * slots_.size()));
  const std::uint64_t hash = data::hash_id(id);
  const std::size_t s = locate(id, hash);
  return slots_[s].index != kNoIndex ? slots_[s].index : insert(s, hash, id);
}

Index IdMap::insert(std::size_t slot, std::uint64_t hash, std::string_view id) {
  INVR_CHECK(ids_.size() < static_cast<std::size_t>(std::numeric_limits<Index>::max()));
  const auto index = static_cast<Index>(ids_.size());
  ids_.emplace_back(id);
  slots_[slot] = Slot{static_cast<std::uint32_t>(hash >> 32), index};
  return index;
}

bool IdMap::add_new(std::span<const std::string_view> ids) {
  reserve(ids_.size() + ids.size());
  constexpr std::size_t kAhead = 16;
  const std::size_t mask = slots_.size() - 1;
  std::array<std::uint64_t, kAhead> hashes{};
  auto hash_ahead = [&](std::size_t i) {
    const std::uint64_t hash = data::hash_id(ids[i]);
    __builtin_prefetch(&slots_[hash & mask]);
    hashes[i % kAhead] = hash;
  };
  for (std::size_t i = 0; i < std::min(kAhead, ids.size()); ++i) hash_ahead(i);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::uint64_t hash = hashes[i % kAhead];
    if (i + kAhead < ids.size()) hash_ahead(i + kAhead);
    const std::size_t s = locate(ids[i], hash);
    if (slots_[s].index != kNoIndex) return false;
    insert(s, hash, ids[i]);
  }
  return true;
}

Index IdMap::find(std::string_view id) const {
  if (slots_.empty()) return kNoIndex;
  return slots_[locate(id, data::hash_id(id))].index;
}

std::size_t IdMap::locate(std::string_view id, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const auto tag = static_cast<std::uint32_t>(hash >> 32);
  for (std::size_t s = hash & mask;; s = (s + 1) & mask) {
    const Slot& slot = slots_[s];
    if (slot.index == kNoIndex) return s;
    if (slot.tag == tag && ids_[static_cast<std::size_t>(slot.index)] == id) return s;
  }
}

namespace {
// Big tables are faulted in at once (see data::prepare_for_writing).
template <class T>
void prepare(const std::vector<T>& v) {
  if (v.capacity() * sizeof(T) >= (std::size_t{1} << 20))
    data::prepare_for_writing(v.data(), v.capacity() * sizeof(T));
}
}  // namespace

void IdMap::rehash(std::size_t slot_count) {
  std::vector<Slot> fresh;
  fresh.reserve(slot_count);
  prepare(fresh);
  fresh.assign(slot_count, Slot{});
  slots_ = std::move(fresh);
  const std::size_t mask = slot_count - 1;
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    const std::uint64_t hash = data::hash_id(ids_[i]);
    std::size_t s = hash & mask;
    while (slots_[s].index != kNoIndex) s = (s + 1) & mask;
    slots_[s] = Slot{static_cast<std::uint32_t>(hash >> 32), static_cast<Index>(i)};
  }
}

void IdMap::reserve(std::size_t n) {
  if (n > ids_.capacity()) {
    ids_.reserve(n);
    prepare(ids_);
  }
  std::size_t slots = std::max<std::size_t>(64, slots_.size());
  while (slots < 2 * n) slots *= 2;
  if (slots != slots_.size()) rehash(slots);
}

namespace {
constexpr std::array<std::string_view, 10> kEventNames = {
    "interaction", "impression", "click", "view", "play",
    "listen",      "rating",     "like",  "purchase", "checkin"};
}

std::optional<EventType> parse_event_type(std::string_view name) {
  for (std::size_t i = 0; i < kEventNames.size(); ++i)
    if (kEventNames[i] == name) return static_cast<EventType>(i);
  return std::nullopt;
}

std::string_view event_type_name(EventType type) {
  return kEventNames[static_cast<std::size_t>(type)];
}

std::string event_type_names() {
  std::string out;
  for (auto name : kEventNames) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

void Interactions::reserve(std::size_t n) {
  user.reserve(n);
  item.reserve(n);
  timestamp.reserve(n);
  event.reserve(n);
  value.reserve(n);
}

int user_shard(std::string_view user_id, int shards) {
  if (shards < 1) throw UsageError(fmt::format("user_shard: shards must be >= 1, got {}", shards));
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64: simple and fixed by its spec
  for (const char c : user_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return static_cast<int>(h % static_cast<std::uint64_t>(shards));
}

void Interactions::push_back(Index u, Index i, double t, EventType e, float v) {
  user.push_back(u);
  item.push_back(i);
  timestamp.push_back(t);
  event.push_back(e);
  value.push_back(v);
}

Interactions Interactions::select(const std::vector<bool>& keep) const {
  if (keep.size() != size())
    throw UsageError(fmt::format("Interactions::select: keep has {} entries for {} rows",
                                 keep.size(), size()));
  Interactions out;
  for (std::size_t r = 0; r < size(); ++r)
    if (keep[r]) out.push_back(user[r], item[r], timestamp[r], event[r], value[r]);
  return out;
}

void ItemTable::push_back(Index producer_index, double publish, std::span<const Index> item_tokens) {
  producer.push_back(producer_index);
  publish_time.push_back(publish);
  tokens.insert(tokens.end(), item_tokens.begin(), item_tokens.end());
  token_offsets.push_back(static_cast<std::uint32_t>(tokens.size()));
}

void ExposureLog::push_back(Index u, Index i, std::int32_t pos, bool click, double t, Index a) {
  user.push_back(u);
  item.push_back(i);
  position.push_back(pos);
  clicked.push_back(click ? 1 : 0);
  timestamp.push_back(t);
  arm.push_back(a);
}

bool Dataset::has_timestamps() const {
  for (double t : interactions.timestamp)
    if (has_time(t)) return true;
  return false;
}

}  // namespace invr
