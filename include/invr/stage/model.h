// The model stage's public API, whole: The two-tower model: config, training, import, embedding (LibTorch stays inside).
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/model.h"
#include "invr/model_config.h"
#include "invr/model_train.h"
#include "invr/tune.h"
