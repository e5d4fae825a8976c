// The baselines stage's public API, whole: Baselines (most popular, item-kNN, EASE), the holdout and scoring of `invr evaluate`.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/baselines.h"
#include "invr/evaluate.h"
