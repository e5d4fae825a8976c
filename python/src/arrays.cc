#include "arrays.h"

#include <fmt/format.h>

#include <string_view>

namespace invr::python {

namespace {
// dtype kinds accepted as numbers: signed, unsigned, float (bool and object are not).
bool numeric_kind(char kind, bool allow_float) {
  return kind == 'i' || kind == 'u' || (allow_float && kind == 'f');
}

py::array as_array(py::handle obj, const char* name) {
  // No forcecast: a list becomes an array of its natural dtype, checked below.
  auto array = py::array::ensure(obj);
  if (!array)
    throw py::value_error(fmt::format("{}: expected a numpy array, got {}", name,
                                      std::string(py::str(obj.get_type().attr("__name__")))));
  return array;
}

std::string dtype_name(const py::array& array) { return py::str(array.dtype()); }
}  // namespace

FloatMatrix float_matrix(py::handle obj, const char* name) {
  FloatMatrix out;
  if (py::isinstance<FloatArray>(obj)) {
    // float32 and C-contiguous: the caller's buffer, no copy.
    out.array = py::reinterpret_borrow<FloatArray>(obj);
  } else {
    const py::array array = as_array(obj, name);
    if (!numeric_kind(array.dtype().kind(), /*allow_float=*/true))
      throw py::value_error(fmt::format("{}: expected a numeric array (float32 best), got dtype {}",
                                        name, dtype_name(array)));
    // The one conversion (forcecast: float64 and integers become float32).
    auto converted = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
    if (!converted) throw py::error_already_set();
    out.array = py::reinterpret_borrow<FloatArray>(converted);
    out.copied = true;
  }
  if (out.array.ndim() != 2)
    throw py::value_error(fmt::format("{}: expected a 2-D array (rows x dim), got {} dimension(s)",
                                      name, out.array.ndim()));
  if (out.array.shape(1) < 1)
    throw py::value_error(fmt::format("{}: expected at least one column, got shape ({}, 0)", name,
                                      out.array.shape(0)));
  // A 0-row array may have no buffer; the library wants a pointer either way.
  static const float kEmpty = 0.0f;
  const float* data = out.array.data();
  out.view = MatrixView{data ? data : &kEmpty, static_cast<std::int64_t>(out.array.shape(0)),
                        static_cast<std::int64_t>(out.array.shape(1))};
  return out;
}

std::vector<std::int64_t> int_vector(py::handle obj, const char* name) {
  const py::array array = as_array(obj, name);
  if (array.ndim() != 1)
    throw py::value_error(
        fmt::format("{}: expected a 1-D array, got {} dimension(s)", name, array.ndim()));
  if (array.size() > 0 && !numeric_kind(array.dtype().kind(), /*allow_float=*/false))
    throw py::value_error(
        fmt::format("{}: expected an integer array, got dtype {}", name, dtype_name(array)));
  const auto values = py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>::ensure(array);
  if (!values) throw py::error_already_set();
  return std::vector<std::int64_t>(values.data(), values.data() + values.size());
}

void check_range(const char* name, std::int64_t value, std::int64_t lo, std::int64_t hi) {
  if (value < lo || value > hi)
    throw py::value_error(fmt::format("{} must be in [{}, {}], got {}", name, lo, hi, value));
}

}  // namespace invr::python
