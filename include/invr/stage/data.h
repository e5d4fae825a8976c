// The data stage's public API, whole: Datasets: ids, interactions, items, the .inter/.item format, converters, splits, exposure logs, candidate lists.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/data.h"
#include "invr/atomic_io.h"
#include "invr/convert.h"
#include "invr/split.h"
#include "invr/exposure_log.h"
#include "invr/candidates.h"
