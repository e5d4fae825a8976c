// The retrieval stage's public API, whole: Exact and FAISS top-k search over embedding matrices.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/retrieval.h"
