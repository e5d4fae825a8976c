// The sharded distributed job (sharded_job.cc): MPI is initialised and the
// generation id agreed on before it is called.
#pragma once

#include <string>

#include "invr/job.h"

namespace invr {

// Rank 0's result has the generation, the whole selection and the summed
// counts; other ranks' results have an empty generation.
JobResult run_job_sharded(const JobFiles& files, const JobConfig& config, const std::string& generation);

}  // namespace invr
