// The extension module invr._invr; python/invr/__init__.py re-exports it
// with the Python-side conveniences. docs/python.md is its manual.
#include <dlfcn.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "arrays.h"
#include "invr/error.h"
#include "invr/progress.h"
#include "invr/retrieval.h"
#include "invr/version.h"

// The plugins sit next to the module in an installed wheel (setup.py copies
// them there). Their loaders (common/plugin_loader.h) read these weak hooks,
// as they do for a program built against an installed invr; in the build tree
// the files are absent and the loader goes on to the build path.
namespace {
std::string next_to_this_module(const char* file) {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&next_to_this_module), &info) == 0 || info.dli_fname == nullptr)
    return file;
  return (std::filesystem::path(info.dli_fname).parent_path() / file).string();
}
}  // namespace

extern "C" const char* invr_torch_plugin_installed_path() {
  static const std::string path = next_to_this_module("libinvr_torch.so");
  return path.c_str();
}

extern "C" const char* invr_rocksdb_plugin_installed_path() {
  static const std::string path = next_to_this_module("libinvr_rocksdb.so");
  return path.c_str();
}

namespace invr::python {
namespace {

// invr.Error and its subclasses, which are also the builtin exceptions a
// Python caller expects: UsageError and DataError are ValueErrors, IoError
// an OSError.
struct ExceptionTypes {
  py::object error, usage, data, io;
};

py::object new_exception(py::module_& m, const char* name, py::tuple bases, const char* doc) {
  const std::string qualified = std::string("invr.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (!type) throw py::error_already_set();
  auto object = py::reinterpret_steal<py::object>(type);
  m.attr(name) = object;
  return object;
}

void register_exceptions(py::module_& m) {
  static ExceptionTypes types;  // lives as long as the module (never unloaded)
  types.error = new_exception(m, "Error", py::make_tuple(py::reinterpret_borrow<py::object>(PyExc_Exception)),
                              "Base of every error invr raises on purpose.");
  types.usage = new_exception(m, "UsageError",
                              py::make_tuple(types.error, py::reinterpret_borrow<py::object>(PyExc_ValueError)),
                              "A bad argument or setting; the message names it.");
  types.data = new_exception(m, "DataError",
                             py::make_tuple(types.error, py::reinterpret_borrow<py::object>(PyExc_ValueError)),
                             "Bad content in a file or array: FILE:LINE:COLUMN: MESSAGE.");
  types.io = new_exception(m, "IoError",
                           py::make_tuple(types.error, py::reinterpret_borrow<py::object>(PyExc_OSError)),
                           "A file or store could not be read or written.");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const UsageError& e) {
      PyErr_SetString(types.usage.ptr(), e.what());
    } catch (const DataError& e) {
      PyErr_SetString(types.data.ptr(), e.what());
    } catch (const IoError& e) {
      PyErr_SetString(types.io.ptr(), e.what());
    } catch (const Error& e) {
      PyErr_SetString(types.error.ptr(), e.what());
    }
  });
}

}  // namespace
}  // namespace invr::python

PYBIND11_MODULE(_invr, m) {
  using namespace invr::python;
  m.doc() = "invr: inverse retrieval for long-tail exposure (C++ core; docs/python.md)";
  m.attr("__version__") = INVR_VERSION_STRING;
  register_exceptions(m);
  // A library call draws no progress bars unless asked (the CLI's are on).
  invr::Progress::set_enabled(false);
  m.def("set_progress", &invr::Progress::set_enabled, py::arg("enabled"),
        "Show progress bars on stderr during long calls (off by default in Python; process-wide).");
  // OpenBLAS's pool is process-wide (numpy may share it): the module leaves
  // it alone; the caller sets it once (docs/library.md, "Threads").
  m.def("set_blas_threads", &invr::set_blas_threads, py::arg("threads"),
        "Set OpenBLAS's thread pool (process-wide; 0 = all cores). 1 suits exact topk and "
        "inverse_retrieve with threads > 1; call once, before searching.");
  m.def("blas_threads", &invr::blas_threads, "OpenBLAS's thread pool size now.");
  // For the tests: how an embedding argument is taken (copied or the caller's buffer).
  m.def("_matrix_input", [](py::handle obj) {
    const FloatMatrix matrix = float_matrix(obj, "matrix");
    return py::make_tuple(matrix.copied, reinterpret_cast<std::uintptr_t>(matrix.view.data));
  });
  m.def("_torch_plugin_path", [] { return std::string(invr_torch_plugin_installed_path()); },
        "Where this module looks first for the LibTorch plugin (next to itself).");
  bind_retrieval(m);
  bind_data(m);
  bind_store(m);
  bind_model(m);
  bind_simulation(m);
}
