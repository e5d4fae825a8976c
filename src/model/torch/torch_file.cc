#include "model/torch/torch_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>
#include <torch/torch.h>

#include "invr/atomic_file.h"
#include "invr/error.h"

namespace invr::model {

void save_torch_file(const std::filesystem::path& path, std::string_view what,
                     const std::function<void(const TorchWriter&)>& serialize) {
  save_atomically(path, [&](const std::filesystem::path& temp) {
    std::FILE* file = std::fopen(temp.c_str(), "wb");
    if (!file)
      throw IoError(fmt::format("{}: cannot write {}: {}", path.string(), what,
                                std::strerror(errno)));
    int error = 0;
    const TorchWriter writer = [&](const void* data, std::size_t bytes) -> std::size_t {
      if (error == 0 && bytes > 0 && std::fwrite(data, 1, bytes, file) != bytes)
        error = errno != 0 ? errno : EIO;
      return bytes;  // never short: LibTorch would throw from a destructor
    };
    try {
      serialize(writer);
    } catch (const c10::Error& e) {
      std::fclose(file);
      throw IoError(fmt::format("{}: cannot write {}: {}", path.string(), what,
                                e.what_without_backtrace()));
    }
    if (std::fclose(file) != 0 && error == 0) error = errno != 0 ? errno : EIO;
    if (error != 0)
      throw IoError(fmt::format("{}: cannot write {}: {}", path.string(), what,
                                std::strerror(error)));
  });
}

}  // namespace invr::model
