#include "invr/settings.h"

#include <fmt/format.h>

#include "common/excerpt.h"
#include "invr/flags.h"

namespace invr::detail {
namespace {
// Calls visit(choice) for each alternative of "a|b" ("|a" has an empty one).
template <class Visit>
void for_each_choice(std::string_view choices, Visit visit) {
  for (std::size_t start = 0; start <= choices.size();) {
    std::size_t end = choices.find('|', start);
    if (end == std::string_view::npos) end = choices.size();
    visit(choices.substr(start, end - start));
    start = end + 1;
  }
}

template <class T>
std::string range_problem_of(double min, double max, T value) {
  const double number = static_cast<double>(value);
  if (number >= min && number <= max) return {};
  return fmt::format("must be in [{}, {}], got {}", min, max, value);
}
}  // namespace

std::string range_problem(double min, double max, std::int64_t value) {
  return range_problem_of(min, max, value);
}
std::string range_problem(double min, double max, std::uint64_t value) {
  return range_problem_of(min, max, value);
}
std::string range_problem(double min, double max, double value) {
  return range_problem_of(min, max, value);
}

std::string choice_problem(const char* choices, const std::string& value) {
  if (!choices) return {};
  bool found = false;
  for_each_choice(choices, [&](std::string_view choice) { found = found || choice == value; });
  if (found) return {};
  return fmt::format("must be one of {}, got \"{}\"", choices, excerpt(value));
}

namespace {
// A bound as the docs write it: shortest round-trip, 1e6 for 1000000 (six or
// more trailing zeros), 1e-7 for fmt's 1e-07, 1e20 for 1e+20.
std::string bound_text(double value) {
  std::string text = fmt::format("{}", value);
  const std::size_t e = text.find('e');
  if (e != std::string::npos) {
    std::size_t digits = e + 1;
    if (text[digits] == '+') text.erase(digits, 1);
    if (text[digits] == '-') ++digits;
    while (digits + 1 < text.size() && text[digits] == '0') text.erase(digits, 1);
    return text;
  }
  if (value == 0 || text.find('.') != std::string::npos) return text;
  const std::size_t zeros = text.size() - 1 - text.find_last_not_of('0');
  if (zeros < 6) return text;
  return fmt::format("{}e{}", text.substr(0, text.size() - zeros), zeros);
}

std::string escape_pipes(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    if (c == '|') escaped += '\\';
    escaped += c;
  }
  return escaped;
}
}  // namespace

const char* const kMarkdownHeader =
    "| name | flag | default | bounds | meaning |\n| --- | --- | --- | --- | --- |\n";

std::string markdown_value(std::int64_t value) { return fmt::format("{}", value); }
std::string markdown_value(std::uint64_t value) { return fmt::format("{}", value); }
std::string markdown_value(double value) { return fmt::format("{}", value); }
std::string markdown_value(bool value) { return value ? "true" : "false"; }
std::string markdown_value(const std::string& value) { return fmt::format("\"{}\"", value); }

std::string markdown_bounds(double min, double max) {
  constexpr double kUnbounded = 9e15;  // about 2^53: past it, doubles skip integers
  const bool has_min = min > -kUnbounded;
  const bool has_max = max < kUnbounded;
  if (has_min && has_max) return fmt::format("{}–{}", bound_text(min), bound_text(max));
  if (has_min) return "≥ " + bound_text(min);
  if (has_max) return "≤ " + bound_text(max);
  return "any";
}

std::string markdown_choices(const char* choices) {
  if (!choices) return "text";
  std::string text;
  for_each_choice(choices, [&](std::string_view choice) {
    text += fmt::format("{}`{}`", text.empty() ? "" : " \\| ", choice.empty() ? "\"\"" : choice);
  });
  return text;
}

std::string markdown_row(const char* name, const std::string& value, const std::string& bounds,
                         const char* help, bool training_only) {
  return fmt::format("| `{}` | `{}` | `{}` | {} | {}{} |\n", name, flag_name(name),
                     escape_pipes(value), bounds, escape_pipes(help),
                     training_only ? " (training only)" : "");
}

}  // namespace invr::detail
