// Shared by the report's reader and page tests: read or render a results.json
// made in the test, the reader's error for it, and one element of the page.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "invr/error.h"
#include "invr/report.h"
#include "report/report_json.h"
#include "report/report_results.h"

namespace invr::report::test_read {

inline Results read(const Json& json) { return read_results(json.dump(), "results.json"); }
inline std::string page(const Json& json) {
  return render_report(json.dump(), "results.json", "/**/");
}

// The DataError message for `json`, or "" when it reads.
inline std::string read_error(const Json& json) {
  try {
    read(json);
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), "results.json");
    return e.what();
  }
  return "";
}

// The HTML of the element that starts with `open` (up to its closing tag).
inline std::string section(const std::string& html, const std::string& open,
                           const std::string& close = "</section>") {
  const auto begin = html.find(open);
  if (begin == std::string::npos) return "";
  return html.substr(begin, html.find(close, begin) + close.size() - begin);
}

}  // namespace invr::report::test_read
