// The store stage's public API, whole: Candidate stores: RocksDB and Redis generations.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/store.h"
