// Declared settings (CONTRIBUTING.md, convention 4): every settings struct P
// (WorldParams, ModelConfig, SelectionParams, JobSettings, SlateParams,
// ServeSettings, SimulationParams, ...) has one table of Setting<P> rows, and
// the CLI flags, the TOML keys, the bounds checks and the docs follow it.
//
// Contract:
//  - A row names one member of P by a member pointer: std::int64_t,
//    std::uint64_t, double, bool or std::string.
//  - name is snake_case: the TOML key, the JSON key and, through flag_name,
//    the CLI flag (--kebab-case).
//  - Numbers are checked against [min, max], inclusive, compared as doubles.
//    Bools are not checked. Strings are checked against choices ("a|b"; an
//    empty alternative, "|a|b", allows the empty string); nullptr choices =
//    free text (a stage adds its own checks, such as "must not be empty").
//  - training_only (model settings): changes how a model is trained, not what
//    it computes; false everywhere else.
//  - Tables are immutable after static initialisation, so reading them from
//    many threads is safe. The functions here are pure.
//
// The generic parts: validate_settings() and settings_markdown() (the docs
// tables, `invr settings NAME`) here; TOML reading and writing in
// src/common/settings_toml.h, JSON in src/common/settings_json.h (header-only,
// for the stages that link toml++ / nlohmann_json); CLI binding in
// apps/invr/setting_flags.h (CLI11 stays out of the library).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "invr/error.h"
#include "invr/flags.h"

namespace invr {

template <class P>
struct Setting {
  using Params = P;
  using Field = std::variant<std::int64_t P::*, std::uint64_t P::*, double P::*, bool P::*,
                             std::string P::*>;

  const char* name;
  const char* help;
  double min = 0;  // inclusive bounds for numbers
  double max = 0;
  const char* choices = nullptr;  // strings: "a|b|c"; nullptr = free text
  Field field;
  bool training_only = false;

  // {name, help, min, max, member}: a number or bool.
  constexpr Setting(const char* name, const char* help, double min, double max, Field field)
      : name(name), help(help), min(min), max(max), field(field) {}
  // {name, help, min, max, choices, member[, training_only]}.
  constexpr Setting(const char* name, const char* help, double min, double max,
                    const char* choices, Field field, bool training_only = false)
      : name(name),
        help(help),
        min(min),
        max(max),
        choices(choices),
        field(field),
        training_only(training_only) {}
};

namespace detail {
// "" when value is in [min, max], else "must be in [MIN, MAX], got VALUE"
// (the value printed in its own type).
std::string range_problem(double min, double max, std::int64_t value);
std::string range_problem(double min, double max, std::uint64_t value);
std::string range_problem(double min, double max, double value);
// "" when value is one of choices ("a|b"; nullptr = anything), else
// "must be one of a|b, got \"value\"".
std::string choice_problem(const char* choices, const std::string& value);

// The cells of settings_markdown(): a default (14, 0.5, true, "exact");
// numeric bounds ("0–1", "1–1e6", "≥ 0", "any"); string choices
// ("`a` \| `b`", or "text" for free text); one whole row.
std::string markdown_value(std::int64_t value);
std::string markdown_value(std::uint64_t value);
std::string markdown_value(double value);
std::string markdown_value(bool value);
std::string markdown_value(const std::string& value);
std::string markdown_bounds(double min, double max);
std::string markdown_choices(const char* choices);
std::string markdown_row(const char* name, const std::string& value, const std::string& bounds,
                         const char* help, bool training_only);
extern const char* const kMarkdownHeader;
}  // namespace detail

// "" when params' value of `setting` is acceptable, else what is wrong with it
// ("must be in [0, 1], got 2"); callers prefix the flag or the TOML key.
template <class P>
std::string setting_problem(const Setting<P>& setting, const P& params) {
  return std::visit(
      [&](auto member) -> std::string {
        const auto& value = params.*member;
        using T = std::remove_cvref_t<decltype(value)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return detail::choice_problem(setting.choices, value);
        } else if constexpr (std::is_same_v<T, bool>) {
          return {};
        } else {
          return detail::range_problem(setting.min, setting.max, value);
        }
      },
      setting.field);
}

// Throws UsageError naming the flag ("--long-tail-share must be in [0, 1],
// got 2") for the first setting, in table order, whose value is not
// acceptable. Cross-field rules stay in the stage's own validate().
template <class P>
void validate_settings(std::span<const Setting<P>> settings, const P& params) {
  for (const Setting<P>& setting : settings) {
    const std::string problem = setting_problem(setting, params);
    if (!problem.empty()) throw UsageError(flag_name(setting.name) + " " + problem);
  }
}

// One Markdown table, | name | flag | default | bounds | meaning |, a row per
// setting in table order: name, flag and default in backticks (defaults
// from `defaults`: integers plain, doubles shortest round-trip, bools
// true/false, strings quoted); bounds "MIN–MAX", "≥ MIN" or "≤ MAX" (9e15
// or more in size is unbounded), "any"; "bool"; choices as `a` \| `b` (the empty
// alternative as `""`) or "text"; meaning = help, '|' escaped, with
// " (training only)" where training_only. The docs' tables are this text
// (`invr settings NAME`, scripts/settings_docs.py).
template <class P>
std::string settings_markdown(std::span<const Setting<P>> settings, const P& defaults) {
  std::string text = detail::kMarkdownHeader;
  for (const Setting<P>& setting : settings) {
    std::visit(
        [&](auto member) {
          const auto& value = defaults.*member;
          using T = std::remove_cvref_t<decltype(value)>;
          std::string bounds;
          if constexpr (std::is_same_v<T, std::string>) {
            bounds = detail::markdown_choices(setting.choices);
          } else if constexpr (std::is_same_v<T, bool>) {
            bounds = "bool";
          } else {
            bounds = detail::markdown_bounds(setting.min, setting.max);
          }
          text += detail::markdown_row(setting.name, detail::markdown_value(value), bounds,
                                       setting.help, setting.training_only);
        },
        setting.field);
  }
  return text;
}

// The row named `name`, or nullptr.
template <class P>
const Setting<P>* find_setting(std::span<const Setting<P>> settings, std::string_view name) {
  for (const Setting<P>& setting : settings)
    if (name == setting.name) return &setting;
  return nullptr;
}

}  // namespace invr
