#include "threads.h"

#include <algorithm>
#include <thread>

// Declared here rather than through cblas.h: only OpenBLAS has these, and the
// build links OpenBLAS (cmake/Dependencies.cmake).
extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
}

namespace invr::retrieval {

void set_blas_threads(int threads) {
  if (openblas_get_num_threads() != threads) openblas_set_num_threads(threads);
}

}  // namespace invr::retrieval
