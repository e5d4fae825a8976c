#include "store/generation_rules.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "invr/error.h"

namespace invr::store {
namespace {

using Ids = std::vector<std::string>;

TEST(Expiry, AGenerationExpiresGraceAfterItsSuccessorsCommit) {
  // a replaced at 2000, b replaced at 5000, c current.
  const std::vector<GenerationInfo> kept = {{"a", 1000}, {"b", 2000}, {"c", 5000}};
  EXPECT_EQ(expired_generations(kept, "c", 2999, 1.0), Ids{});
  EXPECT_EQ(expired_generations(kept, "c", 3000, 1.0), Ids{"a"});
  EXPECT_EQ(expired_generations(kept, "c", 5999, 1.0), Ids{"a"});  // b is within grace
  EXPECT_EQ(expired_generations(kept, "c", 6000, 1.0), (Ids{"a", "b"}));
  EXPECT_EQ(expired_generations(kept, "c", 1'000'000, 1.0), (Ids{"a", "b"}));  // never c
  EXPECT_EQ(expired_generations(kept, "c", 5000, 0.0), (Ids{"a", "b"}));
}

TEST(Expiry, TheCurrentGenerationIsNeverExpiredWhereverItIs) {
  const std::vector<GenerationInfo> kept = {{"a", 1000}, {"b", 2000}};
  EXPECT_EQ(expired_generations(kept, "a", 1'000'000, 0.0), Ids{});
  EXPECT_EQ(expired_generations({{"only", 1}}, "only", 1'000'000, 0.0), Ids{});
  EXPECT_EQ(expired_generations({}, "x", 1, 0.0), Ids{});
}

TEST(Manifest, StampAddsStoreFieldsAndKeepsTheJobs) {
  const std::string stamped = stamp_manifest(R"({"model":"m1","users":3,"generation":"spoofed"})", "g7",
                                             1732718712345, 3);
  const auto json = nlohmann::json::parse(stamped);
  EXPECT_EQ(json["model"], "m1");
  EXPECT_EQ(json["users"], 3);
  EXPECT_EQ(json["generation"], "g7");
  EXPECT_EQ(json["commit_time_ms"], 1732718712345);
  EXPECT_EQ(json["commit_time"], "2024-11-27T14:45:12.345Z");
  EXPECT_EQ(json["stored_users"], 3);
}

TEST(Manifest, NonObjectsAreRefused) {
  EXPECT_NO_THROW(check_manifest("u", "g", "{}"));
  EXPECT_THROW(check_manifest("u", "g", "[1]"), UsageError);
  EXPECT_THROW(check_manifest("u", "g", "{\"a\":"), UsageError);
  EXPECT_THROW(check_manifest("u", "g", ""), UsageError);
}

}  // namespace
}  // namespace invr::store
