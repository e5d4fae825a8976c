// The RocksDB backend (layout in rocksdb_layout.h, protocol in docs/store.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "invr/store.h"

namespace invr::store {

// IoError when the directory is missing (and create_if_missing is false) or
// cannot be created; DataError when its CURRENT file is malformed.
std::unique_ptr<CandidateStore> open_rocksdb_store(std::string uri, const std::filesystem::path& root,
                                                   const StoreOptions& options);

}  // namespace invr::store
