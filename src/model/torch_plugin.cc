// Finding and loading libinvr_torch.so (see core/torch_plugin_api.h for why
// LibTorch lives in a plugin; common/plugin_loader.h for how plugins load).
#include "common/plugin_loader.h"
#include "invr/error.h"
#include "model/loaders.h"

// Defined (weakly) in a program built against an installed invr: invrConfig.cmake
// adds a generated source returning <prefix>/<libdir>/libinvr_torch.so to
// every target linking invr::model (docs/library.md, "The plugins").
// Null in the build tree and in programs linked another way.
extern "C" __attribute__((weak)) const char* invr_torch_plugin_installed_path();

namespace invr::model {

#ifdef INVR_WITHOUT_TORCH
const TorchPluginApi& torch_plugin() {
  throw Error(
      "this invr was built without LibTorch (INVR_WITH_TORCH=OFF): two-tower and TorchScript "
      "models cannot be trained, loaded or embedded with; rebuild with INVR_WITH_TORCH=ON");
}
#else
const TorchPluginApi& torch_plugin() {
  // Never unloaded: models it made may live until exit.
  static const TorchPluginApi& api = load_plugin<TorchPluginApi>({
      .description = "LibTorch model plugin",
      .file = "libinvr_torch.so",
      .entry = kTorchPluginEntry,
      .env_var = "INVR_TORCH_PLUGIN",
      .installed_path = invr_torch_plugin_installed_path,
      .build_path = INVR_TORCH_PLUGIN_BUILD_PATH,
  });
  return api;
}
#endif  // INVR_WITHOUT_TORCH

}  // namespace invr::model
