#include <fmt/format.h>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/exposure_log.h"
#include "invr/log.h"
#include "invr/synth.h"

namespace invr {

void save_world(const World& world, const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw IoError(fmt::format("{}: cannot create folder: {}", dir.string(), ec.message()));
  invr::logger().info("writing {}", dir.string());
  save_atomic(world.dataset, dir, "world");
  write_exposure_log(dir / "world.exposures", world.exposures, world.dataset.items);
  save_truth(world.truth, dir / "world.truth");
}

}  // namespace invr
