// MovieLens (ml-latest-small layout) to Dataset; see invr/convert.h for the contract.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "common/excerpt.h"
#include "common/utf8.h"
#include "data/csv_reader.h"
#include "invr/convert.h"
#include "invr/error.h"
#include "invr/log.h"
#include "invr/progress.h"

namespace invr {
namespace fs = std::filesystem;
using data::CsvOptions;
using data::CsvReader;

namespace {

struct Movie {
  std::int64_t id = 0;
  std::optional<int> year;
  std::vector<std::string> genres;
  std::vector<std::string> tags;  // normalized, distinct, in first-use order
};

// The release year MovieLens appends to titles: "Heat (1995)", also with
// trailing spaces or a series range "(2006–2007)" (then the first year).
std::optional<int> title_year(std::string_view title) {
  while (!title.empty() && (title.back() == ' ' || title.back() == '\t')) title.remove_suffix(1);
  if (title.empty() || title.back() != ')') return std::nullopt;
  auto open = title.rfind('(');
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view inside = title.substr(open + 1, title.size() - open - 2);
  if (inside.size() < 4) return std::nullopt;
  int year = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    if (inside[k] < '0' || inside[k] > '9') return std::nullopt;
    year = year * 10 + (inside[k] - '0');
  }
  std::string_view rest = inside.substr(4);
  const bool range = !rest.empty() && (rest[0] == '-' || rest.starts_with("\xE2\x80\x93"));
  if (!rest.empty() && !range) return std::nullopt;
  if (year < 1800 || year > 2200) return std::nullopt;
  return year;
}

double january_first(int year) {
  using namespace std::chrono;
  const sys_days day{std::chrono::year{year} / January / 1};
  return static_cast<double>(duration_cast<seconds>(day.time_since_epoch()).count());
}

std::string without_spaces(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c == ' ' || c == '\t') c = '_';
  return out;
}

std::vector<Movie> read_movies(const fs::path& path, std::unordered_map<std::int64_t, Index>& index) {
  CsvReader reader(path, "MovieLens movies file movies.csv (movieId,title,genres)");
  if (!reader.expect_header({"movieId", "title", "genres"}))
    throw DataError(reader.name(), 0, 0, "empty file: expected a header movieId,title,genres");
  std::vector<Movie> movies;
  while (reader.next()) {
    reader.require_fields(3, "movieId,title,genres");
    const std::int64_t id = reader.int_field(0, "movieId");
    if (!index.emplace(id, static_cast<Index>(movies.size())).second)
      reader.fail(0, fmt::format("duplicate movieId {}: expected each movie once", id));
    Movie movie;
    movie.id = id;
    movie.year = title_year(reader[1]);
    std::string_view genres = reader[2];
    while (!genres.empty()) {
      auto bar = genres.find('|');
      std::string_view genre = genres.substr(0, bar);
      if (!genre.empty() && genre != "(no genres listed)") movie.genres.push_back(without_spaces(genre));
      genres = bar == std::string_view::npos ? std::string_view{} : genres.substr(bar + 1);
    }
    movies.push_back(std::move(movie));
  }
  return movies;
}

void read_tags(const fs::path& path, const std::unordered_map<std::int64_t, Index>& index,
               std::vector<Movie>& movies) {
  CsvReader reader(path, "MovieLens tags file tags.csv (userId,movieId,tag,timestamp)");
  if (!reader.expect_header({"userId", "movieId", "tag"})) return;  // empty: no tags
  while (reader.next()) {
    reader.require_fields(3, "userId,movieId,tag,timestamp");
    const std::int64_t id = reader.int_field(1, "movieId");
    auto it = index.find(id);
    if (it == index.end())
      reader.fail(1, fmt::format("movieId {} is not in movies.csv", id));
    std::string tag = normalize_token_value(reader[2]);
    if (tag.empty()) continue;
    auto& tags = movies[static_cast<std::size_t>(it->second)].tags;
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) tags.push_back(std::move(tag));
  }
}

// movieId -> producer id, from a HetRec movie_directors.dat / movie_countries.dat.
std::unordered_map<std::int64_t, std::string> read_producers(const ConvertOptions& options) {
  const bool director = options.producer_kind == "director";
  fs::path path = options.producers;
  if (fs::is_directory(path)) path /= director ? "movie_directors.dat" : "movie_countries.dat";
  const std::string role =
      director ? "HetRec movie_directors.dat (movieID<TAB>directorID<TAB>directorName)"
               : "HetRec movie_countries.dat (movieID<TAB>country)";
  // Tab-separated without quoting: names may hold bare quotes.
  CsvReader reader(path, role, CsvOptions{.delimiter = '\t', .quoted = false});
  std::unordered_map<std::int64_t, std::string> producers;
  // The header is irregular in the published file ("movieID directorID<TAB>
  // directorName"), so only its first word is checked.
  if (!reader.next()) return producers;
  if (!reader[0].starts_with("movieID"))
    reader.fail(0, fmt::format("expected a header line starting with movieID, found '{}'", reader[0]));
  while (reader.next()) {
    reader.require_fields(2, director ? "movieID, directorID, directorName" : "movieID, country");
    const std::int64_t id = reader.int_field(0, "movieID");
    if (reader[1].empty()) continue;  // a few movies list no country
    producers.emplace(id, std::string(reader[1]));  // first listed wins
  }
  invr::logger().debug("{}: {} movies with a {}; {} fields transcoded from Latin-1", reader.name(),
                       producers.size(), options.producer_kind, reader.transcoded_fields());
  return producers;
}

}  // namespace

Dataset convert_movielens(const fs::path& in_dir, const ConvertOptions& options) {
  if (options.producer_kind != "director" && options.producer_kind != "country")
    throw UsageError(fmt::format("unknown producer kind '{}': expected director or country",
                                 options.producer_kind));
  if (!options.unknown_producer.empty() && options.producers.empty())
    throw UsageError("unknown_producer needs a producers file");
  if (find_control_character(options.unknown_producer) != std::string_view::npos)
    throw UsageError(fmt::format("the unknown producer id '{}' holds a control character",
                                 excerpt(options.unknown_producer)));
  std::unordered_map<std::int64_t, Index> movie_index;
  std::vector<Movie> movies = read_movies(in_dir / "movies.csv", movie_index);
  read_tags(in_dir / "tags.csv", movie_index, movies);
  std::unordered_map<std::int64_t, std::string> producer_of;
  if (!options.producers.empty()) producer_of = read_producers(options);

  Dataset dataset;
  dataset.items.reserve(movies.size());
  std::vector<Index> tokens;
  std::size_t with_producer = 0;
  for (const Movie& movie : movies) {
    const std::string id = std::to_string(movie.id);
    dataset.items.add(id);
    auto found = producer_of.find(movie.id);
    Index producer;
    if (found != producer_of.end()) {
      producer = dataset.producers.add(found->second);
      ++with_producer;
    } else {
      producer = dataset.producers.add(options.unknown_producer.empty() ? "item:" + id
                                                                        : options.unknown_producer);
    }
    tokens.clear();
    for (const auto& genre : movie.genres) tokens.push_back(dataset.tokens.add("genre=" + genre));
    if (movie.year) tokens.push_back(dataset.tokens.add(fmt::format("year={}", *movie.year)));
    for (const auto& tag : movie.tags) tokens.push_back(dataset.tokens.add("tag=" + tag));
    dataset.item_table.push_back(producer, movie.year ? january_first(*movie.year) : kNoTime, tokens);
  }

  CsvReader ratings(in_dir / "ratings.csv", "MovieLens ratings file ratings.csv (userId,movieId,rating,timestamp)");
  if (!ratings.expect_header({"userId", "movieId", "rating", "timestamp"}))
    throw DataError(ratings.name(), 0, 0, "empty file: expected a header userId,movieId,rating,timestamp");
  Progress progress("movielens ratings", ratings.bytes_total(), "B");
  std::uint64_t reported = 0;
  while (ratings.next()) {
    ratings.require_fields(4, "userId,movieId,rating,timestamp");
    const std::int64_t user = ratings.int_field(0, "userId");
    const std::int64_t movie = ratings.int_field(1, "movieId");
    auto item = movie_index.find(movie);
    if (item == movie_index.end()) ratings.fail(1, fmt::format("movieId {} is not in movies.csv", movie));
    const double stars = ratings.number_field(2, "rating");
    const double timestamp = ratings.number_field(3, "timestamp");
    dataset.interactions.push_back(dataset.users.add(std::to_string(user)), item->second, timestamp,
                                   EventType::rating, static_cast<float>(stars));
    if ((dataset.interactions.size() & 0x1FFF) == 0) {
      progress.add(ratings.bytes_read() - reported);
      reported = ratings.bytes_read();
    }
  }
  progress.add(ratings.bytes_total() - reported);
  progress.finish();

  dataset.name = default_dataset_name(in_dir, SourceFormat::movielens);
  invr::logger().info("movielens: {} users, {} movies, {} ratings; {} of {} movies have a {} producer",
                      dataset.users.size(), dataset.items.size(), dataset.interactions.size(),
                      with_producer, movies.size(), options.producers.empty() ? "source" : options.producer_kind);
  return dataset;
}

}  // namespace invr
