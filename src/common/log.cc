#include "invr/log.h"

#include <memory>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace invr {

spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    if (auto registered = spdlog::get("invr")) return registered;
    auto made = std::make_shared<spdlog::logger>(
        "invr", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    try {
      spdlog::register_logger(made);
    } catch (const spdlog::spdlog_ex&) {
      // Registered by another thread between get and register: use that one.
      if (auto registered = spdlog::get("invr")) return registered;
    }
    return made;
  }();
  return *instance;
}

}  // namespace invr
