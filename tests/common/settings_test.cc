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

// settings_markdown: the docs' tables (docs/*.md, `invr settings NAME`).
TEST(SettingsMarkdown, OneRowPerSettingWithFlagDefaultBoundsAndHelp) {
  Example defaults;
  defaults.store = "rocksdb:out/store";
  EXPECT_EQ(settings_markdown(example(), defaults),
            "| name | flag | default | bounds | meaning |\n"
            "| --- | --- | --- | --- | --- |\n"
            "| `top_users_per_item` | `--top-users-per-item` | `100` | 1–1e6 | N |\n"
            "| `seed` | `--seed` | `42` | ≥ 0 | Seed |\n"
            "| `share` | `--share` | `0.5` | 0–1 | Share |\n"
            "| `all_items` | `--all-items` | `false` | bool | All |\n"
            "| `cold_start` | `--cold-start` | `\"\"` | `\"\"` \\| `random` \\| `content` | "
            "Cold start (training only) |\n"
            "| `store` | `--store` | `\"rocksdb:out/store\"` | text | Store |\n");
}

TEST(SettingsMarkdown, DefaultsInTheirOwnType) {
  using detail::markdown_value;
  EXPECT_EQ(markdown_value(std::int64_t{-1}), "-1");
  EXPECT_EQ(markdown_value(std::uint64_t{18446744073709551615ull}), "18446744073709551615");
  EXPECT_EQ(markdown_value(14.0), "14");   // shortest round-trip: no ".0"
  EXPECT_EQ(markdown_value(0.1), "0.1");   // not 0.10000000000000001
  EXPECT_EQ(markdown_value(1e-4), "0.0001");
  EXPECT_EQ(markdown_value(true), "true");
  EXPECT_EQ(markdown_value(std::string("exact")), "\"exact\"");
  EXPECT_EQ(markdown_value(std::string()), "\"\"");
}

TEST(SettingsMarkdown, BoundsUnboundedPastTwoToThe53) {
  using detail::markdown_bounds;
  EXPECT_EQ(markdown_bounds(0, 1), "0–1");
  EXPECT_EQ(markdown_bounds(0.001, 3600), "0.001–3600");
  EXPECT_EQ(markdown_bounds(1e-7, 10), "1e-7–10");    // fmt's 1e-07, exponent tidied
  EXPECT_EQ(markdown_bounds(-1, 1e11), "-1–1e11");    // six or more zeros: 1eN
  EXPECT_EQ(markdown_bounds(1, 600000), "1–600000");  // five: written out
  EXPECT_EQ(markdown_bounds(0, 1073741824), "0–1073741824");
  EXPECT_EQ(markdown_bounds(2, 4e9), "2–4e9");
  EXPECT_EQ(markdown_bounds(-1e12, 1e12), "-1e12–1e12");
  EXPECT_EQ(markdown_bounds(0, 9.2e18), "≥ 0");  // the seed bounds
  EXPECT_EQ(markdown_bounds(1, 18446744073709551615.0), "≥ 1");
  EXPECT_EQ(markdown_bounds(-1e300, 5), "≤ 5");
  EXPECT_EQ(markdown_bounds(-1e300, 1e300), "any");
  EXPECT_EQ(markdown_bounds(0, 8e15), "0–8e15");  // still bounded
}

TEST(SettingsMarkdown, ChoicesAndFreeText) {
  using detail::markdown_choices;
  EXPECT_EQ(markdown_choices("attention|decay"), "`attention` \\| `decay`");
  EXPECT_EQ(markdown_choices("|random|content"), "`\"\"` \\| `random` \\| `content`");
  EXPECT_EQ(markdown_choices("only"), "`only`");
  EXPECT_EQ(markdown_choices(nullptr), "text");
}

TEST(SettingsMarkdown, PipesInHelpAreEscapedAndTrainingOnlyIsSaid) {
  EXPECT_EQ(detail::markdown_row("pooling", "\"a|b\"", "text", "Mean | max", false),
            "| `pooling` | `--pooling` | `\"a\\|b\"` | text | Mean \\| max |\n");
  EXPECT_EQ(detail::markdown_row("epochs", "10", "1–100", "Epochs", true),
            "| `epochs` | `--epochs` | `10` | 1–100 | Epochs (training only) |\n");
}

}  // namespace
}  // namespace invr
