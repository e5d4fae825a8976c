// Generic readers and writers over a parameter spec table (name, help, min,
// max, choices, member pointer), so every [section] of invr.toml, the CLI
// flags and the manifest come from the one declaration of each setting.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "invr/error.h"
#include "invr/flags.h"
#include "invr/job.h"

namespace invr::job {

// Parses a whole TOML file. IoError if it cannot be read; DataError with the
// parser's line and column for bad TOML.
toml::table parse_toml_file(const std::filesystem::path& path);

// read_job_config on an already parsed file, so readers of a shared
// invr.toml (the server) parse it once.
void read_job_tables(const toml::table& root, const std::filesystem::path& path,
                     JobConfig& config);

using invr::flag_name;

// "" when the value is acceptable, else what was expected.
template <class Spec, class Params>
std::string spec_problem(const Spec& spec, const Params& params) {
  return std::visit(
      [&](auto member) -> std::string {
        using T = std::remove_cvref_t<decltype(params.*member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          if (!spec.choices) return {};
          const std::string_view choices = spec.choices;
          std::size_t start = 0;
          while (start <= choices.size()) {
            std::size_t end = choices.find('|', start);
            if (end == std::string_view::npos) end = choices.size();
            if (choices.substr(start, end - start) == params.*member) return {};
            start = end + 1;
          }
          return fmt::format("must be one of {}, got \"{}\"", spec.choices, params.*member);
        } else {
          const double value = static_cast<double>(params.*member);
          if (value >= spec.min && value <= spec.max) return {};
          return fmt::format("must be in [{}, {}], got {}", spec.min, spec.max, value);
        }
      },
      spec.field);
}

// Reads `table` into params. Unknown keys, wrong types and values out of
// bounds are DataErrors naming the file, line and column.
template <class Spec, class Params>
void read_spec_table(const toml::table& table, const std::filesystem::path& path,
                     std::string_view section, std::span<const Spec> specs, Params& params) {
  for (auto&& [key, node] : table) {
    const auto& where = node.source().begin;
    const Spec* spec = nullptr;
    for (const auto& s : specs)
      if (key.str() == s.name) spec = &s;
    if (!spec)
      throw DataError(path.string(), key.source().begin.line, key.source().begin.column,
                      fmt::format("unknown setting '{}' in [{}]", key.str(), section));
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(params.*member)>;
          auto fail = [&](const char* expected) {
            throw DataError(path.string(), where.line, where.column,
                            fmt::format("{}.{}: expected {}", section, spec->name, expected));
          };
          if constexpr (std::is_same_v<T, std::string>) {
            if (!node.is_string()) fail("a string");
            params.*member = node.template value<std::string>().value();
          } else if constexpr (std::is_same_v<T, bool>) {
            if (!node.is_boolean()) fail("true or false");
            params.*member = node.template value<bool>().value();
          } else if constexpr (std::is_floating_point_v<T>) {
            if (!node.is_number()) fail("a number");
            params.*member = node.template value<double>().value();
          } else {
            if (!node.is_integer()) fail("an integer");
            const std::int64_t value = node.template value<std::int64_t>().value();
            if (std::is_unsigned_v<T> && value < 0) fail("a non-negative integer");
            params.*member = static_cast<T>(value);
          }
        },
        spec->field);
    const std::string problem = spec_problem(*spec, params);
    if (!problem.empty())
      throw DataError(path.string(), where.line, where.column,
                      fmt::format("{}.{} {}", section, spec->name, problem));
  }
}

template <class Spec, class Params>
nlohmann::ordered_json spec_table_json(std::span<const Spec> specs, const Params& params) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const auto& spec : specs)
    std::visit([&](auto member) { out[spec.name] = params.*member; }, spec.field);
  return out;
}

inline std::string toml_number(double value) {
  if (!std::isfinite(value)) return value > 0 ? "inf" : (value < 0 ? "-inf" : "nan");
  std::string text = fmt::format("{}", value);
  if (text.find_first_of(".en") == std::string::npos) text += ".0";
  return text;
}

template <class Spec, class Params>
std::string spec_table_toml(std::string_view section, std::span<const Spec> specs,
                            const Params& params) {
  std::string text = fmt::format("[{}]\n", section);
  for (const auto& spec : specs) {
    text += fmt::format("# {}\n{} = ", spec.help, spec.name);
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(params.*member)>;
          if constexpr (std::is_same_v<T, std::string>) {
            // A JSON string literal is a valid TOML basic string.
            text += nlohmann::json(params.*member).dump();
          } else if constexpr (std::is_same_v<T, bool>) {
            text += params.*member ? "true" : "false";
          } else if constexpr (std::is_floating_point_v<T>) {
            text += toml_number(params.*member);
          } else {
            text += fmt::format("{}", params.*member);
          }
        },
        spec.field);
    text += '\n';
  }
  return text;
}

}  // namespace invr::job
