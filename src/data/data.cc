#include "invr/data.h"

#include <array>

#include "invr/error.h"

namespace invr {

std::size_t IdMap::Hash::operator()(std::string_view s) const noexcept {
  return std::hash<std::string_view>{}(s);
}

Index IdMap::add(std::string_view id) {
  auto it = index_.find(id);
  if (it != index_.end()) return it->second;
  INVR_CHECK(ids_.size() < static_cast<std::size_t>(std::numeric_limits<Index>::max()));
  auto index = static_cast<Index>(ids_.size());
  ids_.emplace_back(id);
  index_.emplace(ids_.back(), index);
  return index;
}

Index IdMap::find(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? kNoIndex : it->second;
}

void IdMap::reserve(std::size_t n) {
  ids_.reserve(n);
  index_.reserve(n);
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

void Interactions::push_back(Index u, Index i, double t, EventType e, float v) {
  user.push_back(u);
  item.push_back(i);
  timestamp.push_back(t);
  event.push_back(e);
  value.push_back(v);
}

Interactions Interactions::select(const std::vector<bool>& keep) const {
  INVR_CHECK(keep.size() == size());
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
