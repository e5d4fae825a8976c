// Logging. Library code logs through one named spdlog logger, "invr", never
// through spdlog's default logger (which, in a program that did not set one,
// writes to stdout: a consumer's results channel). CONTRIBUTING.md,
// convention 7; docs/library.md, "Logging".
#pragma once

#include <spdlog/logger.h>

namespace invr {

// The "invr" logger. Made on first use with one sink, stderr (coloured only
// on a terminal), at spdlog's default level (info), and registered in
// spdlog's registry under "invr"; a logger the caller registered under that
// name before the first use is used instead. The caller sets its level
// (logger().set_level(spdlog::level::warn)), sinks or pattern; thread-safe.
spdlog::logger& logger();

}  // namespace invr
