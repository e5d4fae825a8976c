// A/B arms: which method a user's slates get (control, InvR in one of its
// orderings, or a competing long-tail method: docs/methods.md), with its one
// knob, and where in the slate inserted items go. The HTTP server and the A/B
// simulator bucket users with this one function and read arms with one
// parser, so a user lands in the same arm everywhere.
//
// Contract:
//  - An Arm has a method. ArmMethod::invr names an ordering of the user's
//    InvR candidates (nullopt = control: the main pipeline's slate, no
//    insertion). forward_longtail inserts the user's own top treated items;
//    popularity_penalty and xquad change the ranking stage (no insertion)
//    with their weight `lambda`. Inserting arms have the 1-based slate
//    positions their items take; every arm has a traffic weight (> 0).
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
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "invr/candidates.h"

namespace invr {

// What an arm does to the main pipeline's slate (docs/methods.md).
enum class ArmMethod : std::uint8_t {
  invr = 0,                // InvR candidates of `ordering` at the slots (none: control)
  forward_longtail = 1,    // the user's top treated items by dot(user, item), at the slots
  popularity_penalty = 2,  // ranking score - lambda * log(1 + popularity)
  xquad = 3,               // xQuAD long-tail re-ranking of the main list, weight lambda
};
inline constexpr std::size_t kArmMethods = 4;
// "invr", "forward-longtail", "popularity-penalty", "xquad".
const char* arm_method_name(ArmMethod method);
// The name above (also with '_' for '-'), or nullopt.
std::optional<ArmMethod> parse_arm_method(std::string_view name);
// lambda when an arm does not give one: popularity-penalty 0.1, xquad 0.5, else 0.
double default_lambda(ArmMethod method);

struct Arm {
  std::string name;
  // InvR arms: ordering of the user's InvR candidates; nullopt = control.
  // Always nullopt for the other methods.
  std::optional<Ordering> ordering;
  // 1-based slate positions that inserted items take, e.g. {3, 8}. Slots
  // beyond the slate's length are ignored. Empty for control, popularity-
  // penalty and xquad.
  std::vector<int> slots;
  // Traffic share, relative to the other arms' weights. Must be > 0.
  double weight = 1.0;
  ArmMethod method = ArmMethod::invr;
  // The knob of popularity-penalty (>= 0) and xquad ([0, 1]); 0 otherwise.
  double lambda = 0;
  // InvR arms (random, score, user_rank): serve only candidates whose user
  // rank is <= top_users, the lists a job at N = top_users would give from a
  // generation computed at a larger N (docs/methods.md, "InvR's N as an arm
  // knob"). 0 = every candidate. Command-line knob `n`.
  std::int64_t top_users = 0;

  // The main pipeline's slate untouched: an InvR arm without an ordering.
  bool is_control() const { return method == ArmMethod::invr && !ordering; }
  // Items go into the slots (InvR with an ordering, forward-longtail).
  bool inserts() const { return ordering.has_value() || method == ArmMethod::forward_longtail; }
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
// or duplicate name, an ordering that is not a known Ordering, an unknown
// method, an ordering on a method other than invr, a slot < 1, a duplicate
// slot, slots on an arm that inserts nothing (control, popularity-penalty,
// xquad), a lambda out of its method's range ([0, 1e6] popularity-penalty,
// [0, 1] xquad, 0 for the others), a weight that is not finite and > 0,
// weights whose sum is not finite (assign() divides by it). Slots need not
// be sorted; insertion sorts them.
void validate(const Experiment& experiment);

// One arm from its command-line form (invr simulate --arms), the one parser
// of arm names: "control", "invr-random", "invr-score", "invr-user-rank",
// "forward-longtail", "popularity-penalty", "xquad", each optionally followed
// by ":KEY=VALUE" knobs: "lambda=X" (popularity-penalty, xquad) and
// "slots=A/B/..." (inserting arms; default `slots`). The arm's name is the
// text as given (trimmed). UsageError naming the text and the field.
Arm parse_arm(std::string_view text, std::span<const int> slots);

// "control" (or "none", "") -> nullopt; otherwise parse_ordering(name);
// UsageError naming the accepted values if unknown. For configs and CLIs.
std::optional<Ordering> parse_arm_ordering(std::string_view name);

// The bucketing hash and its point in [0, 1), exposed so tests and other
// systems can check they reproduce buckets.
std::uint64_t bucket_hash(std::string_view salt, std::string_view user_id);
double bucket_point(std::string_view salt, std::string_view user_id);

}  // namespace invr
