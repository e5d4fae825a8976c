// A/B arms and bucketing. The hash is spelled out in include/invr/arms.h and
// docs/serving.md so other systems (SQL, Python) can reproduce buckets; the
// tests pin its values so an accidental change is caught.
#include "invr/arms.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <string>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "common/random.h"
#include "common/split.h"
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

namespace {
// The method's rules for one arm: ordering, slots and lambda (docs/methods.md).
void validate_method(const Arm& arm, const std::string& where) {
  if (static_cast<std::size_t>(arm.method) >= kArmMethods)
    throw UsageError(fmt::format("{}: unknown method {}; expected invr, forward-longtail, "
                                 "popularity-penalty or xquad",
                                 where, static_cast<int>(arm.method)));
  const char* method = arm_method_name(arm.method);
  if (arm.method != ArmMethod::invr && arm.ordering)
    throw UsageError(fmt::format("{}: ordering is for invr arms; a {} arm has none", where, method));
  if (!arm.inserts() && !arm.slots.empty())
    throw UsageError(arm.is_control()
                         ? where + ": a control arm (no ordering) must have no slots"
                         : fmt::format("{}: slots: a {} arm inserts nothing, so it takes no slots",
                                       where, method));
  double max_lambda = 0;
  if (arm.method == ArmMethod::popularity_penalty) max_lambda = 1e6;
  if (arm.method == ArmMethod::xquad) max_lambda = 1;
  if (!(std::isfinite(arm.lambda) && arm.lambda >= 0 && arm.lambda <= max_lambda))
    throw UsageError(max_lambda == 0
                         ? fmt::format("{}: lambda: only popularity-penalty and xquad arms have "
                                       "one, got {} on a {} arm",
                                       where, arm.lambda, method)
                         : fmt::format("{}: lambda must be in [0, {}] for a {} arm, got {}", where,
                                       max_lambda, method, arm.lambda));
  if (arm.top_users < 0)
    throw UsageError(fmt::format("{}: top_users must be >= 0 (0: every candidate), got {}", where,
                                 arm.top_users));
  // target lists are an assignment planned at the job's N, not prefixes by
  // user rank: cutting them would break what the assignment guarantees.
  if (arm.top_users > 0 && (!arm.ordering || *arm.ordering == Ordering::target))
    throw UsageError(fmt::format("{}: top_users (n) is for invr arms of ordering random, score or "
                                 "user_rank",
                                 where));
}
}  // namespace

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
      throw UsageError(fmt::format("{}: unknown ordering {}; expected random, score, user_rank or target",
                                   where, static_cast<int>(*arm.ordering)));
    validate_method(arm, where);
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
      "unknown arm ordering \"{}\"; expected control, random, score, user_rank or target", excerpt(name)));
}

const char* arm_method_name(ArmMethod method) {
  switch (method) {
    case ArmMethod::invr:
      return "invr";
    case ArmMethod::forward_longtail:
      return "forward-longtail";
    case ArmMethod::popularity_penalty:
      return "popularity-penalty";
    case ArmMethod::xquad:
      return "xquad";
  }
  return "?";
}

std::optional<ArmMethod> parse_arm_method(std::string_view name) {
  std::string dashed(name);
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  for (std::size_t m = 0; m < kArmMethods; ++m)
    if (dashed == arm_method_name(static_cast<ArmMethod>(m))) return static_cast<ArmMethod>(m);
  return std::nullopt;
}

double default_lambda(ArmMethod method) {
  if (method == ArmMethod::popularity_penalty) return 0.1;
  if (method == ArmMethod::xquad) return 0.5;
  return 0;
}

namespace {

// One KNOB=VALUE of an arm's command-line form.
void set_knob(Arm& arm, std::string_view knob, std::string_view text) {
  const std::size_t eq = knob.find('=');
  const std::string_view key = trim_blanks(knob.substr(0, eq));
  const std::string_view value = eq == std::string_view::npos ? "" : trim_blanks(knob.substr(eq + 1));
  const std::string where = fmt::format("arm \"{}\"", excerpt(text));
  if (key == "lambda") {
    double lambda = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), lambda);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size())
      throw UsageError(fmt::format("{}: lambda must be a number, got \"{}\"", where, excerpt(value)));
    arm.lambda = lambda;
  } else if (key == "n") {
    std::int64_t n = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || n < 1)
      throw UsageError(fmt::format("{}: n (top users per item) must be an integer >= 1, got \"{}\"",
                                   where, excerpt(value)));
    arm.top_users = n;
  } else if (key == "slots") {
    arm.slots.clear();
    std::size_t begin = 0;
    while (begin <= value.size()) {
      const std::size_t slash = std::min(value.find('/', begin), value.size());
      const std::string_view part = value.substr(begin, slash - begin);
      int slot = 0;
      const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), slot);
      if (part.empty() || ec != std::errc() || end != part.data() + part.size() || slot < 1)
        throw UsageError(fmt::format("{}: slots must be slate positions >= 1 joined by '/' such "
                                     "as 3/8, got \"{}\"",
                                     where, excerpt(value)));
      arm.slots.push_back(slot);
      begin = slash + 1;
    }
  } else {
    throw UsageError(fmt::format("{}: unknown knob \"{}\"; expected lambda=NUMBER, n=INTEGER or "
                                 "slots=A/B",
                                 where, excerpt(key)));
  }
}
}  // namespace

Arm parse_arm(std::string_view text, std::span<const int> slots) {
  text = trim_blanks(text);
  const std::string_view kind = trim_blanks(text.substr(0, text.find(':')));
  Arm arm;
  arm.name = std::string(text);
  if (kind.starts_with("invr-")) {
    arm.ordering = parse_ordering(kind.substr(5));
    if (!arm.ordering)
      throw UsageError(fmt::format("unknown arm \"{}\"; an InvR arm is invr-random, invr-score, "
                                   "invr-user-rank or invr-target",
                                   excerpt(text)));
  } else if (kind != "control") {
    const auto method = parse_arm_method(kind);
    if (!method || *method == ArmMethod::invr)
      throw UsageError(fmt::format("unknown arm \"{}\"; expected control, invr-random, invr-score, "
                                   "invr-user-rank, invr-target, forward-longtail, popularity-penalty or "
                                   "xquad (with :lambda=X or :slots=A/B)",
                                   excerpt(text)));
    arm.method = *method;
    arm.lambda = default_lambda(arm.method);
  }
  if (arm.inserts()) arm.slots.assign(slots.begin(), slots.end());
  std::size_t colon = text.find(':');
  while (colon != std::string_view::npos) {
    const std::size_t next = text.find(':', colon + 1);
    set_knob(arm, text.substr(colon + 1, next == std::string_view::npos ? next : next - colon - 1),
             text);
    colon = next;
  }
  Experiment one;
  one.arms = {arm};
  try {
    validate(one);
  } catch (const UsageError& e) {
    // "experiment arm 1 (NAME): ..." -> "arm NAME: ..."
    const std::string message = e.what();
    const std::size_t at = message.find("): ");
    throw UsageError(fmt::format("arm \"{}\": {}", excerpt(text),
                                 at == std::string::npos ? message : message.substr(at + 3)));
  }
  return arm;
}

}  // namespace invr
