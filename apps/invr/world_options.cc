#include "world_options.h"

#include <fmt/format.h>

#include "invr/flags.h"

namespace invr::cli {

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
