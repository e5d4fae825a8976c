// InvR candidate lists: what the inverse-retrieval job produces, the
// candidate store keeps, and the slate assembly inserts.
//
// Contract:
//  - A Candidate names an item the job proposes to a user, with the two
//    numbers the orderings need: the user-item retrieval score and the user's
//    1-based rank in that item's top-N user list (1 = the item's best user).
//  - Every user's list is kept in all four orderings (random, score,
//    user_rank, target), each capped at the job's per-user maximum
//    separately, so a server or simulator arm can use any of them without
//    recomputing. invert() fills the first three; the job fills target from
//    assign_targets() (invr/assign.h), and leaves it empty when the
//    assignment is off.
//  - In memory (CandidateLists) lists are CSR by dense user index, with item
//    and user indices into the job's Dataset. In a store (StoredCandidates) they
//    carry external string ids, because the reader's Dataset may differ.
//  - Plain values; share for reading only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "invr/data.h"

namespace invr {

// How a user's InvR candidates are ordered (the paper's three strategies,
// then issue 19's assignment).
//  random:    a shuffle seeded by the job seed and the user id
//  score:     retrieval score, descending (leaks popularity, per the paper)
//  user_rank: the user's rank for the item, ascending; ties by score
//             descending (the paper's best)
//  target:    assign_targets()'s lists: the pairs that bring treated items to
//             their exposure targets first (docs/assignment.md)
// Remaining ties in every ordering: smaller item index first.
enum class Ordering : std::uint8_t { random = 0, score = 1, user_rank = 2, target = 3 };
constexpr std::size_t kOrderings = 4;
constexpr std::array<Ordering, kOrderings> kAllOrderings = {Ordering::random, Ordering::score,
                                                            Ordering::user_rank, Ordering::target};
// The orderings invert() computes; target comes from the assignment.
constexpr std::size_t kInvertedOrderings = 3;
// "random", "score", "user_rank", "target"; parse also accepts "user-rank"; nullopt if unknown.
const char* ordering_name(Ordering ordering);
std::optional<Ordering> parse_ordering(std::string_view name);

struct Candidate {
  Index item = kNoIndex;
  float score = 0.0f;
  std::int32_t user_rank = 0;  // 1-based

  friend bool operator==(const Candidate&, const Candidate&) = default;
};

// Per-user lists for every ordering, CSR by dense user index:
// user u's list in ordering o is lists[o][offsets[o][u] .. offsets[o][u+1]).
struct CandidateLists {
  std::size_t users = 0;
  std::array<std::vector<std::uint64_t>, kOrderings> offsets;
  std::array<std::vector<Candidate>, kOrderings> lists;

  std::span<const Candidate> of(Index user, Ordering ordering) const {
    const auto o = static_cast<std::size_t>(ordering);
    const auto u = static_cast<std::size_t>(user);
    return {lists[o].data() + offsets[o][u], lists[o].data() + offsets[o][u + 1]};
  }
  // Users with at least one candidate.
  std::size_t users_with_candidates() const;
  // Candidates summed over users, in one ordering.
  std::size_t total(Ordering ordering) const {
    return lists[static_cast<std::size_t>(ordering)].size();
  }
};

// One candidate as a store holds it: external item id.
struct StoredCandidate {
  std::string item;
  float score = 0.0f;
  std::int32_t user_rank = 0;

  friend bool operator==(const StoredCandidate&, const StoredCandidate&) = default;
};

// One user's lists as a store holds them, indexed by Ordering.
struct StoredCandidates {
  std::array<std::vector<StoredCandidate>, kOrderings> by_ordering;

  const std::vector<StoredCandidate>& of(Ordering ordering) const {
    return by_ordering[static_cast<std::size_t>(ordering)];
  }
  bool empty() const;

  friend bool operator==(const StoredCandidates&, const StoredCandidates&) = default;
};

// User u's lists from `lists`, with ids from the dataset's item map.
StoredCandidates to_stored(const CandidateLists& lists, Index user, const IdMap& items);

}  // namespace invr
