// The binary value both backends store per user: one user's StoredCandidates.
//
// Format (version 2; docs/store.md has the full spec):
//   magic 'I' 'C', version byte 2,
//   varint N, then N distinct entries: varint item length, item bytes,
//     float32 score (little-endian IEEE-754 bits), zigzag varint user_rank,
//   then for each ordering (random, score, user_rank, target): varint count
//     and count varint entry indices.
// Version 1 is the same with three lists (no target). The encoder writes
// version 1 when the target list is empty, so older servers keep reading
// stores written with the assignment off; the decoder reads both (a version-1
// value has an empty target list).
// An entry shared by several orderings is stored once, which is the common
// case (the orderings are permutations of overlapping sets).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "invr/candidates.h"

namespace invr::store {

inline constexpr unsigned char kValueMagic0 = 'I';
inline constexpr unsigned char kValueMagic1 = 'C';
inline constexpr unsigned char kValueVersion = 2;
inline constexpr unsigned char kValueVersionThreeOrderings = 1;
inline constexpr std::size_t kOrderingsInVersion1 = 3;

std::string encode_candidates(const StoredCandidates& candidates);

// DataError whose file part is `where` (e.g. "rocksdb:/x generation G user U")
// for a truncated value, a wrong magic, an unknown version or bad indices.
StoredCandidates decode_candidates(std::string_view bytes, std::string_view where);

}  // namespace invr::store
