// POST /v1/events body validation: JSON lines, one event per line,
//
//   {"user": "u1", "item": "i9", "event": "click", "timestamp": 1704067200.5,
//    "position": 3, "arm": "invr-user-rank"}
//
// user, item and event are required; timestamp defaults to the server's
// clock; position (1-based) and arm are optional and checked, but only the
// four .inter columns are logged (docs/serving_http.md, "Events").
// A body is accepted whole or not at all.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "invr/arms.h"
#include "invr/error.h"
#include "serving/event_log.h"

namespace invr::serving {

// A bad line: its 1-based number in the body, the field at fault (empty for
// the whole line) and what was expected. what() = "line N: ...".
class EventInputError : public UsageError {
 public:
  EventInputError(std::size_t line, std::string field, const std::string& message);
  std::size_t line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::size_t line_;
  std::string field_;
};

// Parses every non-blank line (a trailing "\r" is dropped). Items must be in
// `items` (the served catalog); an arm, if given, must be in `experiment`.
// Throws EventInputError for the first bad line, or line 0 for a body with
// no events.
std::vector<LoggedEvent> parse_event_lines(std::string_view body, const IdMap& items,
                                           const Experiment& experiment, double now);

}  // namespace invr::serving
