// invr embed: user or item embeddings of a dataset under a model directory,
// written as FILE.npy (float32) plus FILE.ids (one id per line).
#include <filesystem>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/model.h"

namespace invr::cli {
namespace {

struct EmbedArgs {
  std::string model;
  std::string data;
  std::string name;
  std::string producer_column = AtomicLoadOptions{}.producer_column;
  std::string what;
  std::string out;
  double as_of = kNoTime;
  std::string cold_start;
};

int run_embed(const EmbedArgs& args) {
  EmbedOptions options;
  options.as_of = args.as_of;
  if (!args.cold_start.empty()) options.cold_start = parse_cold_start(args.cold_start);
  const auto model = TwoTowerModel::load(args.model);
  AtomicLoadOptions load_options;
  load_options.producer_column = args.producer_column;
  const Dataset dataset = load_atomic(args.data, args.name, load_options);
  const bool users = args.what == "users";
  const Matrix matrix =
      users ? model->embed_users(dataset, options) : model->embed_items(dataset, options);
  const std::filesystem::path out(args.out);
  if (out.has_parent_path()) std::filesystem::create_directories(out.parent_path());
  write_embeddings(out, matrix, users ? dataset.users : dataset.items);
  fmt::print("wrote {} {} x {} to {} (ids in {})\n", args.what, matrix.rows, matrix.cols, args.out,
             ids_sidecar(args.out).string());
  return 0;
}

std::function<int()> setup_embed(CLI::App& app) {
  auto args = std::make_shared<EmbedArgs>();
  app.footer(
      "Users are embedded from their positive events before --as-of (all events when\n"
      "absent); items from id, producer, tokens and age at --as-of. Rows follow the\n"
      "dataset's ids; FILE.ids lists them. Any model kind works (docs/model.md).\n"
      "Example: invr embed --model models/world --data out/world --what items --out items.npy");
  app.add_option("--model", args->model, "Model directory")->required()->check(CLI::ExistingDirectory);
  app.add_option("--data", args->data, "Atomic dataset folder")->required();
  app.add_option("--name", args->name, "Dataset name in --data (default: the single NAME.inter)");
  app.add_option("--producer-column", args->producer_column,
                 "Column of NAME.item holding the producer")
      ->capture_default_str();
  app.add_option("--what", args->what, "users or items")
      ->required()
      ->check(CLI::IsMember({"users", "items"}));
  app.add_option("--out", args->out, "Output .npy file; ids go to the same name with .ids")
      ->required();
  app.add_option("--as-of", args->as_of,
                 "Embed as of this time, seconds since the epoch (default: after the last event)");
  app.add_option("--cold-start", args->cold_start,
                 "Items without training interactions: random or content (default: the model's)")
      ->check(CLI::IsMember({"random", "content"}));
  return [args] { return run_embed(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("embed", "Write user or item embeddings of a dataset as .npy + .ids",
             invr::cli::setup_embed);
