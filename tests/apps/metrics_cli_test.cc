// `invr metrics` and `invr stats` end to end on a six-item dataset, through
// the real binary (the apps test binary depends on it in CMake).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "test_util.h"

namespace invr {
namespace {


// Items i0 i1 i2 by pA, i3 i4 by pB, i5 by pC.
// Training popularity (distinct users): i0 3, i1 2, i2 1, i3 1, i4 0, i5 0.
// Log: u0 sees i0* i1 i3; u1 sees i0 i0* i4*; u2 sees i1 (* = clicked).
struct Fixture {
  test::TempDir dir;
  Fixture() {
    test::write_file(dir / "shop.item",
                     "item_id:token\tproducer_id:token\n"
                     "i0\tpA\ni1\tpA\ni2\tpA\ni3\tpB\ni4\tpB\ni5\tpC\n");
    test::write_file(dir / "shop.inter",
                     "user_id:token\titem_id:token\n"
                     "a\ti0\nb\ti0\nc\ti0\na\ti1\nb\ti1\na\ti2\na\ti3\n");
    test::write_file(dir / "exposures.tsv",
                     "user_id\titem_id\tposition\tclicked\n"
                     "u0\ti0\t0\t1\nu0\ti1\t1\t0\nu0\ti3\t2\t0\n"
                     "u1\ti0\t0\t0\nu1\ti0\t1\t1\nu1\ti4\t2\t1\n"
                     "u2\ti1\t0\t0\n");
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

TEST(MetricsCli, HandComputedJson) {
  Fixture f;
  const auto r = test::run_cli("-q metrics --exposures " + f.path("exposures.tsv") + " --items " +
                               f.path("shop.item") + " --interactions " + f.dir.path().string() +
                               " --sufficient 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["impressions"], 7);
  EXPECT_EQ(j["clicks"], 3);
  EXPECT_DOUBLE_EQ(j["ctr"].get<double>(), 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(j["psei"].get<double>(), 100.0 * 2 / 6);  // i0 (3) and i1 (2) reach 2
  // Items 3 2 0 1 1 0 and producers pA 5, pB 2, pC 0: see exposure_metrics_test.cc.
  EXPECT_DOUBLE_EQ(j["items"]["b50ps"].get<double>(), 1.0 / 7.0);
  EXPECT_DOUBLE_EQ(j["items"]["t1ps"].get<double>(), 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(j["items"]["gini"].get<double>(), 0.6);
  EXPECT_DOUBLE_EQ(j["items"]["coverage"].get<double>(), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(j["producers"]["b50ps"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["producers"]["t1ps"].get<double>(), 5.0 / 7.0);
  EXPECT_DOUBLE_EQ(j["producers"]["gini"].get<double>(), 5.0 / 7.0);
  EXPECT_DOUBLE_EQ(j["producers"]["coverage"].get<double>(), 2.0 / 3.0);
  // Popularity 3 2 1 1 0 0 (total 7, limit 5.6): cumulative 3, 5, 6 -> head {i0,i1,i2}.
  //   APLT: u0 1/3, u1 1/3 (i4), u2 0 -> 2/9.  ARP: u0 (3+2+1)/3 = 2, u1 (3+3+0)/3 = 2, u2 2 -> 2.
  EXPECT_DOUBLE_EQ(j["aplt"].get<double>(), 2.0 / 9.0);
  EXPECT_DOUBLE_EQ(j["arp"].get<double>(), 2.0);
  EXPECT_EQ(j["popularity"], "interactions");
}

// Regression: --items used to need NAME.inter beside the .item file.
TEST(MetricsCli, BareItemFileIsEnough) {
  Fixture f;
  test::TempDir alone;
  test::write_file(alone / "catalog.item", test::read_file(f.dir / "shop.item"));
  const auto r = test::run_cli("-q metrics --exposures " + f.path("exposures.tsv") + " --items " +
                               (alone / "catalog.item").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["impressions"], 7);
  EXPECT_DOUBLE_EQ(j["producers"]["t1ps"].get<double>(), 5.0 / 7.0);
}

TEST(MetricsCli, ClickPopularityAndTreatedList) {
  Fixture f;
  test::write_file(f.dir / "treated.txt", "item_id\ni2\ni3\ni0\n");
  const auto r = test::run_cli("-q metrics --exposures " + f.path("exposures.tsv") + " --items " +
                               f.path("shop.item") + " --treated " + f.path("treated.txt") +
                               " --sufficient 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_DOUBLE_EQ(j["psei"].get<double>(), 100.0 * 2 / 3);  // i3 and i0 of {i2, i3, i0}
  EXPECT_EQ(j["treated"], 3);
  // Click popularity 2 0 0 0 1 0 -> head {i0, i4}: APLT 5/9, ARP 7/9 (exposure_metrics_test.cc).
  EXPECT_DOUBLE_EQ(j["aplt"].get<double>(), 5.0 / 9.0);
  EXPECT_DOUBLE_EQ(j["arp"].get<double>(), 7.0 / 9.0);
  EXPECT_EQ(j["popularity"], "clicks");
}

TEST(MetricsCli, UnknownTreatedItemNamesFileAndLine) {
  Fixture f;
  test::write_file(f.dir / "treated.txt", "item_id\ni2\nnope\n");
  const auto r = test::run_cli("-q metrics --exposures " + f.path("exposures.tsv") + " --items " +
                               f.path("shop.item") + " --treated " + f.path("treated.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("treated.txt:3:1"), std::string::npos) << r.err;
}

TEST(MetricsCli, UsageErrorsExitTwo) {
  Fixture f;
  EXPECT_EQ(test::run_cli("metrics --items " + f.path("shop.item")).exit_code,
            2);                                                    // no --exposures
  const auto r = test::run_cli("metrics --exposures " + f.path("exposures.tsv") + " --items " +
                               f.path("missing.item"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("missing.item"), std::string::npos) << r.err;
  EXPECT_EQ(test::run_cli("metrics --help").exit_code, 0);
}

TEST(StatsCli, HandComputedJsonAndTable) {
  Fixture f;
  const auto r = test::run_cli("-q stats " + f.dir.path().string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["name"], "shop");
  EXPECT_EQ(j["users"], 3);
  EXPECT_EQ(j["items"], 6);
  EXPECT_EQ(j["producers"], 3);
  EXPECT_EQ(j["interactions"], 7);
  EXPECT_DOUBLE_EQ(j["density"].get<double>(), 7.0 / 18.0);
  EXPECT_TRUE(j["first_time"].is_null());
  // Per item 3 2 1 1 0 0: sorted 0 0 1 1 2 3 -> top 3/7, bottom (0+0+1)/7, Gini 21/35.
  EXPECT_DOUBLE_EQ(j["item_interactions"]["top1_share"].get<double>(), 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(j["item_interactions"]["bottom50_share"].get<double>(), 1.0 / 7.0);
  EXPECT_DOUBLE_EQ(j["item_interactions"]["gini"].get<double>(), 0.6);
  // Per producer pA 6, pB 1, pC 0: sorted 0 1 6 -> top 6/7, bottom 0, Gini (0 + 0 + 2*6)/(2*7).
  EXPECT_DOUBLE_EQ(j["producer_interactions"]["top1_share"].get<double>(), 6.0 / 7.0);
  EXPECT_DOUBLE_EQ(j["producer_interactions"]["bottom50_share"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(j["producer_interactions"]["gini"].get<double>(), 6.0 / 7.0);
  EXPECT_NE(r.err.find("producers"), std::string::npos);  // the human table
  EXPECT_EQ(test::run_cli("stats").exit_code, 2);
}

}  // namespace
}  // namespace invr
