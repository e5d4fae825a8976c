// TOML for declared settings (invr/settings.h): a table of a TOML file read
// into P, and P written back as TOML, both from the one Setting<P> table.
// model.toml, invr.toml's [selection] ... [job], [serve] and [slate] all go
// through here.
//
// Header-only on purpose: toml++ (PkgConfig::TOMLPP) is a dependency of only
// the stages that read TOML (model, job, serving). This header sits in common
// so they share one reader without one reaching into another's private
// headers, while the invr_common library compiles none of it and so keeps its
// link line (fmt, spdlog). An includer links toml++ and nlohmann_json
// (strings are written as JSON string literals, valid TOML basic strings).
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "common/excerpt.h"
#include "common/toml_text.h"
#include "invr/error.h"
#include "invr/read_file.h"
#include "invr/settings.h"

namespace invr {

// Parses a whole TOML file. IoError if it cannot be read (`what` as in
// read_whole_file); DataError with the parser's line and column for bad TOML,
// and for text that toml++ 3.3 cannot read safely (check_toml_text).
inline toml::table parse_toml_file(const std::filesystem::path& path, std::string_view what = {}) {
  const std::string text = read_whole_file(path, what);
  check_toml_text(text, path.string());
  try {
    return toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    throw DataError(path.string(), e.source().begin.line, e.source().begin.column,
                    std::string(e.description()));
  }
}

// A TOML number as a double, or nullopt for anything else. An integer a double
// cannot hold exactly (9223372036854775807) is rounded to the nearest double,
// where toml++'s value<double>() gives no value at all.
inline std::optional<double> toml_double(const toml::node& node) {
  if (const auto* number = node.as_floating_point()) return number->get();
  if (const auto* number = node.as_integer()) return static_cast<double>(number->get());
  return std::nullopt;
}

// Reads `table` into params; keys not given keep their value. An unknown key,
// a value of the wrong type or out of its bounds is a DataError at its
// FILE:LINE:COLUMN. `section` ("selection") prefixes the key in messages
// ("selection.window_days: expected a number") and names the table of an
// unknown key ("unknown setting 'x' in [selection]"); with an empty section
// (a file of one settings table) messages name the bare key and an unknown
// key points at `docs` ("unknown setting 'x' (see docs/model.md)").
template <class P>
void read_toml_settings(const toml::table& table, const std::filesystem::path& path,
                        std::span<const Setting<P>> settings, P& params,
                        std::string_view section, std::string_view docs = {}) {
  // Not a structured binding: the visitor below captures node, which clang
  // before 16 refuses for a binding (the fuzz build, docs/fuzzing.md, is clang).
  for (auto&& entry : table) {
    const toml::key& key = entry.first;
    const toml::node& node = entry.second;
    const Setting<P>* setting = find_setting(settings, key.str());
    if (!setting) {
      const auto& at = key.source().begin;
      throw DataError(path.string(), at.line, at.column,
                      section.empty()
                          ? fmt::format("unknown setting '{}' (see {})", excerpt(key.str()), docs)
                          : fmt::format("unknown setting '{}' in [{}]", excerpt(key.str()), section));
    }
    const std::string label =
        section.empty() ? std::string(setting->name) : fmt::format("{}.{}", section, setting->name);
    const auto& where = node.source().begin;
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(params.*member)>;
          auto fail = [&](const char* expected) {
            throw DataError(path.string(), where.line, where.column,
                            fmt::format("{}: expected {}", label, expected));
          };
          if constexpr (std::is_same_v<T, std::string>) {
            if (!node.is_string()) fail("a string");
            params.*member = node.template value<std::string>().value();
          } else if constexpr (std::is_same_v<T, bool>) {
            if (!node.is_boolean()) fail("true or false");
            params.*member = node.template value<bool>().value();
          } else if constexpr (std::is_floating_point_v<T>) {
            const std::optional<double> number = toml_double(node);
            if (!number) fail("a number");
            params.*member = *number;
          } else {
            if (!node.is_integer()) fail("an integer");
            const std::int64_t value = node.template value<std::int64_t>().value();
            if (std::is_unsigned_v<T> && value < 0) fail("a non-negative integer");
            params.*member = static_cast<T>(value);
          }
        },
        setting->field);
    const std::string problem = setting_problem(*setting, params);
    if (!problem.empty())
      throw DataError(path.string(), where.line, where.column,
                      fmt::format("{} {}", label, problem));
  }
}

// A TOML float: "0.5", "3.0" (never a bare integer), "inf", "-inf", "nan".
inline std::string toml_number(double value) {
  if (!std::isfinite(value)) return value > 0 ? "inf" : (value < 0 ? "-inf" : "nan");
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

// One "# HELP\nNAME = VALUE\n" per setting, in table order (a blank line
// before each when blank_lines), so the file documents itself.
template <class P>
std::string settings_toml(std::span<const Setting<P>> settings, const P& params,
                          bool blank_lines = false) {
  std::string text;
  for (const Setting<P>& setting : settings) {
    text += fmt::format("{}# {}\n{} = ", blank_lines ? "\n" : "", setting.help, setting.name);
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(params.*member)>;
          if constexpr (std::is_same_v<T, std::string>) {
            text += nlohmann::json(params.*member).dump();
          } else if constexpr (std::is_same_v<T, bool>) {
            text += params.*member ? "true" : "false";
          } else if constexpr (std::is_floating_point_v<T>) {
            text += toml_number(params.*member);
          } else {
            text += fmt::format("{}", params.*member);
          }
        },
        setting.field);
    text += '\n';
  }
  return text;
}

}  // namespace invr
