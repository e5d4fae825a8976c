// Turning Python arguments into the library's views, checked first: the
// library treats wrong sizes from code as invariants (INVR_CHECK aborts), so
// everything a caller can get wrong is checked here and raised as ValueError
// naming the argument (docs/python.md, "Errors").
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cstdint>
#include <string>
#include <vector>

#include "invr/matrix.h"

namespace invr::python {
namespace py = pybind11;

using FloatArray = py::array_t<float, py::array::c_style>;

// A 2-D float matrix argument. float32 C-contiguous arrays are used in place
// (`array` refers to the caller's buffer); anything else numeric is converted
// once into a new float32 C-contiguous array (copied = true).
struct FloatMatrix {
  FloatArray array;
  MatrixView view;
  bool copied = false;
};
// ValueError naming `name` unless obj is a 2-D numeric array (or convertible
// to one) with at least one column.
FloatMatrix float_matrix(py::handle obj, const char* name);

// A 1-D integer argument converted to std::int64_t values (a copy: index
// lists are small next to embeddings). ValueError naming `name` for another
// dtype or shape.
std::vector<std::int64_t> int_vector(py::handle obj, const char* name);

// Throws ValueError "NAME must be in [LO, HI], got V".
void check_range(const char* name, std::int64_t value, std::int64_t lo, std::int64_t hi);

// A numpy array owning `values` without a copy (the vector moves into a capsule).
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& values, std::vector<py::ssize_t> shape) {
  auto* owner = new std::vector<T>(std::move(values));
  py::capsule free_owner(owner, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owner->data(), free_owner);
}
template <class T>
py::array_t<T> to_numpy(std::vector<T>&& values) {
  const auto n = static_cast<py::ssize_t>(values.size());
  return to_numpy(std::move(values), std::vector<py::ssize_t>{n});
}

// Each part of the module registers its functions and classes.
void bind_retrieval(py::module_& m);
void bind_data(py::module_& m);
void bind_store(py::module_& m);
void bind_model(py::module_& m);
void bind_simulation(py::module_& m);

}  // namespace invr::python
