// Splitting and trimming of the short lists flags and arm names are written in
// ("control,xquad:lambda=0.5", "3/8"). One definition for every parser of them.
#pragma once

#include <string_view>
#include <vector>

namespace invr {

// `s` without leading and trailing spaces and tabs.
inline std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The parts of `text` between `separator`s, empty parts kept ("a,,b" -> a, "", b;
// "" -> one empty part), so a caller can reject them with its own message.
inline std::vector<std::string_view> split_on(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = text.find(separator, begin);
    parts.push_back(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
  return parts;
}

}  // namespace invr
