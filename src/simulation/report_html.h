// HTML pieces of the report page: escaping, tables and the page itself.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "simulation/report_json.h"
#include "simulation/report_results.h"

namespace invr::report {

// Text for HTML element content or a quoted attribute value.
std::string html_escape(std::string_view text);
// JSON to place inside <script type="application/json">: "<", ">" and "&" are
// written as \u003c, \u003e, \u0026, so no string can close the element or
// open a comment; JSON.parse reads the same values back.
std::string json_for_script(const Json& json);
// JavaScript source to place inside <script>: "</script" becomes "<\/script"
// and "<!--" becomes "<\!--" (the same string in JS literals and comments).
std::string js_for_script(std::string_view source);

// 1234567 -> "1,234,567"; non-integers keep one decimal.
std::string format_count(double x);

// Tables (report_tables.cc). Cells are escaped; numbers formatted for people.
std::string arms_table(const Results& results);
// The paper's three metrics and CTR per arm, with relative changes and CIs.
// A non-null volume adds users (from its arms) and impressions columns.
std::string metrics_table(const std::vector<std::string>& arms,
                          const std::map<std::string, ArmTotals>& totals,
                          const std::map<std::string, Changes>& relative, const Results* volume);
std::string concentration_table(const Results& results);
std::string users_table(const Results& results);

// The whole page (report_page.cc).
std::string render_page(const Results& results, std::string_view chartjs_source);

}  // namespace invr::report
