// The competing methods as arms (docs/methods.md): their one command-line
// parser (parse_arm, behind invr simulate --arms), invr.toml's arm tables,
// and the validation naming the arm and the field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "invr/arms.h"
#include "invr/error.h"
#include "invr/server.h"
#include "test_util.h"

namespace invr {
namespace {

const std::vector<int> kSlots = {3, 8};

std::string usage_error(const std::string& text) {
  try {
    parse_arm(text, kSlots);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

TEST(ParseArm, ReadsEveryMethodAndItsKnob) {
  const Arm control = parse_arm("control", kSlots);
  EXPECT_TRUE(control.is_control());
  EXPECT_TRUE(control.slots.empty());
  const Arm invr = parse_arm(" invr-user-rank ", kSlots);
  EXPECT_EQ(invr.name, "invr-user-rank");
  EXPECT_EQ(invr.ordering, Ordering::user_rank);
  EXPECT_EQ(invr.slots, kSlots);
  const Arm forward = parse_arm("forward-longtail", kSlots);
  EXPECT_EQ(forward.method, ArmMethod::forward_longtail);
  EXPECT_FALSE(forward.ordering);
  EXPECT_EQ(forward.slots, kSlots);
  EXPECT_FALSE(forward.is_control());
  const Arm own_slots = parse_arm("forward-longtail:slots=1/5/9", kSlots);
  EXPECT_EQ(own_slots.slots, (std::vector<int>{1, 5, 9}));
  EXPECT_EQ(own_slots.name, "forward-longtail:slots=1/5/9");
  const Arm penalty = parse_arm("popularity-penalty:lambda=0.25", kSlots);
  EXPECT_EQ(penalty.method, ArmMethod::popularity_penalty);
  EXPECT_DOUBLE_EQ(penalty.lambda, 0.25);
  EXPECT_TRUE(penalty.slots.empty());
  const Arm xquad = parse_arm("xquad", kSlots);
  EXPECT_EQ(xquad.method, ArmMethod::xquad);
  EXPECT_DOUBLE_EQ(xquad.lambda, 0.5);  // default_lambda
  EXPECT_DOUBLE_EQ(parse_arm("popularity-penalty", kSlots).lambda, 0.1);
}

TEST(ParseArm, TheNKnobCutsAnInvrArmsListsByUserRank) {
  const Arm arm = parse_arm("invr-user-rank:n=200", kSlots);
  EXPECT_EQ(arm.ordering, Ordering::user_rank);
  EXPECT_EQ(arm.top_users, 200);
  EXPECT_EQ(arm.slots, kSlots);
  EXPECT_EQ(parse_arm("invr-score", kSlots).top_users, 0);
  EXPECT_NE(usage_error("invr-score:n=x").find("n (top users per item) must be an integer >= 1"),
            std::string::npos);
  EXPECT_NE(usage_error("invr-score:n=-3").find("must be an integer >= 1"), std::string::npos);
  EXPECT_NE(usage_error("invr-target:n=3").find("top_users (n) is for invr arms"), std::string::npos);
  EXPECT_NE(usage_error("control:n=3").find("top_users (n) is for invr arms"), std::string::npos);
  EXPECT_NE(usage_error("forward-longtail:n=3").find("top_users (n) is for invr arms"),
            std::string::npos);
}

TEST(ParseArm, BadNamesAndKnobsAreUsageErrorsNamingThem) {
  EXPECT_NE(usage_error("bogus").find("unknown arm \"bogus\""), std::string::npos);
  EXPECT_NE(usage_error("invr-best").find("unknown arm \"invr-best\""), std::string::npos);
  EXPECT_NE(usage_error("xquad:lambda=1.5").find("arm \"xquad:lambda=1.5\": lambda must be in [0, 1]"),
            std::string::npos)
      << usage_error("xquad:lambda=1.5");
  EXPECT_NE(usage_error("popularity-penalty:lambda=-1").find("lambda must be in [0, 1000000]"),
            std::string::npos);
  EXPECT_NE(usage_error("xquad:lambda=abc").find("lambda must be a number, got \"abc\""),
            std::string::npos);
  EXPECT_NE(usage_error("xquad:lambda=nan").find("lambda must be in"), std::string::npos);
  EXPECT_NE(usage_error("xquad:gamma=1").find("unknown knob \"gamma\""), std::string::npos);
  EXPECT_NE(usage_error("xquad:slots=1/2").find("slots: a xquad arm inserts nothing"),
            std::string::npos);
  EXPECT_NE(usage_error("forward-longtail:slots=3/0").find("slots must be slate positions"),
            std::string::npos);
  EXPECT_NE(usage_error("forward-longtail:lambda=1").find("lambda: only popularity-penalty and xquad"),
            std::string::npos);
  EXPECT_NE(usage_error("invr-score:lambda=1").find("lambda"), std::string::npos);
}

TEST(ValidateArms, MethodRulesNameTheArmAndField) {
  auto message = [](Arm arm) {
    Experiment experiment;
    experiment.arms = {Arm{"control", std::nullopt, {}, 1.0}, std::move(arm)};
    try {
      validate(experiment);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  Arm with_ordering{"x", Ordering::score, {}, 1.0, ArmMethod::xquad, 0.5};
  EXPECT_NE(message(with_ordering).find("experiment arm 2 (\"x\"): ordering is for invr arms"),
            std::string::npos);
  Arm inf{"p", std::nullopt, {}, 1.0, ArmMethod::popularity_penalty, INFINITY};
  EXPECT_NE(message(inf).find("experiment arm 2 (\"p\"): lambda must be in"), std::string::npos);
  Arm unknown{"u", std::nullopt, {}, 1.0, static_cast<ArmMethod>(9), 0};
  EXPECT_NE(message(unknown).find("unknown method 9"), std::string::npos);
  Arm fine{"f", std::nullopt, {2}, 1.0, ArmMethod::forward_longtail, 0};
  EXPECT_EQ(message(fine), "no error");
}

ServerConfig read_text(const test::TempDir& dir, const std::string& text) {
  test::write_file(dir / "invr.toml", text);
  ServerConfig config;
  read_server_config(dir / "invr.toml", config);
  return config;
}

TEST(MethodArmsToml, MethodAndLambdaBesideUnchangedInvrArms) {
  test::TempDir dir;
  const ServerConfig config = read_text(dir, R"(
[experiment]
[[experiment.arms]]
name = "control"
ordering = "control"

[[experiment.arms]]
name = "treatment"
ordering = "user_rank"

[[experiment.arms]]
name = "fl"
method = "forward-longtail"
slots = [2, 4]

[[experiment.arms]]
name = "pp"
method = "popularity-penalty"
lambda = 0.3

[[experiment.arms]]
name = "xq"
method = "xquad"

[[experiment.arms]]
name = "ur50"
ordering = "user_rank"
top_users = 50
)");
  const auto& arms = config.experiment.arms;
  ASSERT_EQ(arms.size(), 6u);
  EXPECT_EQ(arms[1].top_users, 0);
  EXPECT_EQ(arms[5].top_users, 50);
  EXPECT_TRUE(arms[0].is_control());
  EXPECT_EQ(arms[1].method, ArmMethod::invr);
  EXPECT_EQ(arms[1].slots, kSlots);
  EXPECT_EQ(arms[2].method, ArmMethod::forward_longtail);
  EXPECT_EQ(arms[2].slots, (std::vector<int>{2, 4}));
  EXPECT_EQ(arms[3].method, ArmMethod::popularity_penalty);
  EXPECT_DOUBLE_EQ(arms[3].lambda, 0.3);
  EXPECT_EQ(arms[4].method, ArmMethod::xquad);
  EXPECT_DOUBLE_EQ(arms[4].lambda, 0.5);
  EXPECT_TRUE(arms[4].slots.empty());

  // The writer's TOML reads back the same arms.
  test::write_file(dir / "back.toml", server_config_toml(config));
  ServerConfig back;
  read_server_config(dir / "back.toml", back);
  ASSERT_EQ(back.experiment.arms.size(), 6u);
  for (std::size_t a = 0; a < 6; ++a) {
    EXPECT_EQ(back.experiment.arms[a].top_users, arms[a].top_users);
    EXPECT_EQ(back.experiment.arms[a].method, arms[a].method);
    EXPECT_EQ(back.experiment.arms[a].ordering, arms[a].ordering);
    EXPECT_EQ(back.experiment.arms[a].slots, arms[a].slots);
    EXPECT_DOUBLE_EQ(back.experiment.arms[a].lambda, arms[a].lambda);
  }
}

TEST(MethodArmsToml, BadKnobsAreDataErrorsNamingTheArmAndField) {
  test::TempDir dir;
  struct Case {
    std::string text;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"[[experiment.arms]]\nname = \"xq\"\nmethod = \"xquad\"\nlambda = 2\n",
       "experiment arm 1 (\"xq\"): lambda must be in [0, 1]"},
      {"[[experiment.arms]]\nname = \"pp\"\nmethod = \"popularity-penalty\"\nlambda = -0.5\n",
       "experiment arm 1 (\"pp\"): lambda must be in [0, 1000000]"},
      {"[[experiment.arms]]\nname = \"pp\"\nmethod = \"popularity-penalty\"\nlambda = \"big\"\n",
       "arm 1: lambda must be a number"},
      {"[[experiment.arms]]\nname = \"m\"\nmethod = \"mmr\"\n", "arm 1: method must be invr"},
      {"[[experiment.arms]]\nname = \"xq\"\nmethod = \"xquad\"\nslots = [3]\n",
       "slots: a xquad arm inserts nothing"},
      {"[[experiment.arms]]\nname = \"t\"\nordering = \"score\"\nlambda = 1\n",
       "lambda: only popularity-penalty and xquad"},
      {"[[experiment.arms]]\nname = \"t\"\n", "name and ordering are required (or name and method"},
      {"[[experiment.arms]]\nname = \"t\"\nordering = \"score\"\ntop_users = -1\n",
       "arm 1: top_users must be an integer >= 0"},
      {"[[experiment.arms]]\nname = \"t\"\nordering = \"target\"\ntop_users = 5\n",
       "top_users (n) is for invr arms of ordering random, score or user_rank"},
      {"[[experiment.arms]]\nname = \"xq\"\nmethod = \"xquad\"\ntop_users = 5\n",
       "top_users (n) is for invr arms"},
  };
  for (const auto& c : cases) {
    try {
      read_text(dir, c.text);
      ADD_FAILURE() << "no error for:\n" << c.text;
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos)
          << c.text << "\n" << e.what();
      EXPECT_GT(e.line(), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace invr
