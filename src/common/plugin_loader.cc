#include "common/plugin_loader.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"

namespace invr {
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> candidates(const PluginSpec& spec) {
  std::vector<fs::path> paths;
  if (const char* env = std::getenv(spec.env_var); env && *env) paths.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    paths.push_back(exe.parent_path() / ".." / "lib" / spec.file);
    paths.push_back(exe.parent_path() / spec.file);
  }
  // Installed: <prefix>/<libdir>, next to the libraries (or the Python module).
  if (spec.installed_path) paths.emplace_back(spec.installed_path());
  if (spec.build_path && *spec.build_path) paths.emplace_back(spec.build_path);
  return paths;
}

}  // namespace

void* load_plugin_entry(const PluginSpec& spec) {
  std::string tried;
  for (const fs::path& path : candidates(spec)) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      tried += fmt::format("\n  {}: not found", path.string());
      continue;
    }
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += fmt::format("\n  {}: {}", path.string(), dlerror());
      continue;
    }
    if (void* entry = dlsym(handle, spec.entry)) return entry;  // never dlclose'd
    tried += fmt::format("\n  {}: no {} (a plugin from another invr version?)", path.string(), spec.entry);
  }
  throw Error(fmt::format("cannot load the {} {} (set {} to its path); tried:{}", spec.description, spec.file,
                          spec.env_var, tried));
}

}  // namespace invr
