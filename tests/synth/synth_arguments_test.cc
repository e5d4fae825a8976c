// Caller mistakes in the synth stage throw UsageError naming the argument
// instead of aborting the host process (issue 15, item 2).
#include <gtest/gtest.h>

#include <string>

#include "invr/error.h"
#include "invr/synth.h"
#include "test_util.h"

namespace invr {
namespace {

WorldTruth one_user_one_item() {
  WorldTruth truth;
  truth.dim = 2;
  truth.user_interest = {1, 0};
  truth.item_topic = {1, 0};
  truth.item_quality = {0.5f};
  truth.item_publisher = {0};
  truth.publisher_quality = {0.5f};
  return truth;
}

TEST(SynthArguments, RelevanceAndClickProbabilityRejectBadIndices) {
  const WorldTruth truth = one_user_one_item();
  EXPECT_GT(relevance(truth, 0, 0), 0.0);
  EXPECT_THROW(relevance(truth, 1, 0), UsageError);
  EXPECT_THROW(relevance(truth, 0, -1), UsageError);
  EXPECT_THROW(click_probability(truth, 0, 0, -1), UsageError);
  EXPECT_GT(click_probability(truth, 0, 0, 3), 0.0);
}

TEST(SynthArguments, SaveTruthWithInconsistentSizesThrows) {
  test::TempDir dir;
  WorldTruth truth = one_user_one_item();
  truth.item_topic.push_back(3);  // 3 values for 1 item of dim 2
  EXPECT_THROW(save_truth(truth, dir.path() / "truth.bin"), UsageError);
}

}  // namespace
}  // namespace invr
