#include "store/value_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <functional>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr::store {
namespace {

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

std::uint64_t zigzag(std::int32_t value) {
  const auto bits = static_cast<std::uint32_t>(value);
  return (bits << 1) ^ (0u - (bits >> 31));
}

std::int32_t unzigzag(std::uint64_t value) {
  const auto bits = static_cast<std::uint32_t>(value >> 1) ^ (0u - static_cast<std::uint32_t>(value & 1));
  return static_cast<std::int32_t>(bits);
}

// Entries are compared by their exact bits so NaN and -0.0 round-trip unchanged.
bool same_entry(const StoredCandidate& a, const StoredCandidate& b) {
  return a.user_rank == b.user_rank && std::bit_cast<std::uint32_t>(a.score) == std::bit_cast<std::uint32_t>(b.score) &&
         a.item == b.item;
}

std::size_t entry_hash(const StoredCandidate& c) {
  const std::uint64_t numbers = (static_cast<std::uint64_t>(std::bit_cast<std::uint32_t>(c.score)) << 32) ^
                                static_cast<std::uint32_t>(c.user_rank);
  return std::hash<std::string_view>{}(c.item) ^ (numbers * 0x9e3779b97f4a7c15ull);
}

class Cursor {
 public:
  Cursor(std::string_view bytes, std::string_view where) : bytes_(bytes), where_(where) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(std::string(where_), 0, 0,
                    fmt::format("corrupt candidate value at byte {} of {}: {}", pos_, bytes_.size(), what));
  }
  unsigned char byte() {
    if (pos_ >= bytes_.size()) fail("truncated");
    return static_cast<unsigned char>(bytes_[pos_++]);
  }
  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const unsigned char b = byte();
      value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return value;
    }
    fail("varint longer than 10 bytes");
  }
  // A count that cannot exceed the bytes left (each element takes >= 1 byte),
  // so a corrupt count never triggers a huge allocation.
  std::size_t count() {
    const std::uint64_t n = varint();
    if (n > bytes_.size() - pos_) fail(fmt::format("count {} exceeds the remaining bytes", n));
    return static_cast<std::size_t>(n);
  }
  std::string_view take(std::size_t n) {
    if (n > bytes_.size() - pos_) fail("truncated");
    auto out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  bool done() const { return pos_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  std::string_view where_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string encode_candidates(const StoredCandidates& candidates) {
  std::size_t total = 0;
  for (const auto& list : candidates.by_ordering) total += list.size();
  // Open-addressing table from entry to its index (a std::map made encoding
  // about 4x slower). Thread-local scratch, reused across calls.
  constexpr std::uint32_t kEmpty = 0xffffffffu;
  thread_local std::vector<std::uint32_t> slots;
  slots.assign(std::bit_ceil(std::max<std::size_t>(2 * total, 8)), kEmpty);
  const std::size_t mask = slots.size() - 1;
  std::vector<const StoredCandidate*> entries;
  entries.reserve(total);
  std::array<std::vector<std::uint32_t>, kOrderings> refs;
  for (std::size_t o = 0; o < kOrderings; ++o) {
    refs[o].reserve(candidates.by_ordering[o].size());
    for (const StoredCandidate& c : candidates.by_ordering[o]) {
      std::size_t slot = entry_hash(c) & mask;
      while (slots[slot] != kEmpty && !same_entry(*entries[slots[slot]], c)) slot = (slot + 1) & mask;
      if (slots[slot] == kEmpty) {
        slots[slot] = static_cast<std::uint32_t>(entries.size());
        entries.push_back(&c);
      }
      refs[o].push_back(slots[slot]);
    }
  }
  std::string out;
  out.reserve(16 + 3 * total + entries.size() * 24);
  out.push_back(static_cast<char>(kValueMagic0));
  out.push_back(static_cast<char>(kValueMagic1));
  // Version 1 (three lists) while the target list is empty, so a store
  // written with the assignment off stays readable by servers from before it.
  const bool has_target = !candidates.of(Ordering::target).empty();
  out.push_back(static_cast<char>(has_target ? kValueVersion : kValueVersionThreeOrderings));
  put_varint(out, entries.size());
  for (const StoredCandidate* c : entries) {
    put_varint(out, c->item.size());
    out += c->item;
    const std::uint32_t bits = std::bit_cast<std::uint32_t>(c->score);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
    put_varint(out, zigzag(c->user_rank));
  }
  for (std::size_t o = 0; o < (has_target ? kOrderings : kOrderingsInVersion1); ++o) {
    const auto& list = refs[o];
    put_varint(out, list.size());
    for (std::uint32_t ref : list) put_varint(out, ref);
  }
  return out;
}

StoredCandidates decode_candidates(std::string_view bytes, std::string_view where) {
  Cursor in(bytes, where);
  if (bytes.size() < 3 || static_cast<unsigned char>(bytes[0]) != kValueMagic0 ||
      static_cast<unsigned char>(bytes[1]) != kValueMagic1) {
    in.fail("wrong magic (expected \"IC\"); not written by invr");
  }
  in.take(2);
  const unsigned char version = in.byte();
  if (version != kValueVersion && version != kValueVersionThreeOrderings) {
    in.fail(fmt::format("unknown version {} (this build reads versions {} and {})", version,
                        kValueVersionThreeOrderings, kValueVersion));
  }
  std::vector<StoredCandidate> entries(in.count());
  for (StoredCandidate& entry : entries) {
    entry.item = std::string(in.take(in.count()));
    std::uint32_t bits = 0;
    for (int i = 0; i < 4; ++i) bits |= static_cast<std::uint32_t>(in.byte()) << (8 * i);
    entry.score = std::bit_cast<float>(bits);
    const std::uint64_t rank = in.varint();
    if (rank > 0xffffffffu) in.fail("user_rank out of range");
    entry.user_rank = unzigzag(rank);
  }
  StoredCandidates out;
  // A version-1 value has no target list: it decodes as an empty one.
  const std::size_t lists = version == kValueVersion ? kOrderings : kOrderingsInVersion1;
  for (std::size_t o = 0; o < lists; ++o) {
    auto& list = out.by_ordering[o];
    list.resize(in.count());
    for (StoredCandidate& c : list) {
      const std::uint64_t ref = in.varint();
      if (ref >= entries.size()) in.fail(fmt::format("entry index {} out of {} entries", ref, entries.size()));
      c = entries[static_cast<std::size_t>(ref)];
    }
  }
  if (!in.done()) in.fail("trailing bytes");
  return out;
}

}  // namespace invr::store
