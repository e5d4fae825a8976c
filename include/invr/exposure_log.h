// Exposure logs on disk: a tab-separated table with a header row, columns
// user_id, item_id, position, clicked (required) and timestamp, arm (optional).
// Headers may carry RecBole types ("item_id:token", "position:float").
// See docs/formats.md.
#pragma once

#include <filesystem>

#include "invr/data.h"

namespace invr {

// Reads a log whose item ids must all be in `items` (else DataError with
// file, line and column). Users are added to log.users as met.
ExposureLog read_exposure_log(const std::filesystem::path& path, const IdMap& items);

// Writes atomically (temporary file, then rename).
void write_exposure_log(const std::filesystem::path& path, const ExposureLog& log, const IdMap& items);

}  // namespace invr
