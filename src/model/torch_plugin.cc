// Finding and loading libinvr_torch.so (see core/torch_plugin_api.h for why
// LibTorch lives in a plugin).
#include <dlfcn.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "invr/error.h"
#include "model/loaders.h"

// Defined (weakly) in a program built against an installed invr: invrConfig.cmake
// adds a generated source returning <prefix>/<libdir>/libinvr_torch.so to
// every target linking invr::model (docs/library.md, "The Torch plugin").
// Null in the build tree and in programs linked another way.
extern "C" __attribute__((weak)) const char* invr_torch_plugin_installed_path();

namespace invr::model {
namespace fs = std::filesystem;

#ifdef INVR_WITHOUT_TORCH
const TorchPluginApi& torch_plugin() {
  throw Error(
      "this invr was built without LibTorch (INVR_WITH_TORCH=OFF): two-tower and TorchScript "
      "models cannot be trained, loaded or embedded with; rebuild with INVR_WITH_TORCH=ON");
}
#else

namespace {
constexpr const char* kPluginFile = "libinvr_torch.so";

std::vector<fs::path> candidates() {
  std::vector<fs::path> paths;
  if (const char* env = std::getenv("INVR_TORCH_PLUGIN"); env && *env) paths.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    paths.push_back(exe.parent_path() / ".." / "lib" / kPluginFile);
    paths.push_back(exe.parent_path() / kPluginFile);
  }
  // Installed: <prefix>/<libdir>, next to the libraries.
  if (invr_torch_plugin_installed_path) paths.emplace_back(invr_torch_plugin_installed_path());
  paths.emplace_back(INVR_TORCH_PLUGIN_BUILD_PATH);  // the build tree, for tests and dev runs
  return paths;
}

const TorchPluginApi& load() {
  std::string tried;
  for (const fs::path& path : candidates()) {
    if (!fs::exists(path)) {
      tried += fmt::format("\n  {}: not found", path.string());
      continue;
    }
    // RTLD_LOCAL: the plugin's symbols (its LibTorch, its invr copies) stay its own.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += fmt::format("\n  {}: {}", path.string(), dlerror());
      continue;
    }
    auto entry = reinterpret_cast<TorchPluginEntry>(dlsym(handle, kTorchPluginEntry));
    if (!entry) {
      tried += fmt::format("\n  {}: no {} (a plugin from another invr version?)", path.string(),
                           kTorchPluginEntry);
      continue;
    }
    return *entry();  // never dlclose'd: models it made may live until exit
  }
  throw Error(fmt::format("cannot load the LibTorch model plugin {} (set INVR_TORCH_PLUGIN to "
                          "its path); tried:{}",
                          kPluginFile, tried));
}
}  // namespace

const TorchPluginApi& torch_plugin() {
  static const TorchPluginApi& api = load();
  return api;
}
#endif  // INVR_WITHOUT_TORCH

}  // namespace invr::model
