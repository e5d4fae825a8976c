// The "precomputed" model kind: embeddings made elsewhere, as .npy matrices
// with one-id-per-line sidecars. Rows are matched to a Dataset by id.
#include <fmt/format.h>

#include "invr/error.h"
#include "invr/log.h"
#include "invr/npy.h"
#include "invr/retrieval.h"
#include "model/loaders.h"
#include "model/core/model_files.h"

namespace invr::model {
namespace fs = std::filesystem;

namespace {
const char* kItemMatrix = "item_embeddings.npy";
const char* kItemIds = "item_embeddings.ids";  // = ids_sidecar(kItemMatrix)
const char* kUserMatrix = "user_embeddings.npy";
const char* kUserIds = "user_embeddings.ids";

struct Table {
  IdMap ids;
  Matrix matrix;
};

Table read_table(const fs::path& dir, const Manifest& manifest, const char* matrix_file,
                 const char* ids_file) {
  Table table;
  const fs::path matrix_path = checked_file(dir, manifest, matrix_file);
  NpyArray<float> array = read_npy_matrix<float>(matrix_path);
  table.ids = read_id_file(checked_file(dir, manifest, ids_file));
  if (array.rows() != table.ids.size())
    throw DataError(matrix_path.string(), 0, 0,
                    fmt::format("has {} rows but {} lists {} ids", array.rows(), ids_file,
                                table.ids.size()));
  if (manifest.dim != 0 && array.cols() != manifest.dim)
    throw DataError(matrix_path.string(), 0, 0,
                    fmt::format("has {} columns; the manifest says dim {}", array.cols(),
                                manifest.dim));
  // At load, so the error names the file's row (docs/retrieval.md, "Embedding magnitudes").
  check_embeddings(MatrixView{array.data.data(), static_cast<std::int64_t>(array.rows()),
                              static_cast<std::int64_t>(array.cols())},
                   matrix_path.string());
  table.matrix.rows = array.rows();
  table.matrix.cols = array.cols();
  table.matrix.data = std::move(array.data);
  return table;
}

// Rows of `table` for the ids of `wanted`; unknown ids get a zero row (a
// neutral score) and a warning, since a newer dataset may hold new ids.
Matrix gather(const Table& table, const IdMap& wanted, const char* what) {
  Matrix out(wanted.size(), table.matrix.cols);
  std::size_t missing = 0;
  for (std::size_t r = 0; r < wanted.size(); ++r) {
    const Index row = table.ids.find(wanted.id(static_cast<Index>(r)));
    if (row == kNoIndex) {
      ++missing;
      continue;
    }
    const auto source = table.matrix.row(static_cast<std::size_t>(row));
    std::copy(source.begin(), source.end(), out.row(r).begin());
  }
  if (missing > 0)
    invr::logger().warn("{} of {} {} have no precomputed embedding; they get zero vectors", missing,
                        wanted.size(), what);
  return out;
}

class PrecomputedModel final : public TwoTowerModel {
 public:
  PrecomputedModel(Table items, std::optional<Table> users)
      : items_(std::move(items)), users_(std::move(users)) {}

  std::string kind() const override { return "precomputed"; }
  std::size_t dim() const override { return items_.matrix.cols; }

  Matrix embed_items(const Dataset& dataset, const EmbedOptions& options) const override {
    note_ignored(options);
    return gather(items_, dataset.items, "items");
  }
  Matrix embed_users(const Dataset& dataset, const EmbedOptions& options) const override {
    if (!users_)
      throw UsageError(fmt::format("this precomputed model has no {}: it embeds items only",
                                   kUserMatrix));
    note_ignored(options);
    return gather(*users_, dataset.users, "users");
  }

 private:
  static void note_ignored(const EmbedOptions& options) {
    if (has_time(options.as_of) || options.cold_start)
      invr::logger().warn("precomputed embeddings are fixed: --as-of and --cold-start are ignored");
  }

  Table items_;
  std::optional<Table> users_;
};
}  // namespace

std::unique_ptr<TwoTowerModel> load_precomputed_model(const fs::path& dir,
                                                      const Manifest& manifest) {
  Table items = read_table(dir, manifest, kItemMatrix, kItemIds);
  std::optional<Table> users;
  if (fs::exists(dir / kUserMatrix) || manifest.files.contains(kUserMatrix)) {
    users = read_table(dir, manifest, kUserMatrix, kUserIds);
    if (users->matrix.cols != items.matrix.cols)
      throw DataError((dir / kUserMatrix).string(), 0, 0,
                      fmt::format("has {} columns but {} has {}", users->matrix.cols, kItemMatrix,
                                  items.matrix.cols));
  }
  return std::make_unique<PrecomputedModel>(std::move(items), std::move(users));
}

}  // namespace invr::model
