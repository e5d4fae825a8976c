#include <gtest/gtest.h>

#include <vector>

#include "invr/slate.h"

namespace invr {
namespace {

SlateItem main_item(Index item) { return {item, kNoIndex, 1.0, SlateSource::main, 0}; }
SlateItem candidate(Index item) { return {item, kNoIndex, 0.5, SlateSource::invr, 0}; }

std::vector<SlateItem> mains(std::initializer_list<Index> items) {
  std::vector<SlateItem> out;
  for (Index i : items) out.push_back(main_item(i));
  return out;
}
std::vector<SlateItem> candidates(std::initializer_list<Index> items) {
  std::vector<SlateItem> out;
  for (Index i : items) out.push_back(candidate(i));
  return out;
}

// Items, sources (m/i) and positions of a slate, for compact comparisons.
std::vector<Index> items_of(const std::vector<SlateItem>& slate) {
  std::vector<Index> out;
  for (const auto& s : slate) out.push_back(s.item);
  return out;
}
std::string sources_of(const std::vector<SlateItem>& slate) {
  std::string out;
  for (const auto& s : slate) out += s.source == SlateSource::invr ? 'i' : 'm';
  return out;
}
void expect_positions(const std::vector<SlateItem>& slate) {
  for (std::size_t i = 0; i < slate.size(); ++i) EXPECT_EQ(slate[i].position, int(i) + 1);
}

const std::vector<Index> kNoSeen;

TEST(InsertCandidates, FillsSlotsAndShiftsMainDown) {
  const auto main = mains({10, 11, 12, 13, 14, 15, 16, 17, 18, 19});
  const std::vector<int> slots = {3, 8};
  const auto out = insert_candidates(main, candidates({20, 21, 22}), slots, kNoSeen, 10);
  EXPECT_EQ(items_of(out), (std::vector<Index>{10, 11, 20, 12, 13, 14, 15, 21, 16, 17}));
  EXPECT_EQ(sources_of(out), "mmimmmmimm");
  expect_positions(out);
  EXPECT_DOUBLE_EQ(out[2].score, 0.5);
}

TEST(InsertCandidates, SlotsOrderDoesNotMatterAndDuplicateSlotsCountOnce) {
  const auto main = mains({10, 11, 12, 13});
  const std::vector<int> slots = {4, 1, 4};
  const auto out = insert_candidates(main, candidates({20, 21, 22}), slots, kNoSeen, 4);
  EXPECT_EQ(items_of(out), (std::vector<Index>{20, 10, 11, 21}));
  expect_positions(out);
}

TEST(InsertCandidates, DropsCandidatesInSlateSeenOrRepeated) {
  const auto main = mains({10, 11, 12, 13, 14});
  const std::vector<Index> seen = {5, 30};
  const std::vector<int> slots = {1, 2, 3};
  // 12 is in the slate, 30 seen, 20 repeated; 21 and 22 fill slots 2 and 3.
  const auto out = insert_candidates(main, candidates({12, 30, 20, 20, 21, 22}), slots, seen, 5);
  EXPECT_EQ(items_of(out), (std::vector<Index>{20, 21, 22, 10, 11}));
  EXPECT_EQ(sources_of(out), "iiimm");
}

TEST(InsertCandidates, MainItemBeyondNIsNotASlateDuplicate) {
  // 14 is ranked 5th but n = 4: it would not be shown, so the candidate stays.
  const auto main = mains({10, 11, 12, 13, 14});
  const std::vector<int> slots = {2};
  const auto out = insert_candidates(main, candidates({14}), slots, kNoSeen, 4);
  EXPECT_EQ(items_of(out), (std::vector<Index>{10, 14, 11, 12}));
}

TEST(InsertCandidates, SlotsBeyondNAreIgnored) {
  const auto main = mains({10, 11, 12, 13, 14});
  const std::vector<int> slots = {3, 8};
  const auto out = insert_candidates(main, candidates({20, 21}), slots, kNoSeen, 5);
  EXPECT_EQ(items_of(out), (std::vector<Index>{10, 11, 20, 12, 13}));
  EXPECT_EQ(sources_of(out), "mmimm");
}

TEST(InsertCandidates, EmptyCandidatesLeaveMainUntouched) {
  const auto main = mains({10, 11, 12});
  const std::vector<int> slots = {1, 2};
  const auto out = insert_candidates(main, {}, slots, kNoSeen, 3);
  EXPECT_EQ(items_of(out), (std::vector<Index>{10, 11, 12}));
  EXPECT_EQ(sources_of(out), "mmm");
  expect_positions(out);
}

TEST(InsertCandidates, FewerCandidatesThanSlots) {
  const auto main = mains({10, 11, 12, 13, 14});
  const std::vector<int> slots = {2, 4};
  const auto out = insert_candidates(main, candidates({20}), slots, kNoSeen, 5);
  EXPECT_EQ(items_of(out), (std::vector<Index>{10, 20, 11, 12, 13}));
}

TEST(InsertCandidates, NoSlotsIsControl) {
  const auto main = mains({10, 11, 12});
  const auto out = insert_candidates(main, candidates({20, 21}), {}, kNoSeen, 3);
  EXPECT_EQ(items_of(out), (std::vector<Index>{10, 11, 12}));
}

TEST(InsertCandidates, ShortMainEndsTheSlateAtTheFirstGap) {
  // main has 2 items, n = 10, slots {3, 8}: slot 3 is reached, slot 8 is not.
  const auto main = mains({10, 11});
  const std::vector<int> slots = {3, 8};
  const auto out = insert_candidates(main, candidates({20, 21}), slots, kNoSeen, 10);
  EXPECT_EQ(items_of(out), (std::vector<Index>{10, 11, 20}));
  // No main items at all: only a slot at position 1 is reachable.
  const std::vector<int> first = {1, 2};
  const auto only = insert_candidates({}, candidates({20, 21, 22}), first, kNoSeen, 5);
  EXPECT_EQ(items_of(only), (std::vector<Index>{20, 21}));
}

TEST(InsertCandidates, KeepsMainSourceOfPopularItems) {
  std::vector<SlateItem> main = {{10, 1, 7.0, SlateSource::popular, 0}};
  const std::vector<int> slots = {1};
  const auto out = insert_candidates(main, candidates({20}), slots, kNoSeen, 2);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].source, SlateSource::popular);
  EXPECT_EQ(out[1].producer, 1);
  EXPECT_EQ(out[1].position, 2);
}

TEST(MapCandidates, MapsIdsSkipsUnknownAndKeepsOrder) {
  SlateCatalog catalog;
  catalog.item_ids.add("a");
  catalog.item_ids.add("b");
  catalog.item_ids.add("c");
  catalog.producer = {5, 6, 7};
  StoredCandidates stored;
  stored.by_ordering[static_cast<std::size_t>(Ordering::user_rank)] = {
      {"c", 0.9f, 1}, {"zzz", 0.8f, 2}, {"a", 0.25f, 3}};
  stored.by_ordering[static_cast<std::size_t>(Ordering::score)] = {{"b", 0.5f, 4}};
  const auto out = map_candidates(catalog, stored, Ordering::user_rank);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].item, 2);
  EXPECT_EQ(out[0].producer, 7);
  EXPECT_FLOAT_EQ(static_cast<float>(out[0].score), 0.9f);
  EXPECT_EQ(out[0].source, SlateSource::invr);
  EXPECT_EQ(out[1].item, 0);
  EXPECT_DOUBLE_EQ(out[1].score, 0.25);
  EXPECT_TRUE(map_candidates(catalog, stored, Ordering::random).empty());
  // An arm's n (Arm::top_users) keeps the candidates of user rank <= n only.
  const auto cut = map_candidates(catalog, stored, Ordering::user_rank, 2);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].item, 2);
  EXPECT_EQ(map_candidates(catalog, stored, Ordering::user_rank, 3).size(), 2u);
  EXPECT_TRUE(map_candidates(catalog, stored, Ordering::score, 3).empty());
}

}  // namespace
}  // namespace invr
