// TOML settings: the input as invr.toml, read by read_server_config (which
// reads the job's tables through read_job_config, then [serve], [slate] and
// [experiment]) and validated, and as model.toml by read_model_config.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "invr/model_config.h"
#include "invr/server.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace invr;
  auto& dir = fuzz::scratch();
  const auto path = dir.write("invr.toml", fuzz::as_text(data, size));
  fuzz::expected([&] {
    ServerConfig config;
    read_server_config(path, config);
    config.serve.data = "data";  // required on the command line when the file lacks them
    config.serve.model = "model";
    validate(config);
  });
  fuzz::expected([&] {
    ModelConfig config;
    read_model_config(path, config);
    validate(config);
  });
  return 0;
}
