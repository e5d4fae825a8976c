#include "world_options.h"

#include "setting_flags.h"

namespace invr::cli {

void add_world_options(CLI::App& app, WorldParams& params) {
  const WorldParams defaults = params;
  add_setting_flags(app, world_param_specs(), params, defaults, BoolFlag::kValue);
}
}  // namespace invr::cli
