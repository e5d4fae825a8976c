// CLI flags for WorldParams, from the one declaration in world_param_specs(),
// shared by `invr generate` and `invr demo`.
#pragma once

#include <CLI/CLI.hpp>

#include "invr/synth.h"

namespace invr::cli {
void add_world_options(CLI::App& app, WorldParams& params);
}
