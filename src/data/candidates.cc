#include "invr/candidates.h"

namespace invr {

const char* ordering_name(Ordering ordering) {
  switch (ordering) {
    case Ordering::random:
      return "random";
    case Ordering::score:
      return "score";
    case Ordering::user_rank:
      return "user_rank";
    case Ordering::target:
      return "target";
  }
  return "?";
}

std::optional<Ordering> parse_ordering(std::string_view name) {
  if (name == "random") return Ordering::random;
  if (name == "score") return Ordering::score;
  if (name == "user_rank" || name == "user-rank") return Ordering::user_rank;
  if (name == "target") return Ordering::target;
  return std::nullopt;
}

std::size_t CandidateLists::users_with_candidates() const {
  std::size_t count = 0;
  for (std::size_t u = 0; u < users; ++u) {
    for (std::size_t o = 0; o < kOrderings; ++o) {
      if (offsets[o][u + 1] > offsets[o][u]) {
        ++count;
        break;
      }
    }
  }
  return count;
}

bool StoredCandidates::empty() const {
  for (const auto& list : by_ordering) {
    if (!list.empty()) return false;
  }
  return true;
}

StoredCandidates to_stored(const CandidateLists& lists, Index user, const IdMap& items) {
  StoredCandidates stored;
  for (Ordering ordering : kAllOrderings) {
    auto& out = stored.by_ordering[static_cast<std::size_t>(ordering)];
    for (const Candidate& c : lists.of(user, ordering)) {
      out.push_back({items.id(c.item), c.score, c.user_rank});
    }
  }
  return stored;
}

}  // namespace invr
