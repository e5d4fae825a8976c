// Loading and saving RecBole atomic files: what loads, and what round-trips.
// Rejected input is covered in atomic_io_errors_test.cc.
#include "invr/atomic_io.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "data/expect_dataset.h"
#include "invr/error.h"
#include "test_util.h"

namespace invr {
namespace {

using test::expect_same_dataset;
using test::TempDir;
using test::write_file;

std::vector<std::string> token_texts(const Dataset& d, Index item) {
  std::vector<std::string> out;
  for (Index t : d.item_table.item_tokens(item)) out.push_back(d.tokens.id(t));
  return out;
}

TEST(AtomicLoad, LoadsCheckedInTinyDataset) {
  const Dataset d = load_atomic(test::testdata_dir() / "atomic", "tiny");
  EXPECT_EQ(d.name, "tiny");
  // Users from tiny.user in file order; u4 has no interactions.
  EXPECT_EQ(d.users.ids(), (std::vector<std::string>{"u1", "u2", "u3", "u4"}));
  EXPECT_EQ(d.items.ids(), (std::vector<std::string>{"i1", "i2", "i3", "i4"}));
  EXPECT_EQ(d.producers.ids(), (std::vector<std::string>{"p1", "p2", "p3"}));
  EXPECT_EQ(d.item_table.producer, (std::vector<Index>{0, 1, 0, 2}));
  EXPECT_EQ(d.item_table.publish_time[0], 1400000000.0);
  EXPECT_FALSE(has_time(d.item_table.publish_time[1]));
  EXPECT_EQ(d.item_table.publish_time[3], 1460000000.0);
  EXPECT_EQ(d.tokens.ids(), (std::vector<std::string>{"genre=Comedy", "genre=Drama", "year=1995",
                                                      "genre=Horror", "year=1979"}));
  EXPECT_EQ(token_texts(d, 0),
            (std::vector<std::string>{"genre=Comedy", "genre=Drama", "year=1995"}));
  EXPECT_EQ(token_texts(d, 2), (std::vector<std::string>{"year=1995"}));
  EXPECT_EQ(token_texts(d, 3), (std::vector<std::string>{"genre=Drama"}));

  const Interactions& rows = d.interactions;
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows.user, (std::vector<Index>{0, 0, 1, 2}));
  EXPECT_EQ(rows.item, (std::vector<Index>{0, 1, 0, 2}));
  EXPECT_EQ(rows.timestamp[0], 1500000000.0);
  EXPECT_EQ(rows.timestamp[2], 1500000120.25);
  EXPECT_FALSE(has_time(rows.timestamp[3]));  // empty field
  EXPECT_EQ(rows.event, (std::vector<EventType>{EventType::click, EventType::view,
                                                EventType::purchase, EventType::click}));
  EXPECT_EQ(rows.value, (std::vector<float>{4.5f, 3.0f, 5.0f, 0.5f}));
}

TEST(AtomicLoad, WithoutItemFileEveryItemIsItsOwnProducer) {
  TempDir dir;
  write_file(dir / "x.inter", "user_id:token\titem_id:token\nu1\ti5\nu2\ti2\nu1\ti5\nu3\ti9\n");
  const Dataset d = load_atomic(dir.path(), "x");
  EXPECT_EQ(d.items.ids(), (std::vector<std::string>{"i5", "i2", "i9"}));  // first appearance
  EXPECT_EQ(d.producers.ids(), d.items.ids());
  EXPECT_EQ(d.item_table.producer, (std::vector<Index>{0, 1, 2}));
  EXPECT_EQ(d.item_table.size(), 3u);
  EXPECT_TRUE(d.item_table.tokens.empty());
  EXPECT_FALSE(has_time(d.item_table.publish_time[2]));
  EXPECT_EQ(d.interactions.item, (std::vector<Index>{0, 1, 0, 2}));
  EXPECT_EQ(d.interactions.value, (std::vector<float>{1, 1, 1, 1}));  // no value column
  EXPECT_EQ(d.interactions.event[0], EventType::interaction);
  EXPECT_FALSE(d.has_timestamps());
}

TEST(AtomicLoad, ItemFileWithoutProducerColumnMakesItemsTheirOwnProducers) {
  TempDir dir;
  write_file(dir / "x.item", "item_id:token\tgenre:token\nb\tRock\na\tJazz\n");
  write_file(dir / "x.inter", "user_id:token\titem_id:token\nu\ta\n");
  const Dataset d = load_atomic(dir.path(), "x");
  EXPECT_EQ(d.items.ids(), (std::vector<std::string>{"b", "a"}));  // .item order, not .inter
  EXPECT_EQ(d.producers.ids(), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(d.interactions.item, (std::vector<Index>{1}));
}

TEST(AtomicLoad, ProducerColumnIsConfigurable) {
  TempDir dir;
  write_file(
      dir / "x.item",
      "item_id:token\tdirector:token\tproducer_id:token\ni1\tkubrick\tmgm\ni2\tnolan\tmgm\n");
  write_file(dir / "x.inter", "user_id:token\titem_id:token\nu\ti1\n");
  AtomicLoadOptions options;
  options.producer_column = "director";
  const Dataset d = load_atomic(dir.path(), "x", options);
  EXPECT_EQ(d.producers.ids(), (std::vector<std::string>{"kubrick", "nolan"}));
  // The other column is now plain content.
  EXPECT_EQ(token_texts(d, 1), (std::vector<std::string>{"producer_id=mgm"}));
}

TEST(AtomicLoad, ContentColumnsBecomeTokens) {
  TempDir dir;
  write_file(dir / "x.item",
             "item_id:token\ttags:token_seq\ttitle:token\ttokens:token_seq\n"
             "i1\t  rock  indie \tToy Story\ta=1  b=2 \n"
             "i2\t\t\t\n");
  write_file(dir / "x.inter", "user_id:token\titem_id:token\nu\ti1\n");
  const Dataset d = load_atomic(dir.path(), "x");
  // token_seq splits on spaces (runs add nothing); :token keeps spaces; "tokens" is taken as-is.
  EXPECT_EQ(token_texts(d, 0),
            (std::vector<std::string>{"tags=rock", "tags=indie", "title=Toy Story", "a=1", "b=2"}));
  EXPECT_TRUE(token_texts(d, 1).empty());
}

TEST(AtomicLoad, UserFileAddsUsersInItsOrderThenInterUsers) {
  TempDir dir;
  write_file(dir / "x.user", "user_id:token\nu9\nu1\n");
  write_file(dir / "x.inter", "user_id:token\titem_id:token\nu1\ti1\nu2\ti1\n");
  const Dataset d = load_atomic(dir.path(), "x");
  EXPECT_EQ(d.users.ids(), (std::vector<std::string>{"u9", "u1", "u2"}));
  EXPECT_EQ(d.interactions.user, (std::vector<Index>{1, 2}));
}

TEST(AtomicLoad, CrlfFilesLoadLikeLfFiles) {
  const std::string inter =
      "user_id:token\titem_id:token\ttimestamp:float\tevent_type:token\tweight:float\n"
      "u1\ti1\t10\tclick\t2\nu2\ti2\t\tview\t0.25\n";
  const std::string item =
      "item_id:token\tproducer_id:token\ttags:token_seq\ni1\tp\ta b\ni2\tq\t\n";
  auto crlf = [](std::string s) {
    std::string out;
    for (char c : s) out += c == '\n' ? std::string("\r\n") : std::string(1, c);
    return out;
  };
  TempDir lf, windows;
  write_file(lf / "x.inter", inter);
  write_file(lf / "x.item", item);
  write_file(windows / "x.inter", crlf(inter));
  write_file(windows / "x.item", crlf(item));
  const Dataset a = load_atomic(lf.path(), "x");
  const Dataset b = load_atomic(windows.path(), "x");
  expect_same_dataset(a, b);
  EXPECT_EQ(b.producers.ids(), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(token_texts(b, 0), (std::vector<std::string>{"tags=a", "tags=b"}));
  EXPECT_EQ(b.interactions.value, (std::vector<float>{2.0f, 0.25f}));
}

TEST(AtomicLoad, ValueColumnMayBeRatingWeightOrValue) {
  for (const char* name : {"rating", "weight", "value"}) {
    TempDir dir;
    write_file(dir / "x.inter",
               std::string("user_id:token\titem_id:token\t") + name + ":float\nu\ti\t7.5\n");
    EXPECT_EQ(load_atomic(dir.path(), "x").interactions.value[0], 7.5f) << name;
  }
}

TEST(AtomicLoad, TrailingBlankLinesAndByteOrderMarkAreFine) {
  TempDir dir;
  write_file(dir / "x.inter", "\xEF\xBB\xBFuser_id:token\titem_id:token\nu\ti\n\n\r\n");
  EXPECT_EQ(load_atomic(dir.path(), "x").interactions.size(), 1u);
}

TEST(AtomicLoad, FindsTheNameOfTheOnlyDatasetInAFolder) {
  TempDir dir;
  write_file(dir / "movies.inter", "user_id:token\titem_id:token\nu\ti\n");
  write_file(dir / "notes.txt", "not a dataset");
  EXPECT_EQ(find_atomic_name(dir.path()), "movies");
  EXPECT_EQ(load_atomic(dir.path()).name, "movies");
}

TEST(AtomicLoad, FindNameFailsOnNoneOrSeveral) {
  TempDir dir;
  EXPECT_THROW(find_atomic_name(dir.path()), UsageError);
  write_file(dir / "a.inter", "");
  write_file(dir / "b.inter", "");
  try {
    find_atomic_name(dir.path());
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("(a, b)"), std::string::npos) << e.what();
  }
  EXPECT_THROW(find_atomic_name(dir / "missing"), UsageError);
}

TEST(AtomicLoad, ItemsAloneLoadTheCatalog) {
  const Dataset d = load_atomic_items(test::testdata_dir() / "atomic", "tiny");
  EXPECT_EQ(d.items.ids(), (std::vector<std::string>{"i1", "i2", "i3", "i4"}));
  EXPECT_EQ(d.producers.ids(), (std::vector<std::string>{"p1", "p2", "p3"}));
  EXPECT_EQ(token_texts(d, 0), (std::vector<std::string>{"genre=Comedy", "genre=Drama", "year=1995"}));
  EXPECT_TRUE(d.users.empty());
  EXPECT_EQ(d.interactions.size(), 0u);
  TempDir dir;
  EXPECT_THROW(load_atomic_items(dir.path(), "none"), IoError);
}

TEST(AtomicLoad, MissingInterFileIsAnIoError) {
  TempDir dir;
  EXPECT_THROW(load_atomic(dir.path(), "nothing"), IoError);
}

TEST(AtomicLoad, LoadsFilesLargerThanTheReadBuffer) {
  // ~600 KB: rows straddle several buffer refills and lookup batches.
  TempDir dir;
  std::string inter =
      "user_id:token\titem_id:token\ttimestamp:float\tevent_type:token\tvalue:float\r\n";
  const int rows = 30000;
  for (int r = 0; r < rows; ++r) {
    inter.append("user").append(std::to_string(r / 7)).append("\titem");
    inter.append(std::to_string(r * 13 % 101)).append("\t").append(std::to_string(r));
    inter.append(r % 3 == 0 ? "\tclick\t" : "\tview\t")
        .append(std::to_string(r % 5))
        .append(".5\r\n");
  }
  write_file(dir / "big.inter", inter);
  const Dataset d = load_atomic(dir.path(), "big");
  ASSERT_EQ(d.interactions.size(), static_cast<std::size_t>(rows));
  EXPECT_EQ(d.users.size(), static_cast<std::size_t>((rows + 6) / 7));
  EXPECT_EQ(d.items.size(), 101u);
  for (int r = 0; r < rows; ++r) {
    const auto row = static_cast<std::size_t>(r);
    ASSERT_EQ(d.users.id(d.interactions.user[row]), "user" + std::to_string(r / 7)) << r;
    ASSERT_EQ(d.items.id(d.interactions.item[row]), "item" + std::to_string(r * 13 % 101)) << r;
    ASSERT_EQ(d.interactions.timestamp[row], r) << r;
    ASSERT_EQ(d.interactions.event[row], r % 3 == 0 ? EventType::click : EventType::view) << r;
    ASSERT_EQ(d.interactions.value[row], static_cast<float>(r % 5) + 0.5f) << r;
  }
}

TEST(AtomicLoad, TrailingBlankLinesAcrossTheReadBufferEnd) {
  TempDir dir;
  std::string inter = "user_id:token\titem_id:token\n";
  for (int r = 0; r < 26200; ++r) inter += "user\titem\n";
  inter += "last\tone\n" + std::string(300000, '\n');  // more than a buffer of blank lines
  write_file(dir / "x.inter", inter);
  const Dataset d = load_atomic(dir.path(), "x");
  ASSERT_EQ(d.interactions.size(), 26201u);
  EXPECT_EQ(d.users.id(d.interactions.user.back()), "last");
  EXPECT_EQ(d.items.id(d.interactions.item.back()), "one");
}

// A dataset that exercises every saved column and the float round trip.
Dataset tricky_dataset() {
  Dataset d;
  d.name = "tricky";
  d.users.add("zed");  // first in the map but no interactions: kept by NAME.user
  d.users.add("amy");
  d.users.add("bob");
  for (const char* item : {"i1", "i2", "i3"}) d.items.add(item);
  d.producers.add("p1");
  d.producers.add("p2");
  d.tokens.add("genre=Drama");
  d.tokens.add("genre=Comedy");
  const Index drama_comedy[] = {0, 1};
  const Index comedy[] = {1};
  d.item_table.push_back(0, 1e9 + 0.123456789, drama_comedy);
  d.item_table.push_back(1, kNoTime, {});
  d.item_table.push_back(0, -0.0, comedy);
  d.interactions.push_back(2, 0, 1500000000.123456, EventType::rating, 0.1f);
  d.interactions.push_back(1, 2, kNoTime, EventType::interaction, 1.0f);
  d.interactions.push_back(2, 1, 1e-7, EventType::impression, 3.4028235e38f);
  d.interactions.push_back(1, 0, -86400.5, EventType::checkin, 1e-30f);
  return d;
}

TEST(AtomicSave, RoundTripsEveryColumnExactly) {
  TempDir dir;
  const Dataset original = tricky_dataset();
  save_atomic(original, dir.path(), "tricky");
  const Dataset loaded = load_atomic(dir.path(), "tricky");
  EXPECT_EQ(loaded.name, "tricky");
  expect_same_dataset(original, loaded);
}

TEST(AtomicSave, RenumbersProducersAndTokensInFirstUseOrder) {
  // Producer and token maps are rebuilt from NAME.item, so unused entries go
  // and the rest are numbered by first use; every item keeps its own ids.
  Dataset d = tricky_dataset();
  d.producers = IdMap();
  for (const char* id : {"unused", "p2", "p1"}) d.producers.add(id);
  d.item_table.producer = {2, 1, 2};
  TempDir dir;
  save_atomic(d, dir.path(), "t");
  const Dataset loaded = load_atomic(dir.path(), "t");
  EXPECT_EQ(loaded.producers.ids(), (std::vector<std::string>{"p1", "p2"}));
  EXPECT_EQ(loaded.item_table.producer, (std::vector<Index>{0, 1, 0}));
  EXPECT_EQ(loaded.users.ids(), d.users.ids());
  EXPECT_EQ(loaded.items.ids(), d.items.ids());
}

TEST(AtomicSave, RoundTripsTheCheckedInDataset) {
  TempDir dir;
  const Dataset original = load_atomic(test::testdata_dir() / "atomic", "tiny");
  save_atomic(original, dir / "copy", "tiny2");
  expect_same_dataset(original, load_atomic(dir / "copy", "tiny2"));
}

TEST(AtomicSave, WritesOnlyColumnsWithData) {
  TempDir dir;
  Dataset d;
  d.users.add("u");
  d.items.add("i");
  d.producers.add("p");
  d.item_table.push_back(0, kNoTime, {});
  d.interactions.push_back(0, 0, kNoTime, EventType::interaction, 1.0f);
  save_atomic(d, dir.path(), "plain");
  EXPECT_EQ(test::read_file(dir / "plain.inter"), "user_id:token\titem_id:token\nu\ti\n");
  EXPECT_EQ(test::read_file(dir / "plain.item"), "item_id:token\tproducer_id:token\ni\tp\n");
  EXPECT_EQ(test::read_file(dir / "plain.user"), "user_id:token\nu\n");
}

TEST(AtomicSave, WritesShortestFloatsAndEventNames) {
  TempDir dir;
  save_atomic(tricky_dataset(), dir.path(), "t");
  EXPECT_EQ(test::read_file(dir / "t.inter"),
            "user_id:token\titem_id:token\ttimestamp:float\tevent_type:token\tvalue:float\n"
            "bob\ti1\t1500000000.123456\trating\t0.1\n"
            "amy\ti3\t\tinteraction\t1\n"
            "bob\ti2\t1e-07\timpression\t3.4028235e+38\n"
            "amy\ti1\t-86400.5\tcheckin\t1e-30\n");
  EXPECT_EQ(test::read_file(dir / "t.item"),
            "item_id:token\tproducer_id:token\tpublish_time:float\ttokens:token_seq\n"
            "i1\tp1\t1000000000.1234568\tgenre=Drama genre=Comedy\n"
            "i2\tp2\t\t\n"
            "i3\tp1\t-0\tgenre=Comedy\n");
}

TEST(AtomicSave, LeavesNoTemporaryFilesAndReplacesOldOnes) {
  TempDir dir;
  write_file(dir / "t.user", "stale");
  save_atomic(tricky_dataset(), dir.path(), "t");
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"t.inter", "t.item", "t.user"}));
  EXPECT_EQ(test::read_file(dir / "t.user"), "user_id:token\nzed\namy\nbob\n");
}

TEST(AtomicSave, RejectsIdsThatCannotBeFieldsAndWritesNothing) {
  TempDir dir;
  Dataset d = tricky_dataset();
  d.users.add("tab\there");
  try {
    save_atomic(d, dir.path(), "t");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "cannot save user id 'tab\\there': it contains a tab or line break");
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(AtomicSave, RejectsIdsWithControlCharactersAndWritesNothing) {
  // They would not load again (docs/formats.md, "Ids").
  TempDir dir;
  Dataset d = tricky_dataset();
  d.items.add("bell\x07");
  d.item_table.push_back(0, kNoTime, {});
  try {
    save_atomic(d, dir.path(), "t");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "cannot save item id 'bell\\x07': it contains the control character 0x07");
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(AtomicSave, RejectsTokensWithSpacesAndWritesNothing) {
  TempDir dir;
  Dataset d = tricky_dataset();
  d.tokens.add("title=Toy Story");
  const Index token[] = {2};
  d.items.add("i4");
  d.item_table.push_back(0, kNoTime, token);
  try {
    save_atomic(d, dir.path(), "t");
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("token of item i4 'title=Toy Story'"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(AtomicSave, RejectsEmptyDatasetsAndBadNames) {
  TempDir dir;
  EXPECT_THROW(save_atomic(Dataset{}, dir.path(), "empty"), UsageError);
  EXPECT_THROW(save_atomic(tricky_dataset(), dir.path(), "a/b"), UsageError);
  EXPECT_THROW(save_atomic(tricky_dataset(), dir.path(), ""), UsageError);
}

}  // namespace
}  // namespace invr
