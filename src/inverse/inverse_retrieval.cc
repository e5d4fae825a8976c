// The single-process chain: gather the selection's rows, (a) then (c).
#include <algorithm>

#include "invr/error.h"
#include "invr/inverse.h"

namespace invr {

Matrix gather_rows(const Matrix& matrix, std::span<const Index> rows) {
  Matrix out(rows.size(), matrix.cols);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    INVR_CHECK(rows[r] >= 0 && static_cast<std::size_t>(rows[r]) < matrix.rows);
    const auto source = matrix.row(static_cast<std::size_t>(rows[r]));
    std::copy(source.begin(), source.end(), out.row(r).begin());
  }
  return out;
}

MatrixView view_of(const Matrix& matrix) {
  return {matrix.data.data(), static_cast<std::int64_t>(matrix.rows),
          static_cast<std::int64_t>(matrix.cols)};
}

CandidateLists inverse_retrieval(const Selection& selection, const Matrix& item_embeddings,
                                 const Matrix& user_embeddings, const SeenItems& seen,
                                 const RetrievalSettings& settings,
                                 const InversionParams& params) {
  INVR_CHECK(item_embeddings.cols == user_embeddings.cols);
  const Matrix items = gather_rows(item_embeddings, selection.items);
  const Matrix users = gather_rows(user_embeddings, selection.users);
  const ItemTopUsers top = top_users_per_item(view_of(items), view_of(users), settings);
  return invert(top, selection.items, selection.users, user_embeddings.rows, seen, params);
}

}  // namespace invr
