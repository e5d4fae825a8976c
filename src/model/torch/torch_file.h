// LibTorch archives (torch::save) written through invr's own file code.
//
// LibTorch's file writer throws when a write fails part-way (a full disk, a
// file-size limit), and then again from its destructor while the first
// exception unwinds: std::terminate, rc 134, the whole process gone (issue 17,
// item 5). Here LibTorch hands its bytes to a function that never reports a
// short write to it; the first failure is remembered and becomes an IoError
// naming the file once LibTorch is done. Internal (LibTorch types).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

namespace invr::model {

// What torch::save(value, writer) and OutputArchive::save_to take.
using TorchWriter = std::function<std::size_t(const void*, std::size_t)>;

// Runs serialize(writer), which must pass writer to torch::save, and stores
// the bytes at `path` atomically and durably (save_atomically). IoError
// naming `path` and `what` ("weights") if LibTorch or the file fails.
void save_torch_file(const std::filesystem::path& path, std::string_view what,
                     const std::function<void(const TorchWriter&)>& serialize);

}  // namespace invr::model
