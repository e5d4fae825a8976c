#include "invr/settings.h"

#include <fmt/format.h>

namespace invr::detail {
namespace {
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
  const std::string_view all = choices;
  for (std::size_t start = 0; start <= all.size();) {
    std::size_t end = all.find('|', start);
    if (end == std::string_view::npos) end = all.size();
    if (all.substr(start, end - start) == value) return {};
    start = end + 1;
  }
  return fmt::format("must be one of {}, got \"{}\"", choices, value);
}

}  // namespace invr::detail
