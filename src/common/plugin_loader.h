// Finding and loading invr's plugins: libinvr_torch.so (src/model/torch/) and
// libinvr_rocksdb.so (src/store/rocksdb/), shared objects loaded with dlopen
// the first time they are needed, so that a process which never runs a
// network or opens a RocksDB store does not pay for their libraries at start.
//
// A plugin exports one extern "C" entry, `const Api* NAME()`, whose name
// carries a version suffix; it links its own hidden copies of the static invr
// code it needs and is never unloaded (objects it made may live until exit).
#pragma once

namespace invr {

struct PluginSpec {
  const char* description;  // for the error: "LibTorch model plugin"
  const char* file;         // "libinvr_torch.so"
  const char* entry;        // the exported entry: "invr_torch_plugin_v1"
  const char* env_var;      // a path to try first: "INVR_TORCH_PLUGIN"
  // The installed copy: a weak hook that a program built against an
  // installed invr (invrConfig.cmake) or the Python module defines; null
  // where nothing defines it.
  const char* (*installed_path)();
  const char* build_path;  // the build tree's copy, for tests and dev runs
};

// Tries, in order: $env_var, ../lib/<file> and <file> next to the running
// executable, installed_path(), build_path; dlopens the first that exists with
// RTLD_NOW | RTLD_LOCAL (its symbols stay its own) and returns its entry's
// address. Throws Error naming every path tried and why each failed, and the
// variable to set. Not cached: the caller keeps the result (a function-local
// static), so the plugin is opened once.
void* load_plugin_entry(const PluginSpec& spec);

// The entry called: the plugin's API, which lives as long as the process.
template <typename Api>
const Api& load_plugin(const PluginSpec& spec) {
  using Entry = const Api* (*)();
  return *reinterpret_cast<Entry>(load_plugin_entry(spec))();
}

}  // namespace invr
