#include <gtest/gtest.h>

#include <fstream>

#include "invr/error.h"
#include "invr/model_config.h"
#include "test_util.h"

namespace invr {
namespace {

TEST(ModelConfig, DefaultsAreWithinTheirBounds) { EXPECT_NO_THROW(validate(ModelConfig{})); }

TEST(ModelConfig, TomlRoundTripKeepsEveryField) {
  test::TempDir dir;
  ModelConfig config;
  config.dim = 32;
  config.pooling = "decay";
  config.decay_half_life_days = 2.5;
  config.normalize = false;
  config.learning_rate = 0.004;
  config.cold_start = "content";
  config.seed = 123456789012345ull;
  write_model_config(dir / "c.toml", config);
  ModelConfig back;
  read_model_config(dir / "c.toml", back);
  EXPECT_EQ(back.dim, 32);
  EXPECT_EQ(back.pooling, "decay");
  EXPECT_EQ(back.decay_half_life_days, 2.5);
  EXPECT_FALSE(back.normalize);
  EXPECT_EQ(back.learning_rate, 0.004);
  EXPECT_EQ(back.cold_start, "content");
  EXPECT_EQ(back.seed, 123456789012345ull);
  EXPECT_EQ(back.epochs, ModelConfig{}.epochs);
}

TEST(ModelConfig, PartialFileKeepsOtherValues) {
  test::TempDir dir;
  test::write_file(dir / "c.toml", "epochs = 3\ntemperature = 1\n");
  ModelConfig config;
  config.dim = 8;
  read_model_config(dir / "c.toml", config);
  EXPECT_EQ(config.epochs, 3);
  EXPECT_EQ(config.temperature, 1.0);  // an integer is accepted for a float
  EXPECT_EQ(config.dim, 8);
}

TEST(ModelConfig, UnknownKeyNamesFileLineAndColumn) {
  test::TempDir dir;
  test::write_file(dir / "c.toml", "epochs = 3\n  learning_rat = 0.1\n");
  ModelConfig config;
  try {
    read_model_config(dir / "c.toml", config);
    FAIL() << "expected DataError";
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 2u);
    EXPECT_EQ(e.column(), 3u);
    EXPECT_NE(e.message().find("learning_rat"), std::string::npos);
  }
}

TEST(ModelConfig, OutOfBoundsAndWrongTypesAreDataErrors) {
  test::TempDir dir;
  ModelConfig config;
  test::write_file(dir / "a.toml", "dim = 0\n");
  EXPECT_THROW(read_model_config(dir / "a.toml", config), DataError);
  test::write_file(dir / "b.toml", "pooling = \"max\"\n");
  EXPECT_THROW(read_model_config(dir / "b.toml", config), DataError);
  test::write_file(dir / "c.toml", "epochs = 2.5\n");
  EXPECT_THROW(read_model_config(dir / "c.toml", config), DataError);
  test::write_file(dir / "d.toml", "normalize = 1\n");
  EXPECT_THROW(read_model_config(dir / "d.toml", config), DataError);
  test::write_file(dir / "e.toml", "epochs = \n");
  EXPECT_THROW(read_model_config(dir / "e.toml", config), DataError);
  EXPECT_THROW(read_model_config(dir / "missing.toml", config), IoError);
}

TEST(ModelConfig, ValidateNamesTheFlag) {
  ModelConfig config;
  config.batch_size = 1;
  try {
    validate(config);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--batch-size"), std::string::npos);
  }
}

// The docs and the declaration agree (CONTRIBUTING.md, convention 4).
TEST(ModelConfig, DocsNameEverySetting) {
  const std::string docs = test::read_file(std::filesystem::path(INVR_TESTDATA_DIR) / ".." /
                                           ".." / "docs" / "model.md");
  for (const auto& spec : model_config_specs())
    EXPECT_NE(docs.find(std::string("`") + spec.name + "`"), std::string::npos)
        << "docs/model.md does not document " << spec.name;
}

}  // namespace
}  // namespace invr
