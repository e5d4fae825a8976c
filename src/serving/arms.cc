// A/B arms and bucketing. The hash is spelled out in include/invr/arms.h and
// docs/serving.md so other systems (SQL, Python) can reproduce buckets; the
// tests pin its values so an accidental change is caught.
#include "invr/arms.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "common/random.h"
#include "invr/error.h"

namespace invr {
namespace {
constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}
}  // namespace

std::uint64_t bucket_hash(std::string_view salt, std::string_view user_id) {
  std::uint64_t h = fnv1a(kFnvOffset, salt);
  h = fnv1a(h, ":");
  h = fnv1a(h, user_id);
  // FNV-1a's low bits mix poorly for short, similar ids; the SplitMix64
  // finaliser (common/random.h) spreads every input bit over the whole word.
  return splitmix64_finalise(h);
}

double bucket_point(std::string_view salt, std::string_view user_id) {
  // The top 53 bits fill a double's mantissa exactly: u in [0, 1).
  return unit_interval(bucket_hash(salt, user_id));
}

std::size_t Experiment::assign(std::string_view user_id) const {
  if (arms.empty()) throw UsageError("Experiment::assign: the experiment has no arms");
  double total = 0;
  for (const Arm& arm : arms) total += arm.weight;
  const double u = bucket_point(salt, user_id);
  double cumulative = 0;
  for (std::size_t i = 0; i < arms.size(); ++i) {
    cumulative += arms[i].weight;
    if (u < cumulative / total) return i;
  }
  return arms.size() - 1;  // rounding left u above the last bound
}

const Arm* Experiment::find(std::string_view name) const {
  for (const Arm& arm : arms) {
    if (arm.name == name) return &arm;
  }
  return nullptr;
}

Experiment default_experiment() {
  Experiment experiment;
  experiment.salt = "invr";
  experiment.arms = {
      Arm{"control", std::nullopt, {}, 1.0},
      Arm{"invr-random", Ordering::random, {3, 8}, 1.0},
      Arm{"invr-score", Ordering::score, {3, 8}, 1.0},
      Arm{"invr-user-rank", Ordering::user_rank, {3, 8}, 1.0},
  };
  return experiment;
}

void validate(const Experiment& experiment) {
  if (experiment.arms.empty()) throw UsageError("experiment: needs at least one arm");
  std::set<std::string> names;
  for (std::size_t i = 0; i < experiment.arms.size(); ++i) {
    const Arm& arm = experiment.arms[i];
    const std::string where = fmt::format("experiment arm {} (\"{}\")", i + 1, excerpt(arm.name));
    if (arm.name.empty()) throw UsageError(where + ": name must not be empty");
    if (!names.insert(arm.name).second)
      throw UsageError(where + ": duplicate arm name; names must be unique");
    if (arm.ordering && static_cast<std::size_t>(*arm.ordering) >= kOrderings)
      throw UsageError(fmt::format("{}: unknown ordering {}; expected random, score or user_rank",
                                   where, static_cast<int>(*arm.ordering)));
    if (!arm.ordering && !arm.slots.empty())
      throw UsageError(where + ": a control arm (no ordering) must have no slots");
    std::set<int> slots;
    for (int slot : arm.slots) {
      if (slot < 1)
        throw UsageError(fmt::format("{}: slot {} must be >= 1 (slots are 1-based positions)",
                                     where, slot));
      if (!slots.insert(slot).second)
        throw UsageError(fmt::format("{}: duplicate slot {}", where, slot));
    }
    if (!(std::isfinite(arm.weight) && arm.weight > 0))
      throw UsageError(fmt::format("{}: weight must be a finite number > 0, got {}", where,
                                   arm.weight));
  }
  // assign() divides by the total: an infinite one (two weights of 1e308)
  // would send every user to the last arm.
  double total = 0;
  for (const Arm& arm : experiment.arms) total += arm.weight;
  if (!std::isfinite(total))
    throw UsageError(fmt::format("experiment arms: weights must sum to a finite number, got {}; "
                                 "weights are relative shares, so scale them down",
                                 total));
}

std::optional<Ordering> parse_arm_ordering(std::string_view name) {
  if (name.empty() || name == "control" || name == "none") return std::nullopt;
  if (auto ordering = parse_ordering(name)) return ordering;
  throw UsageError(fmt::format(
      "unknown arm ordering \"{}\"; expected control, random, score or user_rank", excerpt(name)));
}

}  // namespace invr
