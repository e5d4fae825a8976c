#include "world_options.h"

#include <fmt/format.h>

namespace invr::cli {
namespace {
std::string flag_name(const char* snake) {
  std::string out = "--";
  for (const char* c = snake; *c; ++c) out += *c == '_' ? '-' : *c;
  return out;
}
}  // namespace

void add_world_options(CLI::App& app, WorldParams& params) {
  for (const auto& spec : world_param_specs()) {
    std::visit(
        [&](auto member) {
          auto& value = params.*member;
          app.add_option(flag_name(spec.name), value, spec.help)->default_str(fmt::format("{}", value));
        },
        spec.field);
  }
}
}  // namespace invr::cli
