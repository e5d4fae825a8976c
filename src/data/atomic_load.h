// The readers behind load_atomic, one per atomic file kind. Each reads one
// whole file or throws; load_atomic assembles the Dataset only when all succeed.
#pragma once

#include <filesystem>
#include <string>

#include "data/atomic_ids.h"
#include "invr/atomic_io.h"
#include "invr/data.h"

namespace invr::data {

struct ItemFile {
  FastIdIndex items;  // in file order
  IdMap producers;    // in order of first appearance
  IdMap tokens;
  ItemTable table;
};

// NAME.item: item_id, the producer column, publish_time and content columns.
ItemFile read_item_file(const std::filesystem::path& path, const AtomicLoadOptions& options);

// NAME.user: adds its user_id values to users, in file order.
void read_user_file(const std::filesystem::path& path, FastIdIndex& users);

// NAME.inter: appends rows to out, adding users as met. Items are added as
// met, or, when item_file is not empty, must already be in items (else
// "unknown item 'X' (not in item_file)"). With options.shard_count > 1 only
// the rows of options.shard_index's users are appended (users and items are
// still added as met). Returns the file's data rows, appended or not.
std::size_t read_inter_file(const std::filesystem::path& path, const std::string& item_file,
                     FastIdIndex& users, FastIdIndex& items, Interactions& out,
                     const AtomicLoadOptions& options);

}  // namespace invr::data
