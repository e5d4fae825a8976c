// The binary value both backends store per user: one user's StoredCandidates.
//
// Format (version 1; docs/store.md has the full spec):
//   magic 'I' 'C', version byte 1,
//   varint N, then N distinct entries: varint item length, item bytes,
//     float32 score (little-endian IEEE-754 bits), zigzag varint user_rank,
//   then for each ordering (random, score, user_rank): varint count and count
//     varint entry indices.
// An entry shared by several orderings is stored once, which is the common
// case (the three orderings are permutations of overlapping sets).
#pragma once

#include <string>
#include <string_view>

#include "invr/candidates.h"

namespace invr::store {

inline constexpr unsigned char kValueMagic0 = 'I';
inline constexpr unsigned char kValueMagic1 = 'C';
inline constexpr unsigned char kValueVersion = 1;

std::string encode_candidates(const StoredCandidates& candidates);

// DataError whose file part is `where` (e.g. "rocksdb:/x generation G user U")
// for a truncated value, a wrong magic, an unknown version or bad indices.
StoredCandidates decode_candidates(std::string_view bytes, std::string_view where);

}  // namespace invr::store
