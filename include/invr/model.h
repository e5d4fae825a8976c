// The two-tower retrieval model as the rest of invr sees it: something that
// turns a Dataset's users and items into embedding rows whose dot product is
// the retrieval score. LibTorch stays behind this header.
//
// Contract:
//  - Embeddings are a Matrix: row-major float, rows × cols, owned. Row r of
//    embed_items() is dataset.items index r; row r of embed_users() is
//    dataset.users index r. Ids are matched to the model's own id maps by
//    string, so the Dataset need not be the one the model was trained on.
//  - A user's embedding depends only on their positive events (is_positive)
//    before `as_of`; an item's on its id, producer, tokens and age at `as_of`.
//  - A model directory (docs/model.md) holds one of four kinds:
//      "two-tower"   weights trained by invr (train_two_tower / `invr train`),
//      "torchscript" user_tower.pt + item_tower.pt with the documented inputs,
//      "precomputed" item/user embeddings as .npy files with id sidecars,
//      "als"         implicit ALS item factors (train_als / `invr train --kind
//                    als`); users are folded in from their history, cold
//                    items predicted from content.
//    load() checks the manifest (magic "invr-model", format version) and
//    every file it needs, throwing invr::Error naming the file at fault.
//  - A loaded model is immutable: the embed_* methods are const and may be
//    called from several threads at once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "invr/atomic_io.h"
#include "invr/baselines.h"
#include "invr/data.h"
#include "invr/matrix.h"
#include "invr/evaluate.h"
#include "invr/metrics.h"
#include "invr/model_config.h"

namespace invr {

// How items without training interactions (cold items) are embedded.
//  random:  the InvR paper's: the item tower on their own id embedding,
//           which training never updated (random initialisation), and
//           nothing else (no producer, tokens or age); items the model has
//           never heard of get a random id vector seeded by their id.
//  content: the item tower with the shared "unknown" id, so only producer,
//           tokens and age speak. Meant for models trained with
//           cold_start = "content" (id dropout teaches that path).
enum class ColdStart { random, content };
// "random" / "content"; parse returns nullopt for anything else.
const char* cold_start_name(ColdStart mode);
std::optional<ColdStart> parse_cold_start(std::string_view name);

struct EmbedOptions {
  // Embed as of this time (seconds): user histories use events strictly
  // before it, item ages are measured at it. kNoTime = after the dataset's
  // last timestamp (every event counts; ages at the last timestamp).
  double as_of = kNoTime;
  // nullopt = what the model was trained for (its cold_start setting).
  std::optional<ColdStart> cold_start;
};

class TwoTowerModel {
 public:
  virtual ~TwoTowerModel() = default;

  // Loads any kind of model directory; see the contract above.
  static std::unique_ptr<TwoTowerModel> load(const std::filesystem::path& dir);

  // "two-tower", "torchscript", "precomputed" or "als".
  virtual std::string kind() const = 0;
  virtual std::size_t dim() const = 0;

  // One row per dataset.items index.
  virtual Matrix embed_items(const Dataset& dataset, const EmbedOptions& options = {}) const = 0;
  // One row per dataset.users index. A user with no positive event before
  // as_of gets the new-user fallback of docs/model.md.
  virtual Matrix embed_users(const Dataset& dataset, const EmbedOptions& options = {}) const = 0;
};

// The latest timestamp in the dataset's interactions, or kNoTime if none has one.
double latest_timestamp(const Dataset& dataset);

// Embeddings on disk: FILE.npy (float32, rows × d) and its sidecar FILE.ids
// (one id per line, in row order), the layout `invr embed` writes and a
// "precomputed" model directory reads. ids.size() must equal matrix.rows.
// Both files are written atomically; IoError on failure.
std::filesystem::path ids_sidecar(const std::filesystem::path& npy_path);
void write_embeddings(const std::filesystem::path& npy_path, const Matrix& matrix, const IdMap& ids);

// ---------------------------------------------------------------------------
// Offline evaluation: `invr evaluate` as a library call. The two-tower model
// and the baselines (baselines.h) are scored on one holdout by the protocol
// of evaluate.h (docs/metrics.md, "Model evaluation"). It lives in the model
// stage because the holdout follows the model directory's config.toml and
// two_tower ranks by the model's embeddings (exact top-k, retrieval.h).
// Logs through spdlog; bad options throw UsageError naming the flag of
// `invr evaluate`, bad files IoError or DataError.

// The methods in their default order. two_tower scores the model directory
// (whatever its kind) and is reported as "two_tower", or as "als" for an als
// directory ("als_model" when the als method runs too); als trains implicit
// ALS on the holdout's training rows.
inline constexpr const char* kEvaluationMethods[] = {"two_tower", "als", "most_popular",
                                                     "item_knn", "ease"};

struct EvaluationOptions {
  std::filesystem::path model_dir;  // the model for two_tower; empty = baselines only
  std::size_t k = 20;               // list length of every metric@k, >= 1
  // Subset of kEvaluationMethods, scored in this order. Empty = all of them
  // (two_tower only with a model_dir).
  std::vector<std::string> methods;
  // Holdout (evaluation_holdout_options): a NAME.split file if set;
  // test_fraction and seed left unset follow the model's own validation
  // (its config.toml), else HoldoutOptions' defaults.
  std::optional<std::filesystem::path> split_file;
  std::optional<double> test_fraction;
  std::optional<std::uint64_t> seed;
  ItemKnnParams item_knn;
  EaseParams ease;
  // Settings of the als method (kind, validation_fraction and progress are
  // its own: it trains on every training row of the holdout).
  ModelConfig als;
};

// One method's scores: `overall` and `cold` as score_method returns them.
struct MethodEvaluation {
  std::string method;   // the name it is reported under (see kEvaluationMethods)
  std::string skipped;  // why the method did not run (ease_refusal); "" = it ran
  MethodAccuracy accuracy;
  // two_tower and als: the cold items ranked alone, scored against relevant_cold
  // (the cold-start protocol of DropoutNet, Volkovs et al. 2017).
  std::optional<AccuracyMetrics> cold_only;
  double seconds = 0;  // wall time of ranking and scoring (model loading included)
};

struct EvaluationReport {
  HoldoutOptions holdout_options;  // as resolved (split file, cutoff, fraction, seed)
  std::string protocol;            // Holdout::protocol
  double cutoff = kNoTime;         // Holdout::cutoff
  std::size_t train_rows = 0;
  std::size_t test_rows = 0;
  std::size_t cold_test_rows = 0;  // EvaluationSets::cold_test_rows
  std::size_t users = 0;
  std::size_t items = 0;
  std::vector<MethodEvaluation> methods;  // in EvaluationOptions::methods' order
};

// The holdout `invr evaluate` uses: options' split file, fraction and seed,
// and, with a model_dir whose config.toml validated on part of the data
// (validation_fraction > 0) and no split file, the rows `invr train`
// validated on (validation_protocol): its temporal cutoff, each user's
// latest rows, or its seeded random rows. Explicit test_fraction and seed win.
HoldoutOptions evaluation_holdout_options(const Dataset& dataset, const EvaluationOptions& options);

// Each user's top k items by the model's scores, training items dropped
// (`overall`), and the cold items ranked alone (`cold_only`), for the users
// with relevant (resp. relevant cold) items. Users are embedded from the
// holdout's training rows only, as of its cutoff.
struct TwoTowerLists {
  ItemLists overall;
  ItemLists cold_only;
};
TwoTowerLists two_tower_lists(const TwoTowerModel& model, const Dataset& dataset,
                              const Holdout& holdout, const EvaluationSets& sets, std::size_t k);

// One method (a kEvaluationMethods name) scored on a given holdout, whose
// sets are evaluation_sets(holdout, ...): what evaluate_methods runs per
// method, and `invr tune` per trial on its validation holdout.
MethodEvaluation evaluate_method(const std::string& method, const EvaluationOptions& options,
                                 const Dataset& dataset, const Holdout& holdout,
                                 const EvaluationSets& sets);

// Scores options.methods on the holdout of evaluation_holdout_options.
EvaluationReport evaluate_methods(const Dataset& dataset, const EvaluationOptions& options);

// `invr evaluate --data data_dir --name name`: loads the dataset
// (load_atomic; name "" = the folder's single NAME.inter) and, unless
// options.split_file is set, uses data_dir/NAME.split when it exists.
EvaluationReport evaluate_methods(const std::filesystem::path& data_dir, const std::string& name,
                                  const AtomicLoadOptions& load_options,
                                  EvaluationOptions options);

}  // namespace invr
