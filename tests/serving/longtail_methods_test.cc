// The competing long-tail methods (docs/methods.md) on hand-made catalogs,
// every expected slate worked out by hand in the comments: the short head /
// long tail split, xQuAD's greedy picks, the popularity penalty's order and
// forward-longtail's insertion.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "invr/error.h"
#include "invr/metrics.h"
#include "invr/slate.h"
#include "tiny_slate_catalog.h"

namespace invr {
namespace {

std::vector<Index> items_of(std::span<const SlateItem> slate) {
  std::vector<Index> out;
  for (const auto& s : slate) out.push_back(s.item);
  return out;
}
std::string sources_of(const Slate& slate) {
  std::string out;
  for (const auto& s : slate.items) out += slate_source_name(s.source)[0];
  return out;
}

// 15 items in one dimension, no publish times. Popularity 100, 80, 5, 4, 3,
// 2, 1, 1, 0, ..., 0, 90 sums to 286; the short head (APLT's, invr/metrics.h)
// is the most popular items holding 80% of it (228.8): items 0, 14 and 1
// (100 + 90 + 80 = 270); the rest is long tail.
//   item  x      popularity  category
//   0     1.0    100         head
//   1     0.9     80         head
//   2     0.8      5         tail
//   3     0.6      4         tail
//   4     0.2      3         tail
//   5..12 0.1, 0.05, 0, -0.1, -0.2, -0.3, -0.4, -0.5   tail
//   13    -0.6     0         tail
//   14    -0.7    90         head
SlateCatalog xquad_catalog() {
  SlateCatalog catalog;
  const float xs[] = {1.0f, 0.9f, 0.8f, 0.6f, 0.2f, 0.1f, 0.05f, 0.0f,
                      -0.1f, -0.2f, -0.3f, -0.4f, -0.5f, -0.6f, -0.7f};
  catalog.embeddings = Matrix(15, 1);
  for (std::size_t i = 0; i < 15; ++i) {
    catalog.item_ids.add("x" + std::to_string(i));
    catalog.embeddings.row(i)[0] = xs[i];
  }
  catalog.producer.assign(15, 0);
  catalog.publish_time.assign(15, kNoTime);
  catalog.popularity = {100, 80, 5, 4, 3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 90};
  return catalog;
}

SlateParams plain_params() {
  SlateParams params;
  params.freshness_weight = 0;
  params.threads = 1;
  return params;
}

const std::vector<float> kUser1 = {1.0f};

// xquad's categories are APLT's long tail over the catalog's popularity.
std::vector<std::uint8_t> catalog_long_tail() {
  std::vector<std::uint64_t> counts;
  for (double p : xquad_catalog().popularity) counts.push_back(static_cast<std::uint64_t>(p));
  return long_tail_items(counts);
}

TEST(LongTail, XquadsShortHeadHoldsEightyPercentOfThePopularity) {
  const std::vector<std::uint8_t> tail = catalog_long_tail();
  std::vector<Index> head;
  for (std::size_t i = 0; i < tail.size(); ++i)
    if (!tail[i]) head.push_back(static_cast<Index>(i));
  EXPECT_EQ(head, (std::vector<Index>{0, 1, 14}));
}

TEST(LongTail, PreferenceIsTheHistorysLongTailShare) {
  const std::vector<std::uint8_t> tail = catalog_long_tail();
  const std::vector<Index> half = {13, 14}, all = {2, 3, 13}, none = {0, 1};
  EXPECT_DOUBLE_EQ(long_tail_preference(half, tail), 0.5);
  EXPECT_DOUBLE_EQ(long_tail_preference(all, tail), 1.0);
  EXPECT_DOUBLE_EQ(long_tail_preference(none, tail), 0.0);
  EXPECT_DOUBLE_EQ(long_tail_preference({}, tail), 0.5);  // no history: no preference
}

// The ranked list 0..12 with the scores of xquad_catalog (exact doubles).
std::vector<SlateItem> ranked_list() {
  const double xs[] = {1.0, 0.9, 0.8, 0.6, 0.2, 0.1, 0.05, 0.0, -0.1, -0.2, -0.3, -0.4, -0.5};
  std::vector<SlateItem> ranked;
  for (Index i = 0; i < 13; ++i) ranked.push_back({i, 0, xs[i], SlateSource::main, 0});
  return ranked;
}

// rel = (score + 0.5) / 1.5: item 0 1, 1 .9333, 2 .8667, 3 .7333, 4 .4667.
TEST(Xquad, GreedyPicksFollowTheFormula) {
  const std::vector<std::uint8_t> tail = catalog_long_tail();
  const std::vector<SlateItem> ranked = ranked_list();
  // P(LT|u) = P(SH|u) = 0.5, lambda = 0.5:
  //  1. S empty, both products 1: 0.5 rel + 0.25 for all -> 0 (head).
  //  2. LT product (1 - 0/1)^1 = 1, SH (1 - 1/1)^1 = 0: item 1 .4667, item 2
  //     .4333 + .25 = .6833 -> 2.
  //  3. both (1 - 1/2)^2 = .25, bonus .0625 each: item 1 .5292 > item 3 .4292 -> 1.
  //  4. LT (1 - 1/3)^3 = .2963 (bonus .0741), SH (1 - 2/3)^3 = .0370: item 3
  //     .3667 + .0741 = .4407, the best left -> 3.
  EXPECT_EQ(items_of(xquad_rerank(ranked, tail, 0.5, 0.5, 4)), (std::vector<Index>{0, 2, 1, 3}));
  // P(LT|u) = 1, lambda = 0.5:
  //  1. item 2 .4333 + .5 = .9333 beats item 0 .5 -> 2.
  //  2. LT product (1 - 1/1)^1 = 0, P(SH|u) = 0: by rel -> 0.
  //  3. LT (1 - 1/2)^2 = .25, bonus .125: item 3 .3667 + .125 = .4917 > item 1 .4667 -> 3.
  //  4. LT (1 - 2/3)^3 = .0370, bonus .0185: item 1 .4667 > item 4 .2333 + .0185 -> 1.
  EXPECT_EQ(items_of(xquad_rerank(ranked, tail, 1.0, 0.5, 4)), (std::vector<Index>{2, 0, 3, 1}));
  // The picked items keep their ranking scores.
  EXPECT_DOUBLE_EQ(xquad_rerank(ranked, tail, 1.0, 0.5, 4)[0].score, 0.8);
}

TEST(Xquad, LambdaZeroKeepsTheRankedOrder) {
  const std::vector<std::uint8_t> tail = catalog_long_tail();
  const std::vector<SlateItem> ranked = ranked_list();
  for (double preference : {0.0, 0.5, 1.0})
    EXPECT_EQ(items_of(xquad_rerank(ranked, tail, preference, 0.0, 6)),
              (std::vector<Index>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(xquad_rerank(ranked, tail, 0.5, 0.5, 20).size(), 13u);  // n past the list
}

TEST(Xquad, AssemblerRerankTheMainListWithTheSeenItemsAsHistory) {
  const SlateAssembler assembler(xquad_catalog(), plain_params());
  Arm xquad{"xquad", std::nullopt, {}, 1.0, ArmMethod::xquad, 0.5};
  const std::vector<Index> seen = {13, 14};  // one tail, one head: P(LT|u) = 0.5
  SlateRequest request;
  request.user_embedding = kUser1;
  request.seen_items = seen;
  request.n = 4;
  request.arm = &xquad;
  const Slate slate = assembler.assemble(request);
  // The pool is items 0..12 (14 and 13 seen), ranked as ranked_list(): the
  // picks of GreedyPicksFollowTheFormula's first case.
  EXPECT_EQ(items_of(slate.items), (std::vector<Index>{0, 2, 1, 3}));
  EXPECT_EQ(sources_of(slate), "mmmm");
  EXPECT_EQ(slate.items[1].position, 2);
  EXPECT_NEAR(slate.items[1].score, 0.8, 1e-6);
  // lambda 0: the control slate, item for item.
  xquad.lambda = 0;
  SlateRequest control = request;
  control.arm = nullptr;
  EXPECT_EQ(assembler.assemble(request), assembler.assemble(control));
}

// The 8-item catalog of slate_assembler_test.cc, at now = 100 h:
//   item  x     popularity  published
//   0 a   1.0    50          0 h
//   1 b   0.9    10         90 h
//   2 c   0.8     5         99 h
//   3 d   0.5   100         50 h
//   4 e   0.3     1         99.5 h
//   5 f   2.0   200        120 h (future)
//   6 g   (0,1)  30         98 h
//   7 h   -1.0    0         10 h
constexpr double kHour = 3600.0;
constexpr double kNow = 100 * kHour;

SlateCatalog eight_catalog() { return test::tiny_slate_catalog(); }

const std::vector<float> kUser = {1.0f, 0.0f};

TEST(PopularityPenalty, RanksByThePenalisedScore) {
  const SlateAssembler assembler(eight_catalog(), plain_params());
  Arm penalty{"pp", std::nullopt, {}, 1.0, ArmMethod::popularity_penalty, 0.1};
  SlateRequest request;
  request.user_embedding = kUser;
  request.n = 4;
  request.now = kNow;
  request.arm = &penalty;
  // score - 0.1 ln(1 + popularity): a 1 - .3932 = .6068, b .9 - .2398 =
  // .6602, c .8 - .1792 = .6208, d .5 - .4615 = .0385, e .3 - .0693 = .2307,
  // g -.3434, h -1 (f is not yet published): b, c, a, e.
  const Slate slate = assembler.assemble(request);
  EXPECT_EQ(items_of(slate.items), (std::vector<Index>{1, 2, 0, 4}));
  EXPECT_EQ(sources_of(slate), "mmmm");
  EXPECT_NEAR(slate.items[0].score, 0.9 - 0.1 * std::log(11.0), 1e-6);
  EXPECT_NEAR(slate.items[3].score, 0.3 - 0.1 * std::log(2.0), 1e-6);
  // lambda 0: the control slate (a, b, c, d), scores included.
  penalty.lambda = 0;
  SlateRequest control = request;
  control.arm = nullptr;
  const Slate unchanged = assembler.assemble(request);
  EXPECT_EQ(unchanged, assembler.assemble(control));
  EXPECT_EQ(items_of(unchanged.items), (std::vector<Index>{0, 1, 2, 3}));
}

TEST(ForwardLongtail, InsertsTheUsersTopTreatedItemsAtTheSlots) {
  const SlateAssembler assembler(eight_catalog(), plain_params());
  const Arm forward{"fl", std::nullopt, {2, 4}, 1.0, ArmMethod::forward_longtail, 0};
  const std::vector<Index> treated = {2, 4, 5, 6, 7};  // c, e, f, g, h
  SlateRequest request;
  request.user_embedding = kUser;
  request.n = 5;
  request.now = kNow;
  request.arm = &forward;
  request.treated_items = treated;
  // Main: a b c d e. Treated by dot: f 2.0 (not yet published: skipped),
  // c .8 and e .3 (already in the slate: dropped), g 0, h -1 -> g at 2, h at 4.
  const Slate slate = assembler.assemble(request);
  EXPECT_EQ(items_of(slate.items), (std::vector<Index>{0, 6, 1, 7, 2}));
  EXPECT_EQ(sources_of(slate), "mlmlm");
  EXPECT_EQ(slate.invr_items, 2);
  EXPECT_NEAR(slate.items[3].score, -1.0, 1e-6);
  EXPECT_EQ(slate.items[3].position, 4);
  // g seen: h takes slot 2; nothing is left for slot 4.
  const std::vector<Index> seen = {6};
  request.seen_items = seen;
  const Slate without_g = assembler.assemble(request);
  EXPECT_EQ(items_of(without_g.items), (std::vector<Index>{0, 7, 1, 2, 3}));
  EXPECT_EQ(sources_of(without_g), "mlmmm");
  // The same step into a slate ranked elsewhere.
  std::vector<SlateItem> ranked;
  for (Index i : {3, 1, 0}) ranked.push_back({i, 0, 1.0, SlateSource::platform, 0});
  request.seen_items = {};
  request.n = 4;
  const Slate inserted = assembler.insert(ranked, request);
  // Treated by dot: c .8, e .3, g 0, h -1 -> c at 2, e at 4.
  EXPECT_EQ(items_of(inserted.items), (std::vector<Index>{3, 2, 1, 4}));
  EXPECT_EQ(sources_of(inserted), "plpl");
}

TEST(ForwardLongtail, NothingToInsertWithoutAnEmbeddingOrTreatedItems) {
  const SlateAssembler assembler(eight_catalog(), plain_params());
  const Arm forward{"fl", std::nullopt, {1}, 1.0, ArmMethod::forward_longtail, 0};
  const std::vector<Index> treated = {6, 7};
  SlateRequest request;
  request.n = 3;
  request.now = kNow;
  request.arm = &forward;
  request.treated_items = treated;
  SlateRequest control = request;
  control.arm = nullptr;
  // No embedding: the popularity fallback, as control's.
  EXPECT_EQ(assembler.assemble(request), assembler.assemble(control));
  request.user_embedding = kUser;
  control.user_embedding = kUser;
  request.treated_items = {};
  EXPECT_EQ(assembler.assemble(request), assembler.assemble(control));
}

TEST(ForwardLongtail, BadTreatedItemsAreUsageErrors) {
  const SlateAssembler assembler(eight_catalog(), plain_params());
  const Arm forward{"fl", std::nullopt, {1}, 1.0, ArmMethod::forward_longtail, 0};
  SlateRequest request;
  request.user_embedding = kUser;
  request.n = 3;
  request.arm = &forward;
  const std::vector<Index> unsorted = {7, 6}, outside = {3, 8};
  request.treated_items = unsorted;
  EXPECT_THROW(assembler.assemble(request), UsageError);
  request.treated_items = outside;
  try {
    assembler.assemble(request);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("treated_items[1] = 8"), std::string::npos) << e.what();
  }
}

TEST(ForwardCandidates, TopTreatedByDotTiesBySmallerIndex) {
  SlateCatalog catalog = eight_catalog();
  catalog.embeddings.row(4)[0] = 0.8f;  // e ties c
  const std::vector<Index> treated = {0, 2, 4, 7};
  const std::vector<Index> seen = {0};
  const auto out = forward_candidates(catalog, kUser, treated, seen, kNow, 2);
  EXPECT_EQ(items_of(out), (std::vector<Index>{2, 4}));
  EXPECT_EQ(out[0].source, SlateSource::longtail);
}

}  // namespace
}  // namespace invr
