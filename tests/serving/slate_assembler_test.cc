// Full assembly on a hand-made world of 8 items in 2 dimensions, with slates
// computed by hand. Times are written in hours (kHour) for readability.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "invr/error.h"
#include "invr/slate.h"
#include "tiny_slate_catalog.h"

namespace invr {
namespace {

constexpr double kHour = 3600.0;
constexpr double kNow = 100 * kHour;

// The catalogue and its scores for user (1, 0): tiny_slate_catalog.h.
SlateCatalog tiny_catalog() { return test::tiny_slate_catalog(); }

SlateParams no_freshness() {
  SlateParams params;
  params.freshness_weight = 0;
  params.threads = 1;
  return params;
}

const std::vector<float> kUser = {1.0f, 0.0f};

std::vector<Index> items_of(const Slate& slate) {
  std::vector<Index> out;
  for (const auto& s : slate.items) out.push_back(s.item);
  return out;
}
std::string sources_of(const Slate& slate) {
  std::string out;
  for (const auto& s : slate.items) out += slate_source_name(s.source)[0];
  return out;
}

TEST(SlateAssembler, ExactRetrievalExcludesSeenAndFutureItems) {
  const SlateAssembler assembler(tiny_catalog(), no_freshness());
  const std::vector<Index> seen = {0};  // a
  SlateRequest request;
  request.user_embedding = kUser;
  request.seen_items = seen;
  request.n = 3;
  request.now = kNow;
  const Slate slate = assembler.assemble(request);
  // f (2.0) is not published yet, a is seen: b, c, d.
  EXPECT_EQ(items_of(slate), (std::vector<Index>{1, 2, 3}));
  EXPECT_EQ(sources_of(slate), "mmm");
  EXPECT_FALSE(slate.fallback);
  EXPECT_EQ(slate.invr_items, 0);
  EXPECT_EQ(slate.items[0].producer, 1);
  EXPECT_EQ(slate.items[2].producer, 2);
  EXPECT_EQ(slate.items[2].position, 3);
  EXPECT_NEAR(slate.items[0].score, 0.9, 1e-6);
  EXPECT_NEAR(slate.items[2].score, 0.5, 1e-6);
}

TEST(SlateAssembler, FutureItemAppearsOncePublished) {
  const SlateAssembler assembler(tiny_catalog(), no_freshness());
  SlateRequest request;
  request.user_embedding = kUser;
  request.n = 2;
  request.now = 130 * kHour;
  EXPECT_EQ(items_of(assembler.assemble(request)), (std::vector<Index>{5, 0}));
  request.now = kNoTime;  // no clock: nothing is in the future
  EXPECT_EQ(items_of(assembler.assemble(request)), (std::vector<Index>{5, 0}));
}

TEST(SlateAssembler, FreshnessBonusReordersRanking) {
  SlateParams params = no_freshness();
  params.freshness_weight = 1.0;
  params.freshness_half_life_hours = 1.0;
  const SlateAssembler assembler(tiny_catalog(), params);
  EXPECT_EQ(assembler.ranker_name(), "two-tower-freshness");
  SlateRequest request;
  request.user_embedding = kUser;
  request.n = 4;
  request.now = kNow;
  const Slate slate = assembler.assemble(request);
  // c: 0.8 + 2^-1 = 1.3; e: 0.3 + 2^-0.5 = 1.0071; a: 1.0 + 2^-100;
  // b: 0.9 + 2^-10 = 0.90098; then d, g (0 + 2^-2), h.
  EXPECT_EQ(items_of(slate), (std::vector<Index>{2, 4, 0, 1}));
  EXPECT_NEAR(slate.items[0].score, 1.3, 1e-6);
  EXPECT_NEAR(slate.items[1].score, 0.3 + std::exp2(-0.5), 1e-6);
  EXPECT_NEAR(slate.items[3].score, 0.9 + std::exp2(-10.0), 1e-6);
}

TEST(SlateAssembler, RefillsWhenSeenItemsEatTheRetrievedOnes) {
  SlateParams params = no_freshness();
  params.retrieve_k = 3;
  params.max_n = 3;
  const SlateAssembler assembler(tiny_catalog(), params);
  const std::vector<Index> seen = {0, 1, 2};
  SlateRequest request;
  request.user_embedding = kUser;
  request.seen_items = seen;
  request.n = 3;
  request.now = kNow;
  // k = 3 gives f, a, b: all excluded. k = 8 gives d, e, g (capped at 3).
  const Slate slate = assembler.assemble(request);
  EXPECT_EQ(items_of(slate), (std::vector<Index>{3, 4, 6}));
  EXPECT_EQ(sources_of(slate), "mmm");
}

TEST(SlateAssembler, TopsUpWithPopularItemsWhenCatalogRunsOut) {
  const SlateAssembler assembler(tiny_catalog(), no_freshness());
  const std::vector<Index> seen = {0, 1, 2, 3, 4};
  SlateRequest request;
  request.user_embedding = kUser;
  request.seen_items = seen;
  request.n = 5;
  request.now = kNow;
  // Eligible: g, h only (f is future); no popular item is left to add.
  const Slate slate = assembler.assemble(request);
  EXPECT_EQ(items_of(slate), (std::vector<Index>{6, 7}));
}

TEST(SlateAssembler, FallbackTakesFreshPopularItems) {
  const SlateAssembler assembler(tiny_catalog(), no_freshness());  // window 72 h
  SlateParams day = no_freshness();
  day.fallback_window_hours = 24;
  const SlateAssembler daily(tiny_catalog(), day);
  SlateRequest request;  // no embedding
  request.n = 3;
  request.now = kNow;
  // Published in [76 h, 100 h]: b 10, c 5, e 1, g 30 (f is future): g, b, c.
  Slate slate = daily.assemble(request);
  EXPECT_TRUE(slate.fallback);
  EXPECT_EQ(items_of(slate), (std::vector<Index>{6, 1, 2}));
  EXPECT_EQ(sources_of(slate), "ppp");
  EXPECT_EQ(slate.popular_items, 3);
  EXPECT_DOUBLE_EQ(slate.items[0].score, 30);
  // 72 h window, [28 h, 100 h], adds d (50 h, 100): d, g, b.
  EXPECT_EQ(items_of(assembler.assemble(request)), (std::vector<Index>{3, 6, 1}));

  // Seen g; n = 6: fresh b, c, e, then all items by popularity: d, a, h.
  const std::vector<Index> seen = {6};
  request.seen_items = seen;
  request.n = 6;
  EXPECT_EQ(items_of(daily.assemble(request)), (std::vector<Index>{1, 2, 4, 3, 0, 7}));
}

StoredCandidates candidates_for(Ordering ordering, std::vector<std::string> ids) {
  StoredCandidates stored;
  auto& list = stored.by_ordering[static_cast<std::size_t>(ordering)];
  for (std::size_t i = 0; i < ids.size(); ++i)
    list.push_back({ids[i], 0.1f * static_cast<float>(i + 1), static_cast<std::int32_t>(i + 1)});
  return stored;
}

TEST(SlateAssembler, InsertsArmCandidatesAfterRanking) {
  const SlateAssembler assembler(tiny_catalog(), no_freshness());
  const Arm arm{"invr-score", Ordering::score, {3, 8}, 1.0};
  // h is new to the slate; f is future, c is in the main slate, "zzz" unknown.
  const StoredCandidates stored = candidates_for(Ordering::score, {"zzz", "f", "h", "c", "g"});
  const std::vector<Index> seen = {0};
  SlateRequest request;
  request.user_embedding = kUser;
  request.seen_items = seen;
  request.n = 5;
  request.now = kNow;
  request.arm = &arm;
  request.invr = &stored;
  // Main: b, c, d, e, g. h takes slot 3; slot 8 is beyond n.
  Slate slate = assembler.assemble(request);
  EXPECT_EQ(items_of(slate), (std::vector<Index>{1, 2, 7, 3, 4}));
  EXPECT_EQ(sources_of(slate), "mmimm");
  EXPECT_EQ(slate.invr_items, 1);
  EXPECT_EQ(slate.items[2].producer, 1);
  EXPECT_NEAR(slate.items[2].score, 0.3, 1e-6);
  EXPECT_EQ(slate.items[2].position, 3);

  // Slots {2, 4}: h at 2; f, c and g (in the main slate) are dropped: slot 4 stays main.
  const Arm two{"two", Ordering::score, {2, 4}, 1.0};
  request.arm = &two;
  EXPECT_EQ(items_of(assembler.assemble(request)), (std::vector<Index>{1, 7, 2, 3, 4}));

  // Another ordering has no candidates; a control arm never inserts.
  const Arm random{"invr-random", Ordering::random, {1}, 1.0};
  request.arm = &random;
  EXPECT_EQ(items_of(assembler.assemble(request)), (std::vector<Index>{1, 2, 3, 4, 6}));
  const Arm control{"control", std::nullopt, {}, 1.0};
  request.arm = &control;
  EXPECT_EQ(items_of(assembler.assemble(request)), (std::vector<Index>{1, 2, 3, 4, 6}));
}

TEST(SlateAssembler, FallbackUsersStillGetInvrCandidates) {
  SlateParams params = no_freshness();
  params.fallback_window_hours = 24;
  const SlateAssembler assembler(tiny_catalog(), params);
  const Arm arm{"invr-user-rank", Ordering::user_rank, {1, 3}, 1.0};
  const StoredCandidates stored = candidates_for(Ordering::user_rank, {"zzz", "d", "a"});
  SlateRequest request;
  request.n = 4;
  request.now = kNow;
  request.arm = &arm;
  request.invr = &stored;
  // Fallback main: g, b, c, e. d at 1, a at 3.
  const Slate slate = assembler.assemble(request);
  EXPECT_EQ(items_of(slate), (std::vector<Index>{3, 6, 0, 1}));
  EXPECT_EQ(sources_of(slate), "ipip");
  EXPECT_TRUE(slate.fallback);
  EXPECT_EQ(slate.invr_items, 2);
  EXPECT_EQ(slate.popular_items, 2);
}

// POST /v1/insert's library step: insert() into a slate ranked elsewhere is
// the insertion assemble() ends with (one piece of code for both).
TEST(SlateAssembler, InsertIntoARankedSlateIsAssemblesInsertionStep) {
  const SlateAssembler assembler(tiny_catalog(), no_freshness());
  const Arm arm{"invr-score", Ordering::score, {3, 8}, 1.0};
  const Arm control{"control", std::nullopt, {}, 1.0};
  const StoredCandidates stored = candidates_for(Ordering::score, {"zzz", "f", "h", "c", "g"});
  const std::vector<Index> seen = {0};
  SlateRequest request;
  request.user_embedding = kUser;
  request.seen_items = seen;
  request.n = 5;
  request.now = kNow;
  request.invr = &stored;
  request.arm = &control;
  const Slate main = assembler.assemble(request);
  request.arm = &arm;
  EXPECT_EQ(assembler.insert(main.items, request), assembler.assemble(request));

  // A platform slate: indices past the catalog (8) are items it lacks, kept
  // as given; c is dropped from the candidates (in the slate), f (future), zzz.
  const std::vector<SlateItem> platform = {{100, kNoIndex, 3.0, SlateSource::platform, 0},
                                           {2, 0, 2.0, SlateSource::platform, 0},
                                           {101, kNoIndex, 1.0, SlateSource::platform, 0}};
  Slate slate = assembler.insert(platform, request);
  EXPECT_EQ(items_of(slate), (std::vector<Index>{100, 2, 7, 101}));  // slot 8 is past the slate's end
  EXPECT_EQ(sources_of(slate), "ppip");
  EXPECT_EQ(slate.invr_items, 1);
  EXPECT_EQ(slate.items[3].position, 4);
  EXPECT_EQ(slate.items[0].score, 3.0);
  request.arm = &control;
  request.n = 2;
  EXPECT_EQ(items_of(assembler.insert(platform, request)), (std::vector<Index>{100, 2}));
  // n may exceed max_n (a platform slate may be long); not below 1.
  request.n = 500;
  EXPECT_EQ(assembler.insert(platform, request).items.size(), 3u);
  request.n = 0;
  EXPECT_THROW(assembler.insert(platform, request), UsageError);
  request.n = 3;
  const std::vector<SlateItem> negative = {{-5, kNoIndex, 0.0, SlateSource::platform, 0}};
  EXPECT_THROW(assembler.insert(negative, request), UsageError);
}

template <typename F>
void expect_usage_error(F&& f, const std::string& fragment) {
  try {
    f();
    FAIL() << "expected UsageError containing " << fragment;
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(SlateAssembler, RejectsBadRequestsNamingTheField) {
  const SlateAssembler assembler(tiny_catalog(), no_freshness());
  SlateRequest request;
  request.user_embedding = kUser;
  request.n = 0;
  expect_usage_error([&] { assembler.assemble(request); }, "n must be in [1, 100]");
  request.n = 101;
  expect_usage_error([&] { assembler.assemble(request); }, "got 101");
  request.n = 3;
  const std::vector<float> wide = {1, 2, 3};
  request.user_embedding = wide;
  expect_usage_error([&] { assembler.assemble(request); }, "user_embedding has 3 floats");
  request.user_embedding = kUser;
  const std::vector<Index> unsorted = {3, 1};
  request.seen_items = unsorted;
  expect_usage_error([&] { assembler.assemble(request); }, "sorted ascending");
  const std::vector<Index> outside = {1, 8};
  request.seen_items = outside;
  expect_usage_error([&] { assembler.assemble(request); }, "seen_items[1] = 8");
  // In a batch, the message names the request.
  SlateRequest good;
  good.n = 2;
  const std::vector<SlateRequest> batch = {good, request};
  expect_usage_error([&] { assembler.assemble(batch); }, "request 1: seen_items[1]");
}

TEST(SlateAssembler, RejectsInconsistentCatalogAndParams) {
  SlateCatalog short_popularity = tiny_catalog();
  short_popularity.popularity.pop_back();
  expect_usage_error([&] { SlateAssembler a(std::move(short_popularity)); },
                     "popularity has 7 entries, expected 8");
  SlateParams params;
  params.max_n = 300;
  expect_usage_error([&] { SlateAssembler a(tiny_catalog(), params); },
                     "--max-n (300) must not exceed --retrieve-k (200)");
  expect_usage_error([&] { SlateAssembler a(tiny_catalog(), {}, "nonsense-index"); }, "");
  auto index = make_index("exact", 3);
  expect_usage_error([&] { SlateAssembler a(tiny_catalog(), std::move(index)); },
                     "holds 0 rows of dim 3");
}

}  // namespace
}  // namespace invr
