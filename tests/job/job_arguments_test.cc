// Caller mistakes in the job stage throw UsageError naming the argument
// instead of aborting the host process (issue 15, item 2).
#include <gtest/gtest.h>

#include <string>

#include "invr/error.h"
#include "invr/job.h"

namespace invr {
namespace {

TEST(JobArguments, ShardRowsRejectsBadRanks) {
  EXPECT_EQ(shard_rows(10, 1, 2).begin, 5);
  EXPECT_THROW(shard_rows(10, 0, 0), UsageError);
  EXPECT_THROW(shard_rows(10, 2, 2), UsageError);
  EXPECT_THROW(shard_rows(10, -1, 2), UsageError);
  EXPECT_THROW(shard_rows(-1, 0, 1), UsageError);
}

TEST(JobArguments, RunJobWithoutDatasetOrModelThrows) {
  JobInputs inputs;  // dataset and model null
  inputs.write_output = false;
  try {
    run_job(inputs, JobConfig{}, nullptr, "g1");
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("inputs.dataset"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace invr
