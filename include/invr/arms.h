// A/B arms: which InvR ordering (if any) a user's slates get, and where in
// the slate its candidates go. The HTTP server and the A/B simulator bucket
// users with this one function, so a user lands in the same arm everywhere.
//
// Contract:
//  - An Arm names an ordering of the user's InvR candidates (nullopt =
//    control: the main pipeline's slate, no insertion), the 1-based slate
//    positions that candidates take, and a traffic weight (> 0, relative).
//  - Bucketing is a pure function of (salt, user id), identical across
//    processes, platforms and releases (docs/serving.md, "Bucketing"):
//      h = FNV-1a 64 over the bytes of salt, then the byte ':', then the bytes
//          of user_id (offset basis 0xcbf29ce484222325, prime 0x100000001b3);
//      x = splitmix64 finaliser of h:
//          x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
//          x ^= x >> 27; x *= 0x94d049bb133111eb; x ^= x >> 31;
//      u = (x >> 11) * 2^-53, in [0, 1);
//      arm = the first i with u < (w_0 + ... + w_i) / (w_0 + ... + w_last),
//            the last arm if rounding leaves u above every bound.
//    Changing the salt reshuffles every user; changing weights moves only the
//    users near the changed boundaries.
//  - Experiment is a plain value; assign() and find() are const and
//    thread-safe. validate() throws UsageError naming the arm and field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "invr/candidates.h"

namespace invr {

struct Arm {
  std::string name;
  // Ordering of the user's InvR candidates; nullopt = control (no InvR).
  std::optional<Ordering> ordering;
  // 1-based slate positions that InvR candidates take, e.g. {3, 8}. Slots
  // beyond the slate's length are ignored. Empty for control.
  std::vector<int> slots;
  // Traffic share, relative to the other arms' weights. Must be > 0.
  double weight = 1.0;
};

struct Experiment {
  // Mixed into the bucketing hash; a new salt reshuffles users across arms.
  std::string salt = "invr";
  std::vector<Arm> arms;

  // Index into `arms` for this user (see the contract). No arms throws
  // UsageError; call validate() on experiments read from input.
  std::size_t assign(std::string_view user_id) const;
  // The arm called `name`, or nullptr.
  const Arm* find(std::string_view name) const;
};

// control, invr-random, invr-score, invr-user-rank: equal weights, InvR
// candidates at slots {3, 8}, salt "invr".
Experiment default_experiment();

// Throws UsageError (naming the arm and what is wrong) for: no arms, an empty
// or duplicate name, an ordering that is not a known Ordering, a slot < 1, a
// duplicate slot, a control arm with slots, a weight that is not finite and
// > 0, weights whose sum is not finite (assign() divides by it). Slots need
// not be sorted; insertion sorts them.
void validate(const Experiment& experiment);

// "control" (or "none", "") -> nullopt; otherwise parse_ordering(name);
// UsageError naming the accepted values if unknown. For configs and CLIs.
std::optional<Ordering> parse_arm_ordering(std::string_view name);

// The bucketing hash and its point in [0, 1), exposed so tests and other
// systems can check they reproduce buckets.
std::uint64_t bucket_hash(std::string_view salt, std::string_view user_id);
double bucket_point(std::string_view salt, std::string_view user_id);

}  // namespace invr
