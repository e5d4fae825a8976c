// The dataset converters (convert_dataset) on files written from the input.
// The first line names the format ("movielens", "lastfm" or "gowalla"; else
// the first byte picks one) and, for movielens, optionally a producer kind
// ("movielens director" or "movielens country", which reads the section
// "=== producers.dat"). Then come the format's files as sections
// ("=== ratings.csv", ...); text before the first section is the format's
// main file (ratings.csv, user_artists.dat, train.txt). Every file of the
// format is written, empty when the input has no section for it, so a
// missing file (IoError) is never the outcome.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "invr/convert.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace invr;
  if (size == 0) return 0;
  std::string_view input = fuzz::as_text(data, size);
  const std::size_t eol = std::min(input.find('\n'), input.size());
  const std::string_view first = input.substr(0, eol);
  input.remove_prefix(std::min(eol + 1, input.size()));

  SourceFormat format;
  ConvertOptions options;
  std::vector<std::string> files;
  std::string main_file;
  if (first.starts_with("movielens")) format = SourceFormat::movielens;
  else if (first.starts_with("lastfm")) format = SourceFormat::lastfm;
  else if (first.starts_with("gowalla")) format = SourceFormat::gowalla;
  else format = static_cast<SourceFormat>(data[0] % 3);
  switch (format) {
    case SourceFormat::movielens: files = {"ratings.csv", "movies.csv", "tags.csv"}; break;
    case SourceFormat::lastfm:
      files = {"user_artists.dat", "artists.dat", "tags.dat", "user_taggedartists.dat"};
      break;
    case SourceFormat::gowalla: files = {"train.txt", "valid.txt", "test.txt"}; break;
  }
  auto& dir = fuzz::scratch();
  dir.clear();
  const std::filesystem::path in_dir = dir.path() / "in";
  std::filesystem::create_directory(in_dir);
  const auto sections = fuzz::split_sections(input, files.front());
  for (const std::string& file : files) {
    const auto it = sections.find(file);
    dir.write("in/" + file, it == sections.end() ? std::string_view() : it->second);
  }
  if (format == SourceFormat::movielens &&
      (first.ends_with(" director") || first.ends_with(" country"))) {
    options.producer_kind = first.ends_with(" director") ? "director" : "country";
    const auto it = sections.find("producers.dat");
    options.producers =
        dir.write("producers.dat", it == sections.end() ? std::string_view() : it->second);
  }
  fuzz::expected([&] {
    if (format == SourceFormat::gowalla) convert_gowalla_with_split(in_dir);
    else convert_dataset(format, in_dir, options);
  });
  return 0;
}
