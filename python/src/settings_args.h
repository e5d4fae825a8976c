// Keyword arguments onto a declared settings table (invr/settings.h): the
// Python names are the tables' snake_case names, so `inverse_retrieve`,
// `simulate` and the docs' settings tables agree without a list here.
#pragma once

#include <fmt/format.h>
#include <pybind11/pybind11.h>

#include <span>
#include <string>
#include <type_traits>

#include "invr/settings.h"

namespace invr::python {
namespace py = pybind11;

// Sets params' field named `name` from `value`; false when no row has that name.
// TypeError-free: a value of the wrong type is a ValueError naming the setting.
template <class P>
bool set_setting(std::span<const Setting<P>> settings, P& params, const std::string& name,
                 py::handle value) {
  const Setting<P>* setting = find_setting(settings, name);
  if (!setting) return false;
  std::visit(
      [&](auto member) {
        using T = std::remove_cvref_t<decltype(params.*member)>;
        const bool ok = std::is_same_v<T, std::string> ? py::isinstance<py::str>(value)
                        : std::is_same_v<T, bool>      ? py::isinstance<py::bool_>(value)
                        : std::is_floating_point_v<T>
                            ? (py::isinstance<py::float_>(value) || py::isinstance<py::int_>(value)) &&
                                  !py::isinstance<py::bool_>(value)
                            : py::isinstance<py::int_>(value) && !py::isinstance<py::bool_>(value);
        if (!ok)
          throw py::value_error(fmt::format("{}: expected {}, got {}", name,
                                            std::is_same_v<T, std::string> ? "a str"
                                            : std::is_same_v<T, bool>      ? "a bool"
                                            : std::is_floating_point_v<T>  ? "a number"
                                                                           : "an int",
                                            std::string(py::str(value.get_type().attr("__name__")))));
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
          // Out of the type's range: py::cast raises; say which argument.
          try {
            params.*member = value.cast<T>();
          } catch (const py::cast_error&) {
            throw py::value_error(fmt::format("{}: {} is out of range", name, std::string(py::repr(value))));
          }
        } else {
          params.*member = value.cast<T>();
        }
      },
      setting->field);
  return true;
}

// ValueError "NAME must be in [LO, HI], got V" for the first value out of
// bounds, with the Python (snake_case) name.
template <class P>
void check_settings(std::span<const Setting<P>> settings, const P& params) {
  for (const Setting<P>& setting : settings) {
    const std::string problem = setting_problem(setting, params);
    if (!problem.empty()) throw py::value_error(std::string(setting.name) + " " + problem);
  }
}

}  // namespace invr::python
