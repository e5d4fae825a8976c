#include <cctype>

#include "report/report_html.h"

namespace invr::report {
namespace {

bool starts_with_ignoring_case(std::string_view text, std::size_t at, std::string_view prefix) {
  if (text.size() - at < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[at + i])) != prefix[i]) return false;
  return true;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string json_for_script(const Json& json) {
  // replace: invalid UTF-8 cannot reach here (the parser rejects it), but a
  // dump must never throw halfway through a page.
  const std::string dumped = json.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::string out;
  out.reserve(dumped.size());
  // These characters only occur inside JSON strings, where \uXXXX is equivalent.
  for (char c : dumped) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string js_for_script(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '<' && starts_with_ignoring_case(source, i, "</script")) {
      out += "<\\/";
      ++i;  // skip '/', the rest is copied as is
      continue;
    }
    if (source[i] == '<' && starts_with_ignoring_case(source, i, "<!--")) {
      out += "<\\!";
      ++i;  // skip '!'
      continue;
    }
    out += source[i];
  }
  return out;
}

}  // namespace invr::report
