// The single-process chain: gather the selection's rows, (a) then (c).
#include <algorithm>

#include <fmt/format.h>

#include "invr/error.h"
#include "invr/inverse.h"

namespace invr {

CandidateLists inverse_retrieval(const Selection& selection, const Matrix& item_embeddings,
                                 const Matrix& user_embeddings, const SeenItems& seen,
                                 const RetrievalSettings& settings,
                                 const InversionParams& params) {
  if (item_embeddings.cols != user_embeddings.cols)
    throw UsageError(fmt::format("inverse_retrieval: item_embeddings have {} columns but "
                                 "user_embeddings have {}",
                                 item_embeddings.cols, user_embeddings.cols));
  const Matrix items = gather_rows(item_embeddings, selection.items);
  const Matrix users = gather_rows(user_embeddings, selection.users);
  const ItemTopUsers top = top_users_per_item(view_of(items), view_of(users), settings);
  return invert(top, selection.items, selection.users, user_embeddings.rows, seen, params);
}

}  // namespace invr
