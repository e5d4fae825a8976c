#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "build_features.h"
#include "invr/error.h"
#include "invr/model_train.h"
#include "invr/progress.h"
#include "test_util.h"
#include "toy_data.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

// One small trained model shared by the tests; each test copies its directory
// before damaging it.
class ModelDir : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    INVR_REQUIRE_TORCH();
    Progress::set_enabled(false);
    dir_ = new test::TempDir;
    data_ = new Dataset(test::make_toy_dataset());
    ModelConfig config = test::toy_config();
    config.epochs = 1;
    TrainOptions options;
    options.out_dir = dir_->path() / "model";
    trained_ = new TrainResult(train_two_tower(*data_, config, options));
  }
  // gtest 1.12 still runs each test after a skip in SetUpTestSuite, with the
  // shared model unset (UBSan: member call on a null pointer): skip each too.
  void SetUp() override { INVR_REQUIRE_TORCH(); }
  static void TearDownTestSuite() {
    delete trained_;
    delete data_;
    delete dir_;
  }

  fs::path copy_model() {
    const fs::path target = scratch_.path() / "copy";
    fs::copy(dir_->path() / "model", target, fs::copy_options::recursive);
    return target;
  }

  static std::string error_of(const fs::path& dir) {
    try {
      TwoTowerModel::load(dir);
    } catch (const Error& e) {
      return e.what();
    }
    return "(no error)";
  }

  static test::TempDir* dir_;
  static Dataset* data_;
  static TrainResult* trained_;
  test::TempDir scratch_;
};
test::TempDir* ModelDir::dir_ = nullptr;
Dataset* ModelDir::data_ = nullptr;
TrainResult* ModelDir::trained_ = nullptr;

void replace_in_file(const fs::path& path, const std::string& from, const std::string& to) {
  std::string text = test::read_file(path);
  const auto at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  text.replace(at, from.size(), to);
  test::write_file(path, text);
}

TEST_F(ModelDir, SaveLoadRoundTripGivesIdenticalEmbeddings) {
  const auto loaded = TwoTowerModel::load(copy_model());
  EXPECT_EQ(loaded->kind(), "two-tower");
  const Matrix items = trained_->model->embed_items(*data_);
  const Matrix users = trained_->model->embed_users(*data_);
  EXPECT_EQ(items.rows, data_->items.size());
  EXPECT_EQ(users.rows, data_->users.size());
  EXPECT_EQ(items.cols, 16u);
  EXPECT_EQ(loaded->embed_items(*data_).data, items.data);
  EXPECT_EQ(loaded->embed_users(*data_).data, users.data);
  // normalize = true: rows have unit length.
  double norm = 0;
  for (float x : items.row(3)) norm += double{x} * x;
  EXPECT_NEAR(norm, 1.0, 1e-5);
}

TEST_F(ModelDir, UsersWithoutHistoryShareTheNewUserVector) {
  EmbedOptions before_everything;
  before_everything.as_of = 1.0;  // 1970: no event is before it
  const Matrix users = trained_->model->embed_users(*data_, before_everything);
  EXPECT_EQ(std::vector<float>(users.row(0).begin(), users.row(0).end()),
            std::vector<float>(users.row(1).begin(), users.row(1).end()));
  // With history, users of different clusters differ.
  const Matrix now = trained_->model->embed_users(*data_);
  EXPECT_NE(std::vector<float>(now.row(0).begin(), now.row(0).end()),
            std::vector<float>(now.row(1).begin(), now.row(1).end()));
  for (float x : users.data) EXPECT_TRUE(std::isfinite(x));
}

TEST_F(ModelDir, AsOfLimitsTheHistory) {
  // u0's events are hourly steps of 300 users; as of just after its 3rd click
  // its embedding differs from the full-history one.
  EmbedOptions early;
  early.as_of = 1.7e9 + 3600.0 * (2 * 300) + 1;
  const Matrix partial = trained_->model->embed_users(*data_, early);
  const Matrix full = trained_->model->embed_users(*data_);
  EXPECT_NE(std::vector<float>(partial.row(0).begin(), partial.row(0).end()),
            std::vector<float>(full.row(0).begin(), full.row(0).end()));
}

TEST_F(ModelDir, CorruptWeightsNameTheFile) {
  const fs::path dir = copy_model();
  std::fstream file(dir / "weights.pt", std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(200);
  file.put('\x5a');
  file.close();
  const std::string error = error_of(dir);
  EXPECT_NE(error.find("weights.pt"), std::string::npos) << error;
  EXPECT_NE(error.find("corrupt"), std::string::npos) << error;
}

TEST_F(ModelDir, GarbageWeightsWithoutChecksumsNameTheFile) {
  const fs::path dir = copy_model();
  replace_in_file(dir / "manifest.json", "\"files\"", "\"unchecked\"");
  test::write_file(dir / "weights.pt", "not a torch archive");
  const std::string error = error_of(dir);
  EXPECT_NE(error.find("weights.pt"), std::string::npos) << error;
}

TEST_F(ModelDir, NewerFormatVersionIsRefused) {
  const fs::path dir = copy_model();
  replace_in_file(dir / "manifest.json", "\"format_version\": 1", "\"format_version\": 99");
  const std::string error = error_of(dir);
  EXPECT_NE(error.find("manifest.json"), std::string::npos) << error;
  EXPECT_NE(error.find("newer"), std::string::npos) << error;
}

TEST_F(ModelDir, WrongMagicIsRefused) {
  const fs::path dir = copy_model();
  replace_in_file(dir / "manifest.json", "invr-model", "other-model");
  EXPECT_THROW(TwoTowerModel::load(dir), DataError);
}

TEST_F(ModelDir, MissingFilesAreNamed) {
  const fs::path dir = copy_model();
  fs::remove(dir / "items.txt");
  EXPECT_NE(error_of(dir).find("items.txt"), std::string::npos);
  fs::remove(dir / "manifest.json");
  EXPECT_NE(error_of(dir).find("manifest.json"), std::string::npos);
  EXPECT_THROW(TwoTowerModel::load(scratch_.path() / "nowhere"), IoError);
}

TEST_F(ModelDir, EditedIdFileIsCaughtByItsChecksum) {
  const fs::path dir = copy_model();
  replace_in_file(dir / "items.txt", "i1\n", "i1x\n");
  EXPECT_NE(error_of(dir).find("items.txt"), std::string::npos);
}

TEST_F(ModelDir, BrokenManifestJsonGivesLineAndColumn) {
  const fs::path dir = copy_model();
  test::write_file(dir / "manifest.json", "{\n  \"magic\": \"invr-model\",\n  oops\n}\n");
  try {
    TwoTowerModel::load(dir);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(e.file().find("manifest.json"), std::string::npos);
  }
}

TEST_F(ModelDir, ItemsOfANewerDatasetAreMatchedById) {
  // Same items in reverse order plus one the model never saw.
  Dataset other = test::make_toy_dataset();
  Dataset reordered;
  reordered.producers = other.producers;
  reordered.tokens = other.tokens;
  for (std::size_t i = other.items.size(); i-- > 0;) {
    reordered.items.add(other.items.id(static_cast<Index>(i)));
    const auto tokens = other.item_table.item_tokens(static_cast<Index>(i));
    reordered.item_table.push_back(other.item_table.producer[i], other.item_table.publish_time[i],
                                   tokens);
  }
  reordered.items.add("brand-new");
  reordered.item_table.push_back(0, kNoTime, {});
  reordered.interactions = other.interactions;  // only its timestamps matter for ages
  const Matrix original = trained_->model->embed_items(*data_);
  const Matrix mapped = trained_->model->embed_items(reordered);
  ASSERT_EQ(mapped.rows, original.rows + 1);
  // Equal up to float rounding (rows sit in different places of the GEMMs).
  const std::size_t last = original.rows - 1;
  for (std::size_t k = 0; k < original.cols; ++k) {
    EXPECT_NEAR(mapped.row(0)[k], original.row(last)[k], 1e-6);
    EXPECT_NEAR(mapped.row(last)[k], original.row(0)[k], 1e-6);
  }
  for (float x : mapped.row(mapped.rows - 1)) EXPECT_TRUE(std::isfinite(x));
}

}  // namespace
}  // namespace invr
