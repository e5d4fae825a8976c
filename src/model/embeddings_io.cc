// FILE.npy + FILE.ids: how embeddings leave invr (and come back as a
// "precomputed" model).
#include <fmt/format.h>

#include "invr/error.h"
#include "invr/model.h"
#include "invr/npy.h"
#include "model/core/model_files.h"

namespace invr {

std::filesystem::path ids_sidecar(const std::filesystem::path& npy_path) {
  std::filesystem::path ids = npy_path;
  ids.replace_extension(".ids");
  return ids;
}

void write_embeddings(const std::filesystem::path& npy_path, const Matrix& matrix,
                      const IdMap& ids) {
  if (ids.size() != matrix.rows)
    throw UsageError(fmt::format("{} rows but {} ids", matrix.rows, ids.size()));
  if (ids_sidecar(npy_path) == npy_path)
    throw UsageError(fmt::format("{}: the embeddings file must not end in .ids", npy_path.string()));
  const std::size_t shape[2] = {matrix.rows, matrix.cols};
  write_npy(npy_path, matrix.data, shape);
  model::write_id_file(ids_sidecar(npy_path), ids);
}

}  // namespace invr
