// The plugin's single exported symbol (everything else is hidden).
#include "model/torch/plugin.h"

extern "C" __attribute__((visibility("default"))) const invr::model::TorchPluginApi*
invr_torch_plugin_v1() {
  static const invr::model::TorchPluginApi api{&invr::model::load_native_model,
                                               &invr::model::load_torchscript_model,
                                               &invr::model::train_native};
  return &api;
}
