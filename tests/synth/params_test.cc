#include <cmath>
#include <cstdint>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "invr/error.h"
#include "invr/synth.h"
#include "test_util.h"

namespace invr {
namespace {

std::string flag(const char* name) {
  std::string out = "--";
  for (const char* c = name; *c; ++c) out += *c == '_' ? '-' : *c;
  return out;
}

std::string usage_error(const WorldParams& params) {
  try {
    validate(params);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(WorldParams, DefaultsAreValidAndWithinTheirDeclaredBounds) {
  EXPECT_NO_THROW(validate(WorldParams{}));
  WorldParams largest_seed;
  largest_seed.seed = ~std::uint64_t{0};
  EXPECT_NO_THROW(validate(largest_seed));
  std::set<std::string> names;
  for (const auto& spec : world_param_specs()) {
    EXPECT_TRUE(names.insert(spec.name).second) << "declared twice: " << spec.name;
    EXPECT_LE(spec.min, spec.max) << spec.name;
    EXPECT_GT(std::string(spec.help).size(), 10u) << spec.name;
  }
  EXPECT_GE(names.size(), 30u);
}

TEST(WorldParams, OutOfBoundsValuesNameTheFlag) {
  WorldParams p;
  p.users = 0;
  EXPECT_NE(usage_error(p).find("--users must be in [1, "), std::string::npos) << usage_error(p);
  p = {};
  p.token_noise = 1.5;
  EXPECT_NE(usage_error(p).find("--token-noise"), std::string::npos);
  p = {};
  p.mean_relevance = std::nan("");
  EXPECT_NE(usage_error(p).find("--mean-relevance"), std::string::npos);
}

TEST(WorldParams, MorePublishersThanItemsIsRejected) {
  WorldParams p;
  p.items = 10;
  p.publishers = 11;
  EXPECT_NE(usage_error(p).find("--publishers (11) must not exceed --items (10)"), std::string::npos);
  p.publishers = 10;
  EXPECT_EQ(usage_error(p), "");
}

TEST(WorldParams, DocsDescribeEveryFlag) {
  const std::string docs =
      test::read_file(test::testdata_dir() / ".." / ".." / "docs" / "synthetic_world.md");
  for (const auto& spec : world_param_specs()) {
    // Built with append: GCC 12 warns falsely (-Wrestrict) on "`" + string.
    std::string quoted = "`";
    quoted.append(flag(spec.name));
    EXPECT_NE(docs.find(quoted), std::string::npos)
        << "docs/synthetic_world.md does not mention " << quoted;
  }
}

}  // namespace
}  // namespace invr
