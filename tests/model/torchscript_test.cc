#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "build_features.h"
#include "invr/error.h"
#include "invr/model.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

// The Debian interpreter has torch; a pyenv python3 on PATH may not.
constexpr const char* kPython = "/usr/bin/python3";

fs::path script_path() {
  return fs::path(INVR_TESTDATA_DIR) / ".." / "model" / "make_torchscript_towers.py";
}

bool python_has_torch() {
  const std::string command = std::string(kPython) + " -c 'import torch' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

Dataset dataset_from_json(const json& doc) {
  Dataset d;
  for (const auto& user : doc["users"]) d.users.add(user.get<std::string>());
  for (const auto& item : doc["items"]) {
    d.items.add(item["id"].get<std::string>());
    std::vector<Index> tokens;
    for (const auto& token : item["tokens"]) tokens.push_back(d.tokens.add(token.get<std::string>()));
    const double publish =
        item["publish_time"].is_null() ? kNoTime : item["publish_time"].get<double>();
    d.item_table.push_back(d.producers.add(item["producer"].get<std::string>()), publish, tokens);
  }
  for (const auto& row : doc["interactions"]) {
    const double t = row["timestamp"].is_null() ? kNoTime : row["timestamp"].get<double>();
    d.interactions.push_back(d.users.find(row["user"].get<std::string>()),
                             d.items.find(row["item"].get<std::string>()), t,
                             *parse_event_type(row["event"].get<std::string>()), 1.0f);
  }
  return d;
}

// The script runs once (importing torch takes seconds); tests that damage
// its output work on a copy.
class TorchScript : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!python_has_torch()) return;
    generated_ = new test::TempDir;
    const std::string command =
        std::string(kPython) + " " + script_path().string() + " " + generated_->path().string();
    script_ok_ = std::system(command.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    delete generated_;
    generated_ = nullptr;
  }
  void SetUp() override {
    if (!generated_) GTEST_SKIP() << kPython << " cannot import torch";
    ASSERT_TRUE(script_ok_) << script_path() << " failed";
    fs::copy(generated_->path(), dir_.path(), fs::copy_options::recursive);
  }
  static test::TempDir* generated_;
  static bool script_ok_;
  test::TempDir dir_;
};
test::TempDir* TorchScript::generated_ = nullptr;
bool TorchScript::script_ok_ = false;

void expect_matches(const Matrix& actual, const json& expected, const char* what) {
  ASSERT_EQ(actual.rows, expected.size()) << what;
  for (std::size_t r = 0; r < actual.rows; ++r) {
    ASSERT_EQ(actual.cols, expected[r].size()) << what;
    for (std::size_t c = 0; c < actual.cols; ++c)
      EXPECT_NEAR(actual.row(r)[c], expected[r][c].get<double>(), 1e-5)
          << what << " row " << r << " column " << c;
  }
}

TEST_F(TorchScript, EmbeddingsMatchPyTorch) {
  INVR_REQUIRE_TORCH();
  const json reference = json::parse(test::read_file(dir_ / "reference.json"));
  const Dataset data = dataset_from_json(json::parse(test::read_file(dir_ / "dataset.json")));
  const auto model = TwoTowerModel::load(dir_ / "model");
  EXPECT_EQ(model->kind(), "torchscript");
  EXPECT_EQ(model->dim(), reference["dim"].get<std::size_t>());
  EmbedOptions options;
  options.as_of = reference["as_of"].get<double>();
  expect_matches(model->embed_items(data, options), reference["items"], "items");
  expect_matches(model->embed_users(data, options), reference["users"], "users");
}

TEST_F(TorchScript, WrongSignatureIsAClearError) {
  INVR_REQUIRE_TORCH();
  try {
    TwoTowerModel::load(dir_ / "bad_model");
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("item_tower.pt"), std::string::npos) << message;
    EXPECT_NE(message.find("signature"), std::string::npos) << message;
    EXPECT_NE(message.find("token_offsets"), std::string::npos) << message;
  }
}

TEST_F(TorchScript, NonTorchScriptFileIsAClearError) {
  INVR_REQUIRE_TORCH();
  test::write_file(dir_ / "model" / "user_tower.pt", "plain text");
  try {
    TwoTowerModel::load(dir_ / "model");
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("user_tower.pt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace invr
