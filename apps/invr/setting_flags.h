// CLI flags from a declared settings table (invr/settings.h; CONTRIBUTING.md,
// convention 4): one option per row, named flag_name(row.name), with the
// row's help (plus " (a|b)" for choices) and its default shown. Every command
// that exposes settings binds them here, so adding a row adds its flag.
// Header-only and in apps/: CLI11 stays out of the library.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "invr/error.h"
#include "invr/flags.h"
#include "invr/settings.h"

namespace invr::cli {

// How a bool setting reads on the command line.
enum class BoolFlag {
  kSwitch,  // "--all-items" sets it (job, serve)
  kValue,   // "--normalize false" (train, simulate)
};

// Another name for a setting's option: {"learning_rate", "--lr"} accepts --lr
// as well as --learning-rate.
using FlagAlias = std::pair<std::string_view, std::string_view>;

// Declares one option per setting on `app`, in table order, each writing into
// its member of `values` (which must outlive parsing); the help shows
// `defaults`' value. Returns the options in table order, for apply_given_flags.
template <class P>
std::vector<CLI::Option*> add_setting_flags(CLI::App& app, std::span<const Setting<P>> settings,
                                            P& values, const P& defaults, BoolFlag bools,
                                            std::initializer_list<FlagAlias> aliases = {}) {
  std::vector<CLI::Option*> options;
  for (const Setting<P>& setting : settings) {
    std::string names = flag_name(setting.name);
    for (const auto& [name, alias] : aliases)
      if (name == setting.name) names = std::string(alias) + "," + names;
    std::string help = setting.help;
    if (setting.choices) help += fmt::format(" ({})", setting.choices);
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(values.*member)>;
          if constexpr (std::is_same_v<T, bool>) {
            if (bools == BoolFlag::kSwitch) {
              options.push_back(app.add_flag(names, values.*member, help));
              return;
            }
          }
          CLI::Option* option = app.add_option(names, values.*member, help);
          option->default_str(fmt::format("{}", defaults.*member));
          options.push_back(option);
        },
        setting.field);
  }
  return options;
}

// Copies into `params`, from `values`, each setting whose option was given:
// flags override the defaults and whatever a config file put in `params`.
template <class P>
void apply_given_flags(std::span<const Setting<P>> settings, std::span<CLI::Option* const> options,
                       const P& values, P& params) {
  INVR_CHECK(options.size() == settings.size());
  for (std::size_t i = 0; i < settings.size(); ++i)
    if (options[i]->count() > 0)
      std::visit([&](auto member) { params.*member = values.*member; }, settings[i].field);
}

}  // namespace invr::cli
