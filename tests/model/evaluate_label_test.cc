// invr evaluate --model reports the model under its own kind (issue 20): an
// als directory is "als", not "two_tower", and "als_model" beside the als method.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "invr/model.h"
#include "invr/model_train.h"
#include "model/toy_data.h"
#include "test_util.h"

namespace invr {
namespace {

std::vector<std::string> labels(const EvaluationReport& report) {
  std::vector<std::string> out;
  for (const MethodEvaluation& m : report.methods) out.push_back(m.method);
  return out;
}

TEST(EvaluateLabel, AnAlsModelDirectoryIsReportedAsAls) {
  test::TempDir dir;
  const Dataset d = test::make_toy_dataset();
  ModelConfig config;
  config.kind = "als";
  config.threads = 2;
  TrainOptions train;
  train.out_dir = dir / "als";
  train.progress = false;
  train_model(d, config, train);

  EvaluationOptions options;
  options.model_dir = dir / "als";
  options.methods = {"two_tower", "most_popular"};
  EXPECT_EQ(labels(evaluate_methods(d, options)), (std::vector<std::string>{"als", "most_popular"}));
  // Beside the als method (ALS trained on the holdout), the directory's row keeps its own name.
  options.methods = {"two_tower", "als"};
  const EvaluationReport both = evaluate_methods(d, options);
  EXPECT_EQ(labels(both), (std::vector<std::string>{"als_model", "als"}));
  // Same settings, same training rows (its validation rows are the holdout): the same scores.
  EXPECT_NEAR(both.methods[0].accuracy.overall.recall, both.methods[1].accuracy.overall.recall, 0.02);
}

}  // namespace
}  // namespace invr
