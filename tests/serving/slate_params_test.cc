#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "invr/error.h"
#include "invr/slate.h"
#include "test_util.h"

namespace invr {
namespace {

TEST(SlateParams, DefaultsAreValid) {
  const SlateParams params;
  EXPECT_NO_THROW(validate(params));
  EXPECT_EQ(params.retrieve_k, 200);
  EXPECT_EQ(params.max_n, 100);
}

TEST(SlateParams, OutOfBoundsNamesTheFlag) {
  SlateParams params;
  params.retrieve_k = 0;
  try {
    validate(params);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--retrieve-k must be in [1, 1000000], got 0"),
              std::string::npos)
        << e.what();
  }
  params = {};
  params.freshness_weight = -1;
  EXPECT_THROW(validate(params), UsageError);
  params = {};
  params.max_n = 201;
  EXPECT_THROW(validate(params), UsageError);
}

TEST(SlateParams, EveryParameterIsDocumented) {
  const auto path = std::filesystem::path(INVR_TESTDATA_DIR) / "../../docs/serving.md";
  const std::string docs = test::read_file(path);
  for (const auto& spec : slate_param_specs()) {
    EXPECT_NE(docs.find(std::string("`") + spec.name + "`"), std::string::npos)
        << spec.name << " is not in docs/serving.md";
    EXPECT_GE(spec.max, spec.min) << spec.name;
  }
}

TEST(SlateCatalogFromDataset, CopiesItemsAndCountsPositiveEvents) {
  Dataset dataset;
  dataset.users.add("u0");
  dataset.items.add("x");
  dataset.items.add("y");
  dataset.producers.add("p");
  dataset.item_table.push_back(0, 10.0, {});
  dataset.item_table.push_back(0, kNoTime, {});
  dataset.interactions.push_back(0, 0, 1.0, EventType::click, 1);
  dataset.interactions.push_back(0, 0, 2.0, EventType::impression, 1);  // not positive
  dataset.interactions.push_back(0, 1, 3.0, EventType::click, 1);
  dataset.interactions.push_back(0, 1, 5.0, EventType::click, 1);
  dataset.interactions.push_back(0, 1, kNoTime, EventType::rating, 4);
  EXPECT_EQ(item_popularity(dataset), (std::vector<double>{1, 3}));
  EXPECT_EQ(item_popularity(dataset, 4.0), (std::vector<double>{1, 1}));

  const SlateCatalog catalog = make_catalog(dataset, Matrix(2, 4), item_popularity(dataset));
  EXPECT_EQ(catalog.items(), 2u);
  EXPECT_EQ(catalog.item_ids.find("y"), 1);
  EXPECT_EQ(catalog.producer, (std::vector<Index>{0, 0}));
  EXPECT_DOUBLE_EQ(catalog.publish_time[0], 10.0);
  EXPECT_FALSE(has_time(catalog.publish_time[1]));
  EXPECT_EQ(catalog.embeddings.cols, 4u);
  EXPECT_THROW(make_catalog(dataset, Matrix(3, 4), {0, 0}), UsageError);
  EXPECT_THROW(make_catalog(dataset, Matrix(2, 4), {0}), UsageError);
}

}  // namespace
}  // namespace invr
