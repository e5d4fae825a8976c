// JSON of declared settings (invr/settings.h): every setting of a table by
// its snake_case name, in table order, for the job's manifest and the
// simulator's results.json. Header-only for the same reason as
// settings_toml.h: only stages that link nlohmann_json include it.
#pragma once

#include <span>
#include <variant>

#include <nlohmann/json.hpp>

#include "invr/settings.h"

namespace invr {

template <class P>
nlohmann::ordered_json settings_json(std::span<const Setting<P>> settings, const P& params) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const Setting<P>& setting : settings)
    std::visit([&](auto member) { out[setting.name] = params.*member; }, setting.field);
  return out;
}

}  // namespace invr
