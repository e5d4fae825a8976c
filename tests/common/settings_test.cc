// The declared-settings facility (include/invr/settings.h): the checks and
// messages every stage's validate() and TOML reader share.
#include "invr/settings.h"

#include <array>
#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "invr/error.h"

namespace invr {
namespace {

struct Example {
  std::int64_t top_users_per_item = 100;
  std::uint64_t seed = 42;
  double share = 0.5;
  bool all_items = false;
  std::string cold_start;
  std::string store;
};

using E = Example;
const std::array kExample = {
    Setting<E>{"top_users_per_item", "N", 1, 1e6, &E::top_users_per_item},
    Setting<E>{"seed", "Seed", 0, 18446744073709551615.0, &E::seed},
    Setting<E>{"share", "Share", 0, 1, nullptr, &E::share},
    Setting<E>{"all_items", "All", 0, 1, &E::all_items},
    Setting<E>{"cold_start", "Cold start", 0, 0, "|random|content", &E::cold_start, true},
    Setting<E>{"store", "Store", 0, 0, nullptr, &E::store},
};
std::span<const Setting<E>> example() { return kExample; }

std::string usage_error(const Example& e) {
  try {
    validate_settings(example(), e);
  } catch (const UsageError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Settings, BothInitializerOrdersFillTheRow) {
  EXPECT_EQ(kExample[0].choices, nullptr);
  EXPECT_FALSE(kExample[0].training_only);
  EXPECT_EQ(kExample[0].max, 1e6);
  EXPECT_EQ(std::string(kExample[4].choices), "|random|content");
  EXPECT_TRUE(kExample[4].training_only);
  EXPECT_EQ(find_setting(example(), "share"), &kExample[2]);
  EXPECT_EQ(find_setting(example(), "shares"), nullptr);
}

TEST(Settings, DefaultsPass) { EXPECT_EQ(usage_error(Example{}), "no error"); }

TEST(Settings, OutOfBoundsNamesTheFlagTheBoundsAndTheValue) {
  Example e;
  e.top_users_per_item = -5;
  EXPECT_EQ(usage_error(e), "--top-users-per-item must be in [1, 1000000], got -5");
  e = {};
  e.share = 2;
  EXPECT_EQ(usage_error(e), "--share must be in [0, 1], got 2");
  e.share = 0.25;
  e.top_users_per_item = 1000000;  // bounds are inclusive
  EXPECT_EQ(usage_error(e), "no error");
}

TEST(Settings, IntegersPrintExactly) {
  Example e;
  e.top_users_per_item = 9007199254740993;  // 2^53 + 1: no double holds it
  EXPECT_EQ(usage_error(e), "--top-users-per-item must be in [1, 1000000], got 9007199254740993");
  e = {};
  e.seed = 18446744073709551615ull;
  EXPECT_EQ(usage_error(e), "no error");
}

TEST(Settings, StringsAreCheckedAgainstTheirChoices) {
  Example e;
  e.cold_start = "warm";
  EXPECT_EQ(usage_error(e), "--cold-start must be one of |random|content, got \"warm\"");
  for (const char* ok : {"", "random", "content"}) {
    e.cold_start = ok;
    EXPECT_EQ(usage_error(e), "no error") << ok;
  }
  e.store = "";  // nullptr choices: free text, empty included
  EXPECT_EQ(usage_error(e), "no error");
}

TEST(Settings, TheFirstProblemInTableOrderIsReported) {
  Example e;
  e.share = -1;
  e.top_users_per_item = 0;
  EXPECT_EQ(setting_problem(kExample[2], e), "must be in [0, 1], got -1");
  EXPECT_EQ(usage_error(e), "--top-users-per-item must be in [1, 1000000], got 0");
}

}  // namespace
}  // namespace invr
