// The inverse stage's public API, whole: Inverse retrieval: items query the user index; lists inverted and ordered per user.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/assign.h"
#include "invr/inverse.h"
