// The data model every stage shares.
//
// Contract:
//  - External string ids (users, items, producers, tokens) map to dense
//    0-based indices through an IdMap; the map travels with every artifact so
//    results can be written back with the original ids.
//  - Tables are columnar (one std::vector per field, equal lengths), so a
//    stage reads only the columns it needs and kernels see plain arrays.
//  - A Dataset owns everything; views into it are borrowed and are valid as
//    long as the Dataset lives. Nothing here is synchronised: share a Dataset
//    across threads for reading only.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace invr {

using Index = std::int32_t;
constexpr Index kNoIndex = -1;

// A missing timestamp or publish time.
constexpr double kNoTime = std::numeric_limits<double>::quiet_NaN();
inline bool has_time(double t) { return !std::isnan(t); }

// Maps external string ids to dense indices in order of first appearance.
class IdMap {
 public:
  // Index of id, adding it if new.
  Index add(std::string_view id);
  // Adds ids, each new, in order: false, stopping there, at one already
  // present. For many ids at once (a loaded file): it hashes a few ids ahead
  // and prefetches their slots, so the table's cache misses overlap.
  bool add_new(std::span<const std::string_view> ids);
  // Index of id, or kNoIndex.
  Index find(std::string_view id) const;
  const std::string& id(Index index) const { return ids_[static_cast<std::size_t>(index)]; }
  std::size_t size() const { return ids_.size(); }
  bool empty() const { return ids_.empty(); }
  void reserve(std::size_t n);
  const std::vector<std::string>& ids() const { return ids_; }

 private:
  // An open-addressing table of indices into ids_ (linear probing, load at
  // most 1/2) rather than std::unordered_map: no allocation per id and no
  // second copy of each id, which made building the maps of a large dataset
  // a tenth of its load time.
  struct Slot {
    std::uint32_t tag = 0;  // high bits of the id's hash: most mismatches skip the string compare
    Index index = kNoIndex;
  };
  std::size_t locate(std::string_view id, std::uint64_t hash) const;
  // Puts a new id into the empty slot locate() found for it.
  Index insert(std::size_t slot, std::uint64_t hash, std::string_view id);
  void rehash(std::size_t slot_count);

  std::vector<std::string> ids_;
  std::vector<Slot> slots_;
};

// What a logged interaction was. "interaction" is the generic positive signal
// for datasets that do not say (ratings, check-ins, listens).
enum class EventType : std::uint8_t {
  interaction = 0,
  impression,
  click,
  view,
  play,
  listen,
  rating,
  like,
  purchase,
  checkin,
};
// Parses a lower-case event name; nullopt if unknown.
std::optional<EventType> parse_event_type(std::string_view name);
std::string_view event_type_name(EventType type);
// Comma-separated list of accepted names, for error messages.
std::string event_type_names();
// True for every event except a bare impression: the signals a model learns from.
inline bool is_positive(EventType type) { return type != EventType::impression; }

// Logged interactions, one row per event.
struct Interactions {
  std::vector<Index> user;
  std::vector<Index> item;
  std::vector<double> timestamp;  // seconds since the epoch; kNoTime if unknown
  std::vector<EventType> event;
  std::vector<float> value;  // rating, listen count or weight; 1 when the data has none

  std::size_t size() const { return user.size(); }
  void reserve(std::size_t n);
  void push_back(Index u, Index i, double t, EventType e, float v);
  // Rows [0,n) filtered by keep[row].
  Interactions select(const std::vector<bool>& keep) const;
};

// Item attributes, indexed by item index.
struct ItemTable {
  std::vector<Index> producer;       // index into Dataset::producers
  std::vector<double> publish_time;  // seconds; kNoTime if unknown
  // Content tokens in CSR form: item i has tokens[token_offsets[i] .. token_offsets[i+1]).
  std::vector<std::uint32_t> token_offsets{0};
  std::vector<Index> tokens;  // index into Dataset::tokens

  std::size_t size() const { return producer.size(); }
  std::span<const Index> item_tokens(Index item) const {
    auto i = static_cast<std::size_t>(item);
    return {tokens.data() + token_offsets[i], tokens.data() + token_offsets[i + 1]};
  }
  // Appends one item; tokens may be empty.
  void push_back(Index producer_index, double publish, std::span<const Index> item_tokens);
};

// The shard (0 .. shards-1) a user id belongs to in the sharded job: FNV-1a
// 64 of the id's bytes, modulo shards. Fixed, so every process, platform and
// run agrees (docs/distributed.md).
int user_shard(std::string_view user_id, int shards);

// A whole dataset: id maps, items and interactions.
struct Dataset {
  std::string name;
  IdMap users;
  IdMap items;
  IdMap producers;
  IdMap tokens;  // content tokens, written "column=value" (e.g. "genre=Comedy")
  ItemTable item_table;
  Interactions interactions;

  bool has_timestamps() const;
};

// What a recommender showed and what was clicked: one row per impression.
// Items index the Dataset's item map; users index `users`, which a reader may
// extend (exposure logs can name users the dataset never saw); arms index
// `arms` (empty map and kNoIndex rows when the log has no arm column).
struct ExposureLog {
  IdMap users;
  IdMap arms;
  std::vector<Index> user;
  std::vector<Index> item;
  std::vector<std::int32_t> position;  // 0-based slot in the slate
  std::vector<std::uint8_t> clicked;   // 0 or 1
  std::vector<double> timestamp;       // kNoTime if the log has none
  std::vector<Index> arm;              // kNoIndex if the log has none

  std::size_t size() const { return item.size(); }
  void push_back(Index u, Index i, std::int32_t pos, bool click, double t, Index a);
};

}  // namespace invr
