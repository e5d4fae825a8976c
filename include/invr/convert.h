// Converters from public recommendation datasets, as their authors publish
// them, into invr's in-memory Dataset (invr/data.h).
//
// Data contract (every format):
//  - External ids are the source's own ids, written back as decimal text
//    ("1", "296"), so converted files join with the originals.
//  - Users enter the user map in order of first interaction; items in the
//    order of the source's item file (gowalla: numeric id order, so item index
//    == source id); producers in order of first use by an item.
//  - Every item has a producer. An item the source gives no producer gets
//    itself, under the id "item:<item id>", so it can never merge with a real
//    producer and the long tail is not inflated by a shared "unknown" producer.
//  - Tokens are "column=value"; free-text values go through
//    normalize_token_value so a token never holds whitespace (the atomic files
//    store token lists space-separated).
//  - Reading is all-or-nothing: a missing input file throws IoError naming the
//    path and the dataset file expected there; a bad row throws DataError with
//    file, 1-based line and column. Nothing is cached; calls are independent
//    and may run on different threads.
//
// Per format:
//  movielens  ml-latest-small (ratings.csv, movies.csv, tags.csv). One
//             interaction per rating: event rating, value = stars, timestamp.
//             Items are all movies in movies.csv (rated or not). Tokens:
//             "genre=X" per genre ("(no genres listed)" gives none), "year=YYYY"
//             from the title, "tag=x" per distinct user tag in tags.csv (in
//             first-use order). Publish time: Jan 1 (UTC) of the title year, or
//             kNoTime. Producer: see ConvertOptions. A rating of a movie missing
//             from movies.csv is a DataError.
//  lastfm     hetrec2011-lastfm-2k (user_artists.dat, artists.dat, tags.dat,
//             user_taggedartists.dat). One interaction per (user, artist):
//             event listen, value = listen count, no timestamp. Items are the
//             artists of artists.dat (in file order); each is its own producer
//             (the artist made the item). Tokens: "tag=x" for the artist's
//             kLastfmTagsPerArtist most-used tags (by number of assignments, ties
//             by tag id), so rare one-off tags do not swamp the content. A listen
//             of an artist missing from artists.dat is a DataError; tag
//             assignments for such artists (1,538 of 390 artists in the 2k
//             set) are skipped.
//  gowalla    LightGCN split (train.txt, valid.txt, test.txt: "user item item
//             ..." per line, 0-based ids). Interactions from all three files in
//             that order: event checkin, value 1, no timestamp, no tokens; each
//             venue is its own producer. The split itself comes from
//             convert_gowalla_with_split.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "invr/data.h"

namespace invr {

enum class SourceFormat { movielens, lastfm, gowalla };

// "movielens", "lastfm" or "gowalla"; nullopt otherwise.
std::optional<SourceFormat> parse_source_format(std::string_view name);
std::string_view source_format_name(SourceFormat format);
// "movielens, lastfm, gowalla", for usage messages.
std::string source_format_names();

struct ConvertOptions {
  // movielens only. A HetRec-2k movielens file that names each movie's producer,
  // joined on movie id: movie_directors.dat (movieID, directorID, directorName)
  // or movie_countries.dat (movieID, country). May also be the
  // hetrec2011-movielens-2k folder, then the file is picked by producer_kind.
  // Empty: every movie is its own producer. The producer id is the directorID
  // (first listed director when a movie has several) or the country name;
  // movies the file does not list get themselves ("item:<movieId>"), or
  // unknown_producer when it is set.
  std::filesystem::path producers{};
  // "director" (default) or "country": what `producers` holds.
  std::string producer_kind = "director";
  // With `producers`: one shared producer id for the movies the file does not
  // list (a platform's "unknown publisher"), instead of one producer per such
  // movie. Empty (default): each is its own producer.
  std::string unknown_producer{};
};

// How many of an artist's tags become tokens in the lastfm conversion.
constexpr std::size_t kLastfmTagsPerArtist = 10;

// The name a converted Dataset gets: the input folder's name
// ("ml-latest-small"), or the format name when the path has none.
std::string default_dataset_name(const std::filesystem::path& in_dir, SourceFormat format);

// Converts the dataset in in_dir. Throws UsageError for options that do not
// apply (producers for lastfm/gowalla, an unknown producer_kind).
Dataset convert_dataset(SourceFormat format, const std::filesystem::path& in_dir,
                        const ConvertOptions& options = {});

Dataset convert_movielens(const std::filesystem::path& in_dir, const ConvertOptions& options = {});
Dataset convert_lastfm(const std::filesystem::path& in_dir);
Dataset convert_gowalla(const std::filesystem::path& in_dir);

// A source's own train/valid/test assignment, one entry per interaction row of
// the converted Dataset (same order).
struct ConvertedSplit {
  static constexpr std::uint8_t kTrain = 0;
  static constexpr std::uint8_t kValid = 1;
  static constexpr std::uint8_t kTest = 2;
  std::vector<std::uint8_t> part;  // kTrain, kValid or kTest per interaction row
};
// "train", "valid", "test".
std::string_view split_part_name(std::uint8_t part);

struct DatasetWithSplit {
  Dataset dataset;
  ConvertedSplit split;
};
// Gowalla with its LightGCN split: rows from train.txt get kTrain, valid.txt
// kValid, test.txt kTest. convert_gowalla(dir) == this .dataset.
DatasetWithSplit convert_gowalla_with_split(const std::filesystem::path& in_dir);

// Writes dir/name.split atomically (temp file + rename): a header
// "user_id:token<TAB>item_id:token<TAB>part:token", then row r of the split
// per line ("train", "valid" or "test") with the external user and item ids of
// interaction row r, so it joins with dir/name.inter by row or by (user, item).
void save_split(const Dataset& dataset, const ConvertedSplit& split,
                const std::filesystem::path& dir, const std::string& name);

// Free text as a token value: ASCII lower-cased, surrounding whitespace
// dropped, inner runs of whitespace turned into one '_' ("Highly  quotable" ->
// "highly_quotable"). Non-ASCII UTF-8 is kept as is. May return "".
std::string normalize_token_value(std::string_view text);

}  // namespace invr
