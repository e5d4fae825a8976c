// Settings are declared once with a snake_case name (TOML key); the CLI flag
// is the same name in --kebab-case. One conversion for every spec table.
#pragma once

#include <string>
#include <string_view>

namespace invr {

// "--top-users-per-item" for "top_users_per_item".
std::string flag_name(std::string_view setting);

}  // namespace invr
