// The "precomputed" model kind: embeddings made elsewhere, as .npy matrices
// with one-id-per-line sidecars. Rows are matched to a Dataset by id.
#include <algorithm>
#include <fstream>

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

// The item table is mapped, not read (NpyLoad::shared: MAP_POPULATE, no
// copy): the ranks of a sharded job on one machine, or a server and its
// job, share the page cache's one copy. Model folders are written by
// rename, never in place, so a mapping never sees its file change.
struct Table {
  IdMap ids;
  MappedNpyMatrix matrix;
  std::span<const float> row(std::size_t r) const {
    return {matrix.data() + r * matrix.cols(), matrix.cols()};
  }
};

// A matrix must have one row per listed id and the manifest's dim.
void check_shape(const fs::path& matrix_path, std::size_t rows, std::size_t cols, const char* ids_file,
                 std::size_t ids, const Manifest& manifest) {
  if (rows != ids)
    throw DataError(matrix_path.string(), 0, 0,
                    fmt::format("has {} rows but {} lists {} ids", rows, ids_file, ids));
  if (manifest.dim != 0 && cols != manifest.dim)
    throw DataError(matrix_path.string(), 0, 0,
                    fmt::format("has {} columns; the manifest says dim {}", cols, manifest.dim));
}

// Unknown ids get a zero row (a neutral score) and a warning, since a newer
// dataset may hold new ids.
void warn_missing(std::size_t missing, std::size_t wanted, const char* what) {
  if (missing > 0)
    invr::logger().warn("{} of {} {} have no precomputed embedding; they get zero vectors", missing,
                        wanted, what);
}

Table read_table(const fs::path& dir, const Manifest& manifest, const char* matrix_file,
                 const char* ids_file) {
  const fs::path matrix_path = checked_file(dir, manifest, matrix_file);
  Table table{read_id_file(checked_file(dir, manifest, ids_file)), MappedNpyMatrix(matrix_path, NpyLoad::shared)};
  const MappedNpyMatrix& m = table.matrix;
  check_shape(matrix_path, m.rows(), m.cols(), ids_file, table.ids.size(), manifest);
  // At load, so the error names the file's row (docs/retrieval.md, "Embedding magnitudes").
  check_embeddings(MatrixView{m.data(), static_cast<std::int64_t>(m.rows()), static_cast<std::int64_t>(m.cols())},
                   matrix_path.string());
  return table;
}

// The user table stays on disk: embed_users reads only the rows of the
// dataset's users, so a sharded job's rank holds its shard's embeddings and
// no one holds the file's whole matrix and its id map beside the gathered
// copy (docs/distributed.md). Loading still checks all of it. Streamed
// through one reused 8 MiB buffer (no page fault per page read, unlike a
// fresh buffer); not mapped, because a mapping of the whole file would count
// in every rank's resident memory.
struct UserFiles {
  fs::path matrix_path;
  fs::path ids_path;
  std::size_t rows = 0, cols = 0, data_offset = 0;
};

// Streams the file in blocks: calls visit(first_row, rows, data) per block.
template <class Visit>
void for_each_block(const UserFiles& files, Visit&& visit) {
  std::ifstream in(files.matrix_path, std::ios::binary);
  if (!in) throw IoError(fmt::format("{}: cannot open", files.matrix_path.string()));
  in.seekg(static_cast<std::streamoff>(files.data_offset));
  const std::size_t block_rows = std::max<std::size_t>(1, (std::size_t{8} << 20) / (files.cols * 4 + 1));
  std::vector<float> block;
  for (std::size_t first = 0; first < files.rows; first += block_rows) {
    const std::size_t n = std::min(block_rows, files.rows - first);
    block.resize(n * files.cols);
    if (!in.read(reinterpret_cast<char*>(block.data()),
                 static_cast<std::streamsize>(block.size() * sizeof(float))))
      throw IoError(fmt::format("{}: cannot read rows {}..{}", files.matrix_path.string(), first + 1,
                                first + n));
    visit(first, n, block.data());
  }
}

UserFiles check_user_files(const fs::path& dir, const Manifest& manifest) {
  UserFiles files;
  files.matrix_path = checked_file(dir, manifest, kUserMatrix);
  files.ids_path = checked_file(dir, manifest, kUserIds);
  const NpyHeader header = read_npy_header(files.matrix_path);
  if (header.dtype != NpyDtype::float32 || header.shape.size() != 2)
    read_npy_matrix<float>(files.matrix_path);  // throws the reader's own message
  files.rows = header.shape[0];
  files.cols = header.shape[1];
  files.data_offset = header.data_offset;
  const std::size_t ids = for_each_id_line(files.ids_path, [](std::size_t, std::string_view) {});
  check_shape(files.matrix_path, files.rows, files.cols, kUserIds, ids, manifest);
  for_each_block(files, [&](std::size_t first, std::size_t n, const float* data) {
    check_embeddings(MatrixView{data, static_cast<std::int64_t>(n), static_cast<std::int64_t>(files.cols)},
                     files.matrix_path.string(), static_cast<std::int64_t>(first));
  });
  return files;
}

// The rows of `files` for the ids of `wanted` (zero rows for ids it lacks).
Matrix read_user_rows(const UserFiles& files, const IdMap& wanted) {
  std::vector<std::int64_t> file_row(wanted.size(), -1);
  for_each_id_line(files.ids_path, [&](std::size_t line, std::string_view id) {
    const Index u = wanted.find(id);
    if (u == kNoIndex) return;
    if (file_row[static_cast<std::size_t>(u)] >= 0)
      throw DataError(files.ids_path.string(), line, 1, fmt::format("id '{}' appears twice", id));
    file_row[static_cast<std::size_t>(u)] = static_cast<std::int64_t>(line - 1);
  });
  std::vector<std::pair<std::int64_t, std::size_t>> order;  // (file row, output row)
  order.reserve(wanted.size());
  for (std::size_t u = 0; u < wanted.size(); ++u)
    if (file_row[u] >= 0) order.emplace_back(file_row[u], u);
  std::sort(order.begin(), order.end());
  Matrix out(wanted.size(), files.cols);
  std::size_t next = 0;
  if (!order.empty())
    for_each_block(files, [&](std::size_t first, std::size_t n, const float* data) {
      for (; next < order.size() && static_cast<std::size_t>(order[next].first) < first + n; ++next) {
        const float* row = data + (static_cast<std::size_t>(order[next].first) - first) * files.cols;
        std::copy(row, row + files.cols, out.row(order[next].second).begin());
      }
    });
  warn_missing(wanted.size() - order.size(), wanted.size(), "users");
  return out;
}

// Rows of `table` for the ids of `wanted` (zero rows for ids it lacks).
Matrix gather(const Table& table, const IdMap& wanted, const char* what) {
  Matrix out(wanted.size(), table.matrix.cols());
  std::size_t missing = 0;
  for (std::size_t r = 0; r < wanted.size(); ++r) {
    const Index row = table.ids.find(wanted.id(static_cast<Index>(r)));
    if (row == kNoIndex) {
      ++missing;
      continue;
    }
    const auto source = table.row(static_cast<std::size_t>(row));
    std::copy(source.begin(), source.end(), out.row(r).begin());
  }
  warn_missing(missing, wanted.size(), what);
  return out;
}

class PrecomputedModel final : public TwoTowerModel {
 public:
  PrecomputedModel(Table items, std::optional<UserFiles> users)
      : items_(std::move(items)), users_(std::move(users)) {}

  std::string kind() const override { return "precomputed"; }
  std::size_t dim() const override { return items_.matrix.cols(); }

  Matrix embed_items(const Dataset& dataset, const EmbedOptions& options) const override {
    note_ignored(options);
    return gather(items_, dataset.items, "items");
  }
  Matrix embed_users(const Dataset& dataset, const EmbedOptions& options) const override {
    if (!users_)
      throw UsageError(fmt::format("this precomputed model has no {}: it embeds items only",
                                   kUserMatrix));
    note_ignored(options);
    return read_user_rows(*users_, dataset.users);
  }

 private:
  // as_of is not warned about: the job always passes its as_of, and fixed
  // embeddings have no history to cut (a warning per run and rank was noise).
  static void note_ignored(const EmbedOptions& options) {
    if (options.cold_start)
      invr::logger().warn("precomputed embeddings are fixed: --cold-start is ignored");
  }

  Table items_;
  std::optional<UserFiles> users_;
};
}  // namespace

std::unique_ptr<TwoTowerModel> load_precomputed_model(const fs::path& dir,
                                                      const Manifest& manifest) {
  Table items = read_table(dir, manifest, kItemMatrix, kItemIds);
  std::optional<UserFiles> users;
  if (fs::exists(dir / kUserMatrix) || manifest.files.contains(kUserMatrix)) {
    users = check_user_files(dir, manifest);
    if (users->cols != items.matrix.cols())
      throw DataError((dir / kUserMatrix).string(), 0, 0,
                      fmt::format("has {} columns but {} has {}", users->cols, kItemMatrix,
                                  items.matrix.cols()));
  }
  return std::make_unique<PrecomputedModel>(std::move(items), std::move(users));
}

}  // namespace invr::model
