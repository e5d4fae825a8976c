// Thread counts for retrieval: resolving "0 = all cores" and steering the
// thread pools of OpenBLAS and OpenMP (FAISS), which are process-wide.
#pragma once

namespace invr::retrieval {

// requested > 0 as is; 0 (or less) = std::thread::hardware_concurrency().
int resolve_threads(int requested);

// Sets OpenBLAS's worker count (process-wide) if it differs, so concurrent
// callers that agree do not race on the setter.
void set_blas_threads(int threads);

}  // namespace invr::retrieval
