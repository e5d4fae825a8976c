// invr built with INVR_WITH_MPI=OFF (docs/library.md, "Options"): the
// distributed job's API stays, and each call says how to get it.
#include "invr/distributed.h"
#include "invr/error.h"

namespace invr {
namespace {
[[noreturn]] void no_mpi() {
  throw UsageError("this invr was built without MPI (INVR_WITH_MPI=OFF): the distributed job is "
                   "unavailable; run the job without --distributed or rebuild with INVR_WITH_MPI=ON");
}
}  // namespace

JobResult run_job_distributed(const JobFiles&, const JobConfig&) { no_mpi(); }
int mpi_rank() { return 0; }
int mpi_ranks() { return 1; }

}  // namespace invr
