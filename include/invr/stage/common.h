// The common stage's public API, whole: Shared machinery every stage may use: errors, flags, progress, file helpers.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/atomic_file.h"
#include "invr/error.h"
#include "invr/flags.h"
#include "invr/log.h"
#include "invr/matrix.h"
#include "invr/npy.h"
#include "invr/progress.h"
#include "invr/read_file.h"
#include "invr/settings.h"
