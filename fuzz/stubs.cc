// Definitions the fuzz build (INVR_FUZZ) links instead of a stage library it
// leaves out. Each is referenced by code the targets reach but never called
// on their paths; reaching one is a harness bug, so it aborts.
#include <cstdio>
#include <cstdlib>

#include "invr/retrieval.h"

namespace invr {

// validate(RetrievalSettings, dim) builds an index only for dim > 0; the
// config readers validate with dim 0 (no model loaded yet). FAISS stays out.
std::unique_ptr<VectorIndex> make_index(std::string_view, int, const IndexParams&) {
  std::fputs("stubs.cc: make_index reached; the fuzz build has no retrieval stage\n", stderr);
  std::abort();
}

}  // namespace invr
