// The life cycle both generation writers share: open -> committed | aborted,
// and "failed" after an I/O error, when the writer's state is unknown (a
// half-sent pipeline, a half-merged run) and only abort() is accepted.
#pragma once

#include <string_view>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr::store {

struct WriterState {
  bool committed = false;
  bool aborted = false;
  bool failed = false;

  // Runs body; an IoError from it marks the writer failed and propagates.
  template <typename Body>
  void failing_closes(const Body& body) {
    try {
      body();
    } catch (const IoError&) {
      failed = true;
      throw;
    }
  }

  // UsageError unless put()/commit() (`what`) may still run.
  void require_open(std::string_view uri, std::string_view id, const char* what) const {
    if (failed)
      throw UsageError(fmt::format(
          "{}: {} on generation {} after an earlier write failed; destroy the writer", uri, what,
          id));
    if (committed || aborted)
      throw UsageError(fmt::format("{}: {} on generation {}, which is already {}", uri, what, id,
                                   committed ? "committed" : "aborted"));
  }
};

}  // namespace invr::store
