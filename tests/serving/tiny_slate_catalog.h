// The 8-item, 2-dimension catalogue whose slates the serving tests work out
// by hand (slate_assembler_test.cc, longtail_methods_test.cc):
//   item  id  producer  published  embedding  popularity  score for user (1, 0)
//   0     a   0         0 h        (1, 0)       50         1.0
//   1     b   1         90 h       (0.9, 0)     10         0.9
//   2     c   0         99 h       (0.8, 0)      5         0.8
//   3     d   2         50 h       (0.5, 0)    100         0.5
//   4     e   1         99.5 h     (0.3, 0)      1         0.3
//   5     f   2         120 h      (2, 0)      200         2.0  (future at 100 h)
//   6     g   0         98 h       (0, 1)       30         0.0
//   7     h   1         10 h       (-1, 0)       0        -1.0
#pragma once

#include <cstddef>

#include "invr/slate.h"

namespace invr::test {

inline SlateCatalog tiny_slate_catalog() {
  constexpr double kHour = 3600.0;
  SlateCatalog catalog;
  for (const char* id : {"a", "b", "c", "d", "e", "f", "g", "h"}) catalog.item_ids.add(id);
  catalog.producer = {0, 1, 0, 2, 1, 2, 0, 1};
  catalog.publish_time = {0, 90 * kHour, 99 * kHour, 50 * kHour, 99.5 * kHour, 120 * kHour,
                          98 * kHour, 10 * kHour};
  catalog.embeddings = Matrix(8, 2);
  const float xs[] = {1.0f, 0.9f, 0.8f, 0.5f, 0.3f, 2.0f, 0.0f, -1.0f};
  for (std::size_t i = 0; i < 8; ++i) catalog.embeddings.row(i)[0] = xs[i];
  catalog.embeddings.row(6)[1] = 1.0f;
  catalog.popularity = {50, 10, 5, 100, 1, 200, 30, 0};
  return catalog;
}

}  // namespace invr::test
