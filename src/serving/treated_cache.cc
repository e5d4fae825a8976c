// TreatedCache: one manifest read per generation and catalog.
#include "serving/treated_cache.h"

#include <algorithm>

#include "invr/job.h"

namespace invr::serving {

TreatedCache::Items TreatedCache::get(const CandidateFeed& feed, const std::string& generation,
                                      const std::shared_ptr<const SlateAssembler>& assembler) {
  std::lock_guard lock(mutex_);
  if (items_ && generation_ == generation && assembler_.lock() == assembler) return items_;
  const std::vector<std::string> ids = manifest_treated_items(feed.manifest(generation));
  items_ = std::make_shared<const std::vector<Index>>(catalog_items(assembler->catalog(), ids));
  generation_ = generation;
  assembler_ = assembler;
  return items_;
}

}  // namespace invr::serving
