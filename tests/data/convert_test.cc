#include "invr/convert.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "invr/atomic_io.h"
#include "invr/error.h"
#include "test_util.h"

namespace invr {
namespace {
namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return test::testdata_dir() / "convert" / name; }

// Token strings of an item, in stored order.
std::vector<std::string> tokens_of(const Dataset& d, const std::string& item_id) {
  const Index item = d.items.find(item_id);
  EXPECT_NE(item, kNoIndex) << item_id;
  std::vector<std::string> out;
  if (item == kNoIndex) return out;
  for (Index t : d.item_table.item_tokens(item)) out.push_back(d.tokens.id(t));
  return out;
}

std::string producer_of(const Dataset& d, const std::string& item_id) {
  return d.producers.id(d.item_table.producer[static_cast<std::size_t>(d.items.find(item_id))]);
}

using Strings = std::vector<std::string>;

// A copy of a fixture folder in which one file can be replaced.
fs::path copy_fixture(const test::TempDir& tmp, const std::string& name) {
  fs::copy(fixture(name), tmp.path() / name, fs::copy_options::recursive);
  return tmp.path() / name;
}

TEST(ConvertFixtures, BytesSurviveCheckout) {
  // If an editor or git normalised these, the CRLF and Latin-1 tests would pass vacuously.
  EXPECT_NE(test::read_file(fixture("movielens/movies.csv")).find("\r\n"), std::string::npos);
  EXPECT_NE(test::read_file(fixture("hetrec/movie_directors.dat")).find("Bu\xF1uel"), std::string::npos);
  EXPECT_NE(test::read_file(fixture("lastfm/tags.dat")).find("tropic\xE1lia"), std::string::npos);
}

TEST(ConvertMovieLens, FixtureWithoutProducers) {
  const Dataset d = convert_movielens(fixture("movielens"));
  EXPECT_EQ(d.name, "movielens");
  EXPECT_EQ(d.users.ids(), (Strings{"1", "2", "3"}));  // tag-only user 4 is not a user
  EXPECT_EQ(d.items.ids(), (Strings{"1", "11", "7789", "50", "60", "99"}));
  ASSERT_EQ(d.item_table.size(), 6u);
  // No producer file: every movie is its own producer.
  EXPECT_EQ(d.producers.ids(), (Strings{"item:1", "item:11", "item:7789", "item:50", "item:60", "item:99"}));

  EXPECT_EQ(tokens_of(d, "1"), (Strings{"genre=Adventure", "genre=Animation", "genre=Children", "genre=Comedy",
                                         "genre=Fantasy", "year=1995", "tag=pixar,_animation"}));
  // Quoted title with a comma; "Politics" and "politics" are one tag.
  EXPECT_EQ(tokens_of(d, "11"), (Strings{"genre=Comedy", "genre=Drama", "genre=Romance", "year=1995", "tag=politics"}));
  EXPECT_EQ(tokens_of(d, "7789"), (Strings{"genre=Drama", "year=2002", "tag=highly_quotable"}));
  EXPECT_EQ(tokens_of(d, "50"), (Strings{"genre=Sci-Fi"}));  // "Babylon 5": no year
  EXPECT_EQ(tokens_of(d, "60"), (Strings{"year=2006"}));     // "(no genres listed)", "(2006–2007)"
  EXPECT_EQ(tokens_of(d, "99"), (Strings{"genre=Drama", "year=1999"}));

  const auto& publish = d.item_table.publish_time;
  EXPECT_EQ(publish[0], 788918400.0);   // 1995-01-01T00:00:00Z
  EXPECT_EQ(publish[2], 1009843200.0);  // 2002-01-01
  EXPECT_FALSE(has_time(publish[3]));
  EXPECT_EQ(publish[4], 1136073600.0);  // 2006-01-01
  EXPECT_EQ(publish[5], 915148800.0);   // 1999-01-01

  const auto& r = d.interactions;
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r.user, (std::vector<Index>{0, 0, 1, 1, 2}));
  EXPECT_EQ(r.item, (std::vector<Index>{0, 1, 2, 0, 3}));
  EXPECT_EQ(r.value, (std::vector<float>{4.0f, 3.5f, 5.0f, 0.5f, 2.0f}));
  EXPECT_EQ(r.timestamp, (std::vector<double>{964982703, 964981247, 1445715000, 1445715001, 1000000000}));
  for (auto e : r.event) EXPECT_EQ(e, EventType::rating);
}

TEST(ConvertMovieLens, DirectorsFromLatin1HetrecFile) {
  const Dataset d = convert_movielens(fixture("movielens"), {.producers = fixture("hetrec/movie_directors.dat")});
  // First listed director wins for 7789; movies the file lacks are their own producer.
  EXPECT_EQ(d.producers.ids(), (Strings{"john_lasseter", "rob_reiner", "luis_bunuel", "item:50", "item:60", "item:99"}));
  EXPECT_EQ(producer_of(d, "7789"), "luis_bunuel");
  EXPECT_EQ(producer_of(d, "99"), "item:99");
  std::size_t with_director = 0;
  for (Index item : d.interactions.item)
    if (!d.producers.id(d.item_table.producer[static_cast<std::size_t>(item)]).starts_with("item:")) ++with_director;
  EXPECT_EQ(with_director, 4u);  // all but the rating of "Babylon 5"
}

TEST(ConvertMovieLens, CountriesAndProducerFolder) {
  const Dataset d = convert_movielens(fixture("movielens"), {.producers = fixture("hetrec"), .producer_kind = "country"});
  // 1 and 11 share USA; 50's country is empty, so it is its own producer.
  EXPECT_EQ(d.producers.ids(), (Strings{"USA", "France", "item:50", "item:60", "item:99"}));
  EXPECT_EQ(producer_of(d, "11"), "USA");
  EXPECT_EQ(producer_of(d, "50"), "item:50");
  // The folder form picks movie_directors.dat for the default kind.
  const Dataset by_folder = convert_movielens(fixture("movielens"), {.producers = fixture("hetrec")});
  EXPECT_EQ(producer_of(by_folder, "1"), "john_lasseter");
}

TEST(ConvertMovieLens, UnknownProducerGroupsTheUnlistedMovies) {
  const Dataset d = convert_movielens(
      fixture("movielens"),
      {.producers = fixture("hetrec"), .producer_kind = "country", .unknown_producer = "unknown"});
  // The three movies without a country share one producer instead of three.
  EXPECT_EQ(d.producers.ids(), (Strings{"USA", "France", "unknown"}));
  EXPECT_EQ(producer_of(d, "50"), "unknown");
  EXPECT_EQ(producer_of(d, "99"), "unknown");
  EXPECT_EQ(producer_of(d, "11"), "USA");
  // It needs a producers file, and an id the atomic files can hold.
  EXPECT_THROW(convert_movielens(fixture("movielens"), {.unknown_producer = "unknown"}), UsageError);
  EXPECT_THROW(convert_movielens(fixture("movielens"),
                                 {.producers = fixture("hetrec"), .unknown_producer = "a\tb"}),
               UsageError);
}

TEST(ConvertMovieLens, UnknownProducerKindIsUsageError) {
  EXPECT_THROW(convert_movielens(fixture("movielens"), {.producers = fixture("hetrec"), .producer_kind = "studio"}),
               UsageError);
  EXPECT_THROW(convert_movielens(fixture("movielens"), {.producers = {}, .producer_kind = "Director"}), UsageError);
}

TEST(ConvertMovieLens, MissingTagsFileIsIoErrorNamingIt) {
  test::TempDir tmp;
  const fs::path dir = copy_fixture(tmp, "movielens");
  fs::remove(dir / "tags.csv");
  try {
    convert_movielens(dir);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find((dir / "tags.csv").string()), std::string::npos) << what;
    EXPECT_NE(what.find("MovieLens tags file"), std::string::npos) << what;
  }
}

// Throws from convert and returns the DataError, or fails the test.
template <typename Convert>
DataError data_error(Convert convert) {
  try {
    convert();
  } catch (const DataError& e) {
    return e;
  }
  ADD_FAILURE() << "expected DataError";
  return DataError("", 0, 0, "");
}

TEST(ConvertMovieLens, BadRatingNamesFileLineAndColumn) {
  test::TempDir tmp;
  const fs::path dir = copy_fixture(tmp, "movielens");
  test::write_file(dir / "ratings.csv", "userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,11,four,964981247\r\n");
  const DataError e = data_error([&] { convert_movielens(dir); });
  EXPECT_EQ(e.file(), (dir / "ratings.csv").string());
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 6u);
  EXPECT_NE(e.message().find("rating"), std::string::npos);
}

TEST(ConvertMovieLens, RatingOfUnknownMovieIsDataError) {
  test::TempDir tmp;
  const fs::path dir = copy_fixture(tmp, "movielens");
  test::write_file(dir / "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,1\n1,2,4.0,1\n1,3,4.0,1\n");
  const DataError e = data_error([&] { convert_movielens(dir); });
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 3u);
  EXPECT_NE(e.message().find("movies.csv"), std::string::npos);
}

TEST(ConvertMovieLens, UnterminatedQuotedTitleIsDataError) {
  test::TempDir tmp;
  const fs::path dir = copy_fixture(tmp, "movielens");
  test::write_file(dir / "movies.csv", "movieId,title,genres\r\n1,Toy Story (1995),Comedy\r\n2,\"Heat, (1995),Action\r\n");
  const DataError e = data_error([&] { convert_movielens(dir); });
  EXPECT_EQ(e.file(), (dir / "movies.csv").string());
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 3u);
}

TEST(ConvertMovieLens, WrongHeaderIsDataErrorOnLineOne) {
  test::TempDir tmp;
  const fs::path dir = copy_fixture(tmp, "movielens");
  test::write_file(dir / "ratings.csv", "user,movieId,rating,timestamp\n1,1,4.0,1\n");
  const DataError e = data_error([&] { convert_movielens(dir); });
  EXPECT_EQ(e.line(), 1u);
  EXPECT_EQ(e.column(), 1u);
}

TEST(ConvertLastfm, Fixture) {
  const Dataset d = convert_lastfm(fixture("lastfm"));
  EXPECT_EQ(d.name, "lastfm");
  EXPECT_EQ(d.users.ids(), (Strings{"2", "5"}));
  EXPECT_EQ(d.items.ids(), (Strings{"1", "2", "3"}));  // artist 3 has no listens but is listed
  EXPECT_EQ(d.producers.ids(), (Strings{"1", "2", "3"}));
  // metal (2 users) before tropicália (1); Latin-1 transcoded; whitespace and case normalized.
  EXPECT_EQ(tokens_of(d, "1"), (Strings{"tag=metal", "tag=tropic\xC3\xA1lia"}));
  EXPECT_EQ(tokens_of(d, "2"), (Strings{"tag=alternative_metal"}));
  EXPECT_TRUE(tokens_of(d, "3").empty());
  const auto& r = d.interactions;
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r.user, (std::vector<Index>{0, 0, 1}));
  EXPECT_EQ(r.item, (std::vector<Index>{0, 1, 0}));
  EXPECT_EQ(r.value, (std::vector<float>{13883.0f, 11690.0f, 7.0f}));
  for (std::size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r.event[i], EventType::listen);
    EXPECT_FALSE(has_time(r.timestamp[i]));
  }
  EXPECT_FALSE(d.has_timestamps());
}

TEST(ConvertLastfm, KeepsTheTenMostUsedTagsPerArtist) {
  test::TempDir tmp;
  const fs::path dir = copy_fixture(tmp, "lastfm");
  // Tag t uses by (13 - t) users for t = 1..12, so tags 1..10 survive, in that order.
  std::string tags = "tagID\ttagValue\n", assigned = "userID\tartistID\ttagID\tday\tmonth\tyear\n";
  for (int t = 1; t <= 12; ++t) {
    tags += std::to_string(t) + "\tt" + std::to_string(t) + "\n";
    for (int u = 0; u < 13 - t; ++u) assigned += std::to_string(100 + u) + "\t3\t" + std::to_string(t) + "\t1\t1\t2010\n";
  }
  test::write_file(dir / "tags.dat", tags);
  test::write_file(dir / "user_taggedartists.dat", assigned);
  const Dataset d = convert_lastfm(dir);
  Strings expected;
  for (int t = 1; t <= 10; ++t) expected.push_back("tag=t" + std::to_string(t));
  EXPECT_EQ(tokens_of(d, "3"), expected);
  EXPECT_EQ(kLastfmTagsPerArtist, 10u);
}

TEST(ConvertLastfm, ListenOfUnknownArtistIsDataError) {
  test::TempDir tmp;
  const fs::path dir = copy_fixture(tmp, "lastfm");
  test::write_file(dir / "user_artists.dat", "userID\tartistID\tweight\n2\t1\t5\n2\t42\t5\n");
  const DataError e = data_error([&] { convert_lastfm(dir); });
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.column(), 3u);
  EXPECT_NE(e.message().find("artists.dat"), std::string::npos);
}

TEST(ConvertGowalla, FixtureWithSplit) {
  const DatasetWithSplit out = convert_gowalla_with_split(fixture("gowalla"));
  const Dataset& d = out.dataset;
  EXPECT_EQ(d.users.ids(), (Strings{"0", "1"}));
  EXPECT_EQ(d.items.ids(), (Strings{"0", "1", "2", "3"}));  // numeric order: index == id
  EXPECT_EQ(d.producers.ids(), (Strings{"item:0", "item:1", "item:2", "item:3"}));
  EXPECT_TRUE(d.tokens.empty());
  const auto& r = d.interactions;
  ASSERT_EQ(r.size(), 8u);
  EXPECT_EQ(r.user, (std::vector<Index>{0, 0, 1, 0, 1, 0, 1, 1}));
  EXPECT_EQ(r.item, (std::vector<Index>{3, 1, 2, 0, 1, 2, 3, 0}));
  EXPECT_EQ(out.split.part, (std::vector<std::uint8_t>{0, 0, 0, 1, 1, 2, 2, 2}));
  for (std::size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(r.event[i], EventType::checkin);
    EXPECT_EQ(r.value[i], 1.0f);
    EXPECT_FALSE(has_time(r.timestamp[i]));
  }
  EXPECT_EQ(convert_gowalla(fixture("gowalla")).interactions.item, r.item);
}

TEST(ConvertGowalla, SaveSplitWritesOneRowPerInteraction) {
  const DatasetWithSplit out = convert_gowalla_with_split(fixture("gowalla"));
  test::TempDir tmp;
  save_split(out.dataset, out.split, tmp / "sub", "gw");
  EXPECT_EQ(test::read_file(tmp / "sub" / "gw.split"),
            "user_id:token\titem_id:token\tpart:token\n"
            "0\t3\ttrain\n0\t1\ttrain\n1\t2\ttrain\n0\t0\tvalid\n1\t1\tvalid\n0\t2\ttest\n1\t3\ttest\n1\t0\ttest\n");
  // Nothing but the final file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp / "sub"), fs::directory_iterator{}), 1);
}

TEST(ConvertGowalla, BadItemNamesLineAndColumn) {
  test::TempDir tmp;
  const fs::path dir = copy_fixture(tmp, "gowalla");
  test::write_file(dir / "valid.txt", "0 0\n1 1 x7\n");
  const DataError e = data_error([&] { convert_gowalla(dir); });
  EXPECT_EQ(e.file(), (dir / "valid.txt").string());
  EXPECT_EQ(e.line(), 2u);
  EXPECT_EQ(e.column(), 5u);
}

TEST(ConvertGowalla, MissingTestFileIsIoError) {
  test::TempDir tmp;
  const fs::path dir = copy_fixture(tmp, "gowalla");
  fs::remove(dir / "test.txt");
  try {
    convert_gowalla(dir);
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("test.txt"), std::string::npos) << e.what();
  }
}

TEST(Convert, FormatNamesRoundTrip) {
  for (auto f : {SourceFormat::movielens, SourceFormat::lastfm, SourceFormat::gowalla})
    EXPECT_EQ(parse_source_format(source_format_name(f)), f);
  EXPECT_FALSE(parse_source_format("MovieLens").has_value());
  EXPECT_EQ(source_format_names(), "movielens, lastfm, gowalla");
}

TEST(Convert, ProducersOnlyApplyToMovieLens) {
  EXPECT_THROW(convert_dataset(SourceFormat::lastfm, fixture("lastfm"), {.producers = fixture("hetrec")}), UsageError);
  EXPECT_EQ(convert_dataset(SourceFormat::gowalla, fixture("gowalla")).interactions.size(), 8u);
}

TEST(Convert, NormalizeTokenValue) {
  EXPECT_EQ(normalize_token_value("  Highly   quotable "), "highly_quotable");
  EXPECT_EQ(normalize_token_value("Sci\tFi"), "sci_fi");
  EXPECT_EQ(normalize_token_value("N\xC3\xB4to"), "n\xC3\xB4to");  // non-ASCII kept
  EXPECT_EQ(normalize_token_value(" \t "), "");
}

TEST(Convert, DefaultNameIsTheFolderName) {
  EXPECT_EQ(default_dataset_name("/data/ml-latest-small/", SourceFormat::movielens), "ml-latest-small");
  EXPECT_EQ(default_dataset_name("/data/gowalla", SourceFormat::gowalla), "gowalla");
  EXPECT_EQ(default_dataset_name("/", SourceFormat::lastfm), "lastfm");
}

// What `invr convert` writes must load back unchanged: tokens with commas,
// UTF-8 from Latin-1, missing years and self-producers included.
TEST(Convert, ConvertedFixturesRoundTripThroughAtomicFiles) {
  test::TempDir tmp;
  for (auto [format, folder] : {std::pair{SourceFormat::movielens, "movielens"}, std::pair{SourceFormat::lastfm, "lastfm"},
                                std::pair{SourceFormat::gowalla, "gowalla"}}) {
    SCOPED_TRACE(folder);
    const Dataset d = convert_dataset(format, fixture(folder));
    save_atomic(d, tmp.path(), d.name);
    const Dataset back = load_atomic(tmp.path(), d.name, {.progress = false});
    EXPECT_EQ(back.users.ids(), d.users.ids());
    EXPECT_EQ(back.items.ids(), d.items.ids());
    EXPECT_EQ(back.producers.ids(), d.producers.ids());
    for (const auto& item : d.items.ids()) EXPECT_EQ(tokens_of(back, item), tokens_of(d, item)) << item;
    EXPECT_EQ(back.interactions.value, d.interactions.value);
    EXPECT_EQ(back.interactions.event, d.interactions.event);
    EXPECT_EQ(back.has_timestamps(), d.has_timestamps());
  }
}

// --- The published datasets (skipped when ../shared/datasets is absent). ---

TEST(ConvertRealData, MovieLensLatestSmallWithDirectors) {
  INVR_REQUIRE_DATASETS(datasets);
  const Dataset d = convert_movielens(datasets / "ml-latest-small",
                                      {.producers = datasets / "hetrec2011-movielens-2k/movie_directors.dat"});
  EXPECT_EQ(d.name, "ml-latest-small");
  EXPECT_EQ(d.users.size(), 610u);
  EXPECT_EQ(d.items.size(), 9742u);
  EXPECT_EQ(d.interactions.size(), 100836u);
  EXPECT_EQ(std::set<Index>(d.interactions.item.begin(), d.interactions.item.end()).size(), 9724u);
  std::size_t with_director = 0;
  for (Index item : d.interactions.item)
    if (!d.producers.id(d.item_table.producer[static_cast<std::size_t>(item)]).starts_with("item:")) ++with_director;
  const double share = static_cast<double>(with_director) / static_cast<double>(d.interactions.size());
  EXPECT_GT(share, 0.85);  // the README measures 87%
  EXPECT_LT(share, 0.89);
  EXPECT_EQ(producer_of(d, "1"), "john_lasseter");
  const Strings toy_story = tokens_of(d, "1");
  EXPECT_NE(std::find(toy_story.begin(), toy_story.end(), "genre=Animation"), toy_story.end());
  EXPECT_NE(std::find(toy_story.begin(), toy_story.end(), "year=1995"), toy_story.end());
  EXPECT_EQ(tokens_of(d, "11").at(3), "year=1995");  // "American President, The (1995)"
  EXPECT_TRUE(d.has_timestamps());
}

TEST(ConvertRealData, LastfmHetrec2k) {
  INVR_REQUIRE_DATASETS(datasets);
  const Dataset d = convert_lastfm(datasets / "lastfm-hetrec2011-2k");
  EXPECT_EQ(d.users.size(), 1892u);
  EXPECT_EQ(d.items.size(), 17632u);
  EXPECT_EQ(d.producers.size(), 17632u);
  EXPECT_EQ(d.interactions.size(), 92834u);
  EXPECT_EQ(*std::max_element(d.interactions.value.begin(), d.interactions.value.end()), 352698.0f);
  // tags.dat is Latin-1: its accented values arrive as UTF-8 tokens.
  EXPECT_NE(d.tokens.find("tag=tropic\xC3\xA1lia"), kNoIndex);
  for (std::size_t i = 0; i < d.items.size(); ++i)
    ASSERT_LE(d.item_table.item_tokens(static_cast<Index>(i)).size(), kLastfmTagsPerArtist);
}

TEST(ConvertRealData, GowallaLightGcnSplit) {
  INVR_REQUIRE_DATASETS(datasets);
  const DatasetWithSplit out = convert_gowalla_with_split(datasets / "gowalla");
  const Dataset& d = out.dataset;
  EXPECT_EQ(d.users.size(), 29858u);
  EXPECT_EQ(d.items.size(), 40981u);
  EXPECT_EQ(d.interactions.size(), 1027370u);
  std::array<std::size_t, 3> per_part{};
  for (auto part : out.split.part) ++per_part[part];
  EXPECT_EQ(per_part, (std::array<std::size_t, 3>{719081, 91047, 217242}));
  EXPECT_EQ(d.items.id(40980), "40980");  // dense ids keep their index
  EXPECT_EQ(d.users.id(29857), "29857");
}

}  // namespace
}  // namespace invr
