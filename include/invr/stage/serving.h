// The serving stage's public API, whole: Slate assembly, experiment arms and the HTTP service.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/slate.h"
#include "invr/arms.h"
#include "invr/server.h"
