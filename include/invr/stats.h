// Descriptive statistics of a dataset: sizes, density, time range and how
// concentrated interactions are over items and producers. The shares and Gini
// are invr::concentration (metrics.h), the same code as the exposure metrics
// b50ps/t1ps, so a dataset's skew and a recommender's exposure skew are
// measured identically. See docs/metrics.md.
#pragma once

#include <cstddef>
#include <cstdint>

#include "invr/data.h"
#include "invr/metrics.h"

namespace invr {

struct DatasetStats {
  std::size_t users = 0;                  // size of the user id map
  std::size_t items = 0;                  // size of the item id map
  std::size_t producers = 0;              // producers that own at least one item
  std::size_t interactions = 0;           // rows, every event type
  std::size_t positive_interactions = 0;  // rows with is_positive(event)
  std::size_t user_item_pairs = 0;        // distinct (user, item) pairs over all rows
  double density = 0;                     // user_item_pairs / (users * items); 0 if either is 0
  double first_time = kNoTime;            // earliest timestamp; kNoTime if the data has none
  double last_time = kNoTime;             // latest timestamp
  // Positive interactions per item (population: every item) and per producer
  // (population: every producer with >= 1 item).
  Concentration item_interactions;
  Concentration producer_interactions;
};

DatasetStats dataset_stats(const Dataset& dataset);

}  // namespace invr
