// Loads a model directory through an installed invr::model and prints its
// kind, its dimension and which libinvr_torch.so the process mapped, so a
// test can see the plugin was found next to the installed libraries.
// Usage: model_probe MODEL_DIR
#include <cstdio>
#include <fstream>
#include <string>

#include "invr/error.h"
#include "invr/model.h"

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: model_probe MODEL_DIR\n");
    return 2;
  }
  const auto model = invr::TwoTowerModel::load(argv[1]);
  std::printf("model: %s, dim %zu\n", model->kind().c_str(), model->dim());
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const auto at = line.find('/');
    if (at != std::string::npos && line.ends_with("/libinvr_torch.so")) {
      std::printf("plugin: %s\n", line.substr(at).c_str());
      break;
    }
  }
  return 0;
} catch (const invr::Error& e) {
  std::fprintf(stderr, "model_probe: %s\n", e.what());
  return 1;
}
