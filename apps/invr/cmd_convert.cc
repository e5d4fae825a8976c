// invr convert: a public dataset in its authors' format -> invr atomic files.
#include <array>
#include <chrono>
#include <cmath>
#include <memory>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/convert.h"
#include "invr/error.h"

namespace invr::cli {
namespace {

struct ConvertArgs {
  std::string from;
  std::string in_dir;
  std::string out_dir;
  std::string producers;
  std::string producer_kind = "director";
  std::string unknown_producer;
  std::string name;
};

int run_convert(const ConvertArgs& args, bool producer_kind_given) {
  const auto format = parse_source_format(args.from);
  if (!format)
    throw UsageError(fmt::format("unknown --from '{}': expected one of {}", args.from, source_format_names()));
  if (producer_kind_given && args.producers.empty())
    throw UsageError("--producer-kind needs --producers FILE");
  if (!args.unknown_producer.empty() && args.producers.empty())
    throw UsageError("--unknown-producer needs --producers FILE");
  if (args.name.find('/') != std::string::npos)
    throw UsageError(fmt::format("--name '{}' must be a plain file stem, without '/'", args.name));

  ConvertOptions options;
  options.producers = args.producers;
  options.producer_kind = args.producer_kind;
  options.unknown_producer = args.unknown_producer;

  const auto start = std::chrono::steady_clock::now();
  DatasetWithSplit converted;
  if (*format == SourceFormat::gowalla) {
    if (!options.producers.empty()) throw UsageError("--producers applies to --from movielens only");
    converted = convert_gowalla_with_split(args.in_dir);
  } else {
    converted.dataset = convert_dataset(*format, args.in_dir, options);
  }
  const double convert_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  Dataset& dataset = converted.dataset;
  if (!args.name.empty()) dataset.name = args.name;
  save_atomic(dataset, args.out_dir, dataset.name);
  if (!converted.split.part.empty()) save_split(dataset, converted.split, args.out_dir, dataset.name);

  nlohmann::json summary = {
      {"name", dataset.name},
      {"from", source_format_name(*format)},
      {"users", dataset.users.size()},
      {"items", dataset.items.size()},
      {"producers", dataset.producers.size()},
      {"tokens", dataset.tokens.size()},
      {"interactions", dataset.interactions.size()},
      {"out", args.out_dir},
      {"convert_seconds", std::round(convert_seconds * 1000.0) / 1000.0},
  };
  if (!converted.split.part.empty()) {
    std::array<std::size_t, 3> per_part{};
    for (auto part : converted.split.part) ++per_part[part];
    summary["split"] = {{"train", per_part[0]}, {"valid", per_part[1]}, {"test", per_part[2]}};
  }
  std::cout << summary.dump() << '\n';
  return 0;
}

std::function<int()> setup_convert(CLI::App& app) {
  auto args = std::make_shared<ConvertArgs>();
  app.footer(
      "Formats (--from):\n"
      "  movielens  ml-latest-small: ratings.csv, movies.csv, tags.csv. Producer: with\n"
      "             --producers hetrec2011-movielens-2k/movie_directors.dat the director\n"
      "             (or movie_countries.dat with --producer-kind country); movies without\n"
      "             one, or all without --producers, are their own producer (or, with\n"
      "             --unknown-producer NAME, all share the producer NAME).\n"
      "  lastfm     hetrec2011-lastfm-2k: user_artists.dat, artists.dat, tags.dat,\n"
      "             user_taggedartists.dat. Each artist is its own producer.\n"
      "  gowalla    LightGCN split: train.txt, valid.txt, test.txt. Also writes\n"
      "             OUT/NAME.split (user, item, train|valid|test per interaction row).\n"
      "Writes OUT/NAME.inter and OUT/NAME.item atomically and prints a one-line JSON\n"
      "summary (users, items, producers, tokens, interactions) to stdout.\n"
      "Example: invr convert --from movielens --in data/ml-latest-small --out out/ml\n"
      "           --producers data/hetrec2011-movielens-2k/movie_directors.dat");
  app.add_option("--from", args->from, "Source format: " + source_format_names())->required();
  app.add_option("--in", args->in_dir, "Folder holding the dataset as published")->required();
  app.add_option("--out", args->out_dir, "Output folder (created if missing)")->required();
  app.add_option("--producers", args->producers,
                 "movielens only: HetRec movie_directors.dat or movie_countries.dat (or their folder)");
  auto* kind = app.add_option("--producer-kind", args->producer_kind,
                              "What --producers holds: director or country")
                   ->check(CLI::IsMember({"director", "country"}))
                   ->capture_default_str();
  app.add_option("--unknown-producer", args->unknown_producer,
                 "With --producers: one producer id for the movies the file does not list "
                 "(default: each is its own producer)");
  app.add_option("--name", args->name, "Dataset name, the stem of the output files (default: input folder name)");
  return [args, kind] { return run_convert(*args, kind->count() > 0); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("convert", "Convert a public dataset (MovieLens, Last.fm, Gowalla) into invr atomic files",
             invr::cli::setup_convert);
