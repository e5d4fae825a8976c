// The generation manifest the job commits (docs/job.md, "Manifest"): one
// writer for the single-process job and the sharded one, so both record the
// same fields.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "invr/job.h"

namespace invr::job {

// The whole dataset's sizes (a shard knows them from its loader).
struct DatasetSizes {
  std::string name;
  std::size_t users = 0, items = 0, producers = 0, interactions = 0;
};
DatasetSizes sizes_of(const Dataset& dataset);

// The selection's counts per rule, as the manifest's "counts" object.
nlohmann::ordered_json counts_json(const Selection& selection);

// Everything but the store's stamps and "peak_rss_bytes": format, as_of,
// dataset, model, config, treated_items (ids from `catalog`'s items),
// counts, assignment (given), timings and memory.
nlohmann::ordered_json generation_manifest(const JobResult& result, const DatasetSizes& dataset,
                                           const Dataset& catalog, const TwoTowerModel& model,
                                           const std::string& model_version, const JobConfig& config,
                                           nlohmann::ordered_json assignment);

}  // namespace invr::job
