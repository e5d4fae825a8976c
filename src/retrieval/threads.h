// Thread counts for retrieval: steering the thread pools of OpenBLAS and
// OpenMP (FAISS), which are process-wide. "0 = all cores" is resolved by
// common/parallel.h's resolve_threads.
#pragma once

#include "common/parallel.h"

namespace invr::retrieval {

// Sets OpenBLAS's worker count (process-wide) if it differs, so concurrent
// callers that agree do not race on the setter.
void set_blas_threads(int threads);

}  // namespace invr::retrieval
