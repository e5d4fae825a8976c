// The treated items of the generation a server serves, for forward-longtail
// arms (docs/methods.md): read from the generation's manifest
// (treated_items) once per (generation, catalog) and mapped to catalog
// indices. Thread-safe; a miss reads the manifest under the lock (one read
// per generation switch or catalog change).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "invr/slate.h"
#include "serving/server_candidates.h"

namespace invr::serving {

class TreatedCache {
 public:
  using Items = std::shared_ptr<const std::vector<Index>>;
  // `generation`'s treated items as indices of `assembler`'s catalog, sorted,
  // unknown ids left out; empty when its manifest has none. Throws what the
  // store throws (IoError) or DataError for a malformed manifest.
  Items get(const CandidateFeed& feed, const std::string& generation,
            const std::shared_ptr<const SlateAssembler>& assembler);

 private:
  std::mutex mutex_;
  std::string generation_;
  // weak: a freed catalog never matches a new one at the same address.
  std::weak_ptr<const SlateAssembler> assembler_;
  Items items_;
};

}  // namespace invr::serving
