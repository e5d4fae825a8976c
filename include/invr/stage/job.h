// The job stage's public API, whole: The offline InvR job: selection, retrieval, inversion, commit.
// Each public header is listed in exactly one stage umbrella; the stage order
// is src/CMakeLists.txt's, and scripts/check_layers.py (a test) enforces it.
#pragma once

#include "invr/job.h"
