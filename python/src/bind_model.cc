// invr.Model: any model directory (two-tower, TorchScript, precomputed)
// through TwoTowerModel; LibTorch stays in its plugin, loaded on first use
// exactly as the CLI loads it (module.cc says where an installed wheel keeps it).
#include <fmt/format.h>
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>

#include "arrays.h"
#include "invr/model.h"

namespace invr::python {
namespace {

EmbedOptions embed_options(std::optional<double> as_of, std::optional<std::string> cold_start) {
  EmbedOptions options;
  if (as_of) options.as_of = *as_of;
  if (cold_start) {
    options.cold_start = parse_cold_start(*cold_start);
    if (!options.cold_start)
      throw py::value_error(fmt::format("cold_start: expected \"random\" or \"content\", got \"{}\"", *cold_start));
  }
  return options;
}

// The Matrix's buffer becomes the array's: no copy.
py::array_t<float> matrix_array(Matrix&& matrix) {
  const auto rows = static_cast<py::ssize_t>(matrix.rows);
  const auto cols = static_cast<py::ssize_t>(matrix.cols);
  return to_numpy(std::move(matrix.data), {rows, cols});
}

template <bool kUsers>
py::array_t<float> embed(const TwoTowerModel& model, const Dataset& dataset, std::optional<double> as_of,
                         std::optional<std::string> cold_start) {
  const EmbedOptions options = embed_options(as_of, std::move(cold_start));
  Matrix matrix;
  {
    py::gil_scoped_release release;
    matrix = kUsers ? model.embed_users(dataset, options) : model.embed_items(dataset, options);
  }
  return matrix_array(std::move(matrix));
}

}  // namespace

void bind_model(py::module_& m) {
  py::class_<TwoTowerModel, std::shared_ptr<TwoTowerModel>>(
      m, "Model", "A model directory of any kind (docs/model.md); immutable, thread-safe.")
      .def_static("load", [](const std::string& dir) {
             py::gil_scoped_release release;
             return std::shared_ptr<TwoTowerModel>(TwoTowerModel::load(dir));
           }, py::arg("dir"), "Loads DIR (\"two-tower\", \"torchscript\" or \"precomputed\").")
      .def_property_readonly("kind", &TwoTowerModel::kind)
      .def_property_readonly("dim", &TwoTowerModel::dim)
      .def("embed_users", &embed<true>, py::arg("dataset"), py::arg("as_of") = py::none(),
           py::arg("cold_start") = py::none(),
           "float32 (users x dim), row r = dataset user r; histories before as_of (default: all).")
      .def("embed_items", &embed<false>, py::arg("dataset"), py::arg("as_of") = py::none(),
           py::arg("cold_start") = py::none(),
           "float32 (items x dim), row r = dataset item r; cold_start: \"random\" or \"content\" "
           "(default: the model's).");
}

}  // namespace invr::python
