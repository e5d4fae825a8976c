// The holdout protocol and scoring behind `invr evaluate`.
#include "invr/evaluate.h"

#include <algorithm>
#include <fstream>
#include <utility>

#include <fmt/format.h>

#include "invr/baselines.h"
#include "invr/convert.h"
#include "invr/error.h"
#include "invr/split.h"

namespace invr {
namespace {

Interactions positives_of(const Interactions& interactions) {
  std::vector<bool> keep(interactions.size());
  for (std::size_t r = 0; r < interactions.size(); ++r) keep[r] = is_positive(interactions.event[r]);
  return interactions.select(keep);
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? tab : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

}  // namespace

double positive_cutoff(const Interactions& interactions, double test_fraction) {
  return temporal_cutoff(positives_of(interactions), test_fraction);
}

std::vector<std::uint8_t> read_split_parts(const std::filesystem::path& path,
                                           const Dataset& dataset) {
  std::ifstream in(path);
  if (!in) throw IoError(fmt::format("cannot open split file {}", path.string()));
  const std::string file = path.string();
  const Interactions& rows = dataset.interactions;
  std::vector<std::uint8_t> parts;
  parts.reserve(rows.size());
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto fields = split_tabs(line);
    if (line_number == 1) {
      if (fields.size() != 3 || !fields[2].starts_with("part"))
        throw DataError(file, 1, 1, "expected the header user_id:token<TAB>item_id:token<TAB>part:token");
      continue;
    }
    if (fields.size() != 3)
      throw DataError(file, line_number, 1, fmt::format("expected 3 tab-separated fields, found {}", fields.size()));
    const std::size_t r = parts.size();
    if (r >= rows.size())
      throw DataError(file, line_number, 1,
                      fmt::format("more rows than the {} interactions of the dataset", rows.size()));
    if (fields[0] != dataset.users.id(rows.user[r]))
      throw DataError(file, line_number, 1,
                      fmt::format("expected user '{}' of interaction row {}", dataset.users.id(rows.user[r]), r + 1));
    if (fields[1] != dataset.items.id(rows.item[r]))
      throw DataError(file, line_number, fields[0].size() + 2,
                      fmt::format("expected item '{}' of interaction row {}", dataset.items.id(rows.item[r]), r + 1));
    std::uint8_t part = 0;
    bool known = false;
    for (std::uint8_t p : {ConvertedSplit::kTrain, ConvertedSplit::kValid, ConvertedSplit::kTest})
      if (fields[2] == split_part_name(p)) part = p, known = true;
    if (!known)
      throw DataError(file, line_number, fields[0].size() + fields[1].size() + 3,
                      fmt::format("expected part train, valid or test, found '{}'", fields[2]));
    parts.push_back(part);
  }
  if (parts.size() != rows.size())
    throw DataError(file, line_number + 1, 1,
                    fmt::format("expected {} rows, one per interaction, found {}", rows.size(), parts.size()));
  return parts;
}

Holdout make_holdout(const Dataset& dataset, const HoldoutOptions& options) {
  const Interactions& rows = dataset.interactions;
  Holdout holdout;
  Split split;
  if (options.split_file) {
    const auto parts = read_split_parts(*options.split_file, dataset);
    std::vector<bool> in_test(rows.size()), in_train(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      in_test[r] = parts[r] == ConvertedSplit::kTest;
      in_train[r] = !in_test[r];
    }
    split.train = rows.select(in_train);
    split.test = rows.select(in_test);
    holdout.protocol = "dataset_split";
  } else {
    if (!(options.test_fraction > 0 && options.test_fraction < 1))
      throw UsageError(fmt::format("test fraction must be in (0, 1), got {}", options.test_fraction));
    if (options.per_user) {
      split = user_temporal_split(rows, options.test_fraction);
      holdout.protocol = "user_temporal";
    } else if (dataset.has_timestamps()) {
      holdout.cutoff = has_time(options.cutoff) ? options.cutoff
                                                : positive_cutoff(rows, options.test_fraction);
      split = temporal_split(rows, holdout.cutoff);
      holdout.protocol = "temporal";
    } else {
      split = random_split(rows, options.test_fraction, options.seed);
      holdout.protocol = "random";
    }
  }
  holdout.train = std::move(split.train);
  holdout.test = std::move(split.test);
  return holdout;
}

EvaluationSets evaluation_sets(const Holdout& holdout, std::size_t num_users, std::size_t num_items) {
  EvaluationSets sets;
  sets.train_items = training_item_sets(holdout.train, num_users);
  sets.cold_item.assign(num_items, 1);
  for (Index item : sets.train_items.items) sets.cold_item[static_cast<std::size_t>(item)] = 0;
  const ItemLists test_items = training_item_sets(holdout.test, num_users);
  for (std::size_t r = 0; r < holdout.test.size(); ++r)
    if (is_positive(holdout.test.event[r]) && sets.cold_item[static_cast<std::size_t>(holdout.test.item[r])])
      ++sets.cold_test_rows;
  std::vector<Index> relevant, cold;
  for (std::size_t u = 0; u < num_users; ++u) {
    const auto seen = sets.train_items.list(u);
    relevant.clear();
    cold.clear();
    for (Index item : test_items.list(u)) {
      if (std::binary_search(seen.begin(), seen.end(), item)) continue;
      relevant.push_back(item);
      if (sets.cold_item[static_cast<std::size_t>(item)]) cold.push_back(item);
    }
    sets.relevant.push_back(relevant);
    sets.relevant_cold.push_back(cold);
  }
  return sets;
}

MethodAccuracy score_method(const ItemLists& ranked, const EvaluationSets& sets, std::size_t k) {
  // Users without a list rank nothing: pad so both sides have every user.
  ItemLists padded = ranked;
  while (padded.size() < sets.relevant.size()) padded.push_back({});
  if (padded.size() != sets.relevant.size())
    throw UsageError(fmt::format("score_method: {} ranked lists for {} evaluated users",
                                 ranked.size(), sets.relevant.size()));
  return {accuracy_at_k(padded, sets.relevant, k), accuracy_at_k(padded, sets.relevant_cold, k)};
}

ItemLists unseen_top_k(std::span<const std::int64_t> ids, std::size_t width,
                       std::span<const Index> users, const ItemLists& train_items, std::size_t k) {
  if (ids.size() != users.size() * width)
    throw UsageError(fmt::format("unseen_top_k: {} ids for {} users x width {}", ids.size(),
                                 users.size(), width));
  std::vector<std::vector<Index>> lists(train_items.size());
  for (std::size_t row = 0; row < users.size(); ++row) {
    const auto u = static_cast<std::size_t>(users[row]);
    if (u >= lists.size())
      throw UsageError(fmt::format("unseen_top_k: users[{}] = {} is not one of the {} users", row,
                                   users[row], lists.size()));
    const auto seen = train_items.list(u);
    auto& list = lists[u];
    for (std::size_t c = 0; c < width && list.size() < k; ++c) {
      const std::int64_t id = ids[row * width + c];
      if (id < 0) break;
      const auto item = static_cast<Index>(id);
      if (!std::binary_search(seen.begin(), seen.end(), item)) list.push_back(item);
    }
  }
  return ItemLists::from(lists);
}

}  // namespace invr
