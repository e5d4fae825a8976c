// The metrics stage's public API, whole: Accuracy and exposure metrics, dataset statistics.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/metrics.h"
#include "invr/stats.h"
