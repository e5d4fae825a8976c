// A catalogue-only dataset for evaluation tests (unit and CLI).
#pragma once

#include <fmt/format.h>

#include "invr/data.h"

namespace invr::test {

// users u0..u{users-1}, items i0..i{items-1}; each item its own producer.
inline Dataset make_dataset(std::size_t users, std::size_t items) {
  Dataset d;
  d.name = "tiny";
  for (std::size_t u = 0; u < users; ++u) d.users.add(fmt::format("u{}", u));
  for (std::size_t i = 0; i < items; ++i) {
    d.items.add(fmt::format("i{}", i));
    d.item_table.push_back(d.producers.add(fmt::format("p{}", i)), kNoTime, {});
  }
  return d;
}

}  // namespace invr::test
