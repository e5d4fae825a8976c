// The evaluation stage's public API, whole: Accuracy and exposure metrics, baselines, statistics.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/metrics.h"
#include "invr/baselines.h"
#include "invr/evaluate.h"
#include "invr/stats.h"
