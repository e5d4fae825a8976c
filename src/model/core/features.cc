#include "model/core/features.h"

#include <algorithm>
#include <numeric>

#include "invr/error.h"
#include "model/core/model_files.h"

namespace invr::model {

std::int64_t token_bucket(std::string_view token, std::int64_t buckets) {
  return static_cast<std::int64_t>(fnv1a64(token) % static_cast<std::uint64_t>(buckets));
}

ItemCatalog make_item_catalog(const Dataset& dataset, const IdMap& model_items,
                              const IdMap& model_producers, std::int64_t token_buckets) {
  const auto& table = dataset.item_table;
  const std::size_t n = dataset.items.size();
  // Token strings are hashed once each, not once per item that carries them.
  std::vector<std::int64_t> bucket_of_token(dataset.tokens.size());
  for (std::size_t t = 0; t < dataset.tokens.size(); ++t)
    bucket_of_token[t] = token_bucket(dataset.tokens.id(static_cast<Index>(t)), token_buckets);

  ItemCatalog catalog;
  catalog.input_id.resize(n);
  catalog.producer_input_id.assign(n, 0);
  catalog.publish_time.assign(n, kNoTime);
  catalog.token_offsets.reserve(n + 1);
  for (std::size_t i = 0; i < n; ++i) {
    const Index item = static_cast<Index>(i);
    catalog.input_id[i] = model_items.find(dataset.items.id(item)) + 1;
    if (i < table.size()) {
      const Index producer = table.producer[i];
      if (producer != kNoIndex)
        catalog.producer_input_id[i] = model_producers.find(dataset.producers.id(producer)) + 1;
      catalog.publish_time[i] = table.publish_time[i];
      for (Index token : table.item_tokens(item))
        catalog.token_bucket.push_back(bucket_of_token[static_cast<std::size_t>(token)]);
    }
    catalog.token_offsets.push_back(static_cast<std::uint32_t>(catalog.token_bucket.size()));
  }
  return catalog;
}

ItemInputs item_inputs(const ItemCatalog& catalog, std::span<const Index> items,
                       std::span<const double> reference_time) {
  INVR_CHECK(items.size() == reference_time.size());
  ItemInputs inputs;
  inputs.item.reserve(items.size());
  inputs.producer.reserve(items.size());
  inputs.token_offsets.reserve(items.size());
  inputs.age_days.reserve(items.size());
  for (std::size_t b = 0; b < items.size(); ++b) {
    const auto i = static_cast<std::size_t>(items[b]);
    inputs.item.push_back(catalog.input_id[i]);
    inputs.producer.push_back(catalog.producer_input_id[i]);
    inputs.token_offsets.push_back(static_cast<std::int64_t>(inputs.tokens.size()));
    inputs.tokens.insert(inputs.tokens.end(),
                         catalog.token_bucket.begin() + catalog.token_offsets[i],
                         catalog.token_bucket.begin() + catalog.token_offsets[i + 1]);
    const double publish = catalog.publish_time[i];
    const double now = reference_time[b];
    // An item published after the reference time counts as brand new.
    inputs.age_days.push_back(has_time(publish) && has_time(now)
                                  ? static_cast<float>(std::max(0.0, now - publish) / kSecondsPerDay)
                                  : -1.0f);
  }
  return inputs;
}

void strip_content(ItemInputs& inputs, std::span<const std::size_t> rows) {
  if (rows.empty()) return;
  std::vector<std::int64_t> tokens, offsets;
  tokens.reserve(inputs.tokens.size());
  offsets.reserve(inputs.size());
  std::size_t next = 0;  // index into rows
  for (std::size_t b = 0; b < inputs.size(); ++b) {
    offsets.push_back(static_cast<std::int64_t>(tokens.size()));
    if (next < rows.size() && rows[next] == b) {
      ++next;
      inputs.producer[b] = 0;
      inputs.age_days[b] = -1.0f;
      continue;
    }
    const auto first = static_cast<std::size_t>(inputs.token_offsets[b]);
    const std::size_t last = b + 1 < inputs.size() ? static_cast<std::size_t>(inputs.token_offsets[b + 1])
                                                   : inputs.tokens.size();
    tokens.insert(tokens.end(), inputs.tokens.begin() + static_cast<std::ptrdiff_t>(first),
                  inputs.tokens.begin() + static_cast<std::ptrdiff_t>(last));
  }
  INVR_CHECK(next == rows.size());
  inputs.tokens = std::move(tokens);
  inputs.token_offsets = std::move(offsets);
}

std::size_t UserHistories::count_before(Index user, double as_of) const {
  const auto begin = time.begin() + static_cast<std::ptrdiff_t>(offsets[user]);
  const auto end = time.begin() + static_cast<std::ptrdiff_t>(offsets[user + 1]);
  if (!has_time(as_of)) return static_cast<std::size_t>(end - begin);
  // Events are sorted with untimed ones first, so "before" is a prefix.
  const auto first_late =
      std::partition_point(begin, end, [&](double t) { return !has_time(t) || t < as_of; });
  return static_cast<std::size_t>(first_late - begin);
}

UserHistories user_histories(const Interactions& interactions, std::size_t num_users) {
  std::vector<std::size_t> rows;
  for (std::size_t r = 0; r < interactions.size(); ++r)
    if (is_positive(interactions.event[r])) rows.push_back(r);
  auto key_time = [&](std::size_t r) {
    const double t = interactions.timestamp[r];
    return has_time(t) ? t : -std::numeric_limits<double>::infinity();
  };
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    const Index ua = interactions.user[a], ub = interactions.user[b];
    if (ua != ub) return ua < ub;
    return key_time(a) < key_time(b);
  });
  UserHistories histories;
  histories.offsets.assign(num_users + 1, 0);
  histories.item.reserve(rows.size());
  histories.time.reserve(rows.size());
  for (std::size_t r : rows) {
    const auto u = static_cast<std::size_t>(interactions.user[r]);
    INVR_CHECK(u < num_users);
    ++histories.offsets[u + 1];
    histories.item.push_back(interactions.item[r]);
    histories.time.push_back(interactions.timestamp[r]);
  }
  std::partial_sum(histories.offsets.begin(), histories.offsets.end(), histories.offsets.begin());
  return histories;
}

namespace {
// Opens a padded row of L slots; returns its first slot.
std::size_t open_row(UserInputs& inputs) {
  const auto length = static_cast<std::size_t>(inputs.length);
  const std::size_t row = inputs.history.size();
  inputs.history.resize(row + length, 0);
  inputs.mask.resize(row + length, 0.0f);
  inputs.age_days.resize(row + length, 0.0f);
  return row;
}

// Fills slot `row + filled` with history event e unless its item is unknown.
bool fill_slot(UserInputs& inputs, std::size_t row, std::size_t filled,
               const UserHistories& histories, std::size_t e, double reference_time,
               std::span<const std::int64_t> item_input_id) {
  const std::int64_t id = item_input_id[static_cast<std::size_t>(histories.item[e])];
  if (id == 0) return false;  // an item the model does not know carries no signal
  const double t = histories.time[e];
  inputs.history[row + filled] = id;
  inputs.mask[row + filled] = 1.0f;
  inputs.age_days[row + filled] =
      has_time(t) && has_time(reference_time)
          ? static_cast<float>(std::max(0.0, reference_time - t) / kSecondsPerDay)
          : 0.0f;
  return true;
}
}  // namespace

void append_history(UserInputs& inputs, const UserHistories& histories, Index user,
                    std::size_t end, double reference_time,
                    std::span<const std::int64_t> item_input_id) {
  const auto length = static_cast<std::size_t>(inputs.length);
  const std::size_t row = open_row(inputs);
  const std::size_t begin = histories.offsets[user];
  std::size_t filled = 0;
  for (std::size_t e = begin + end; e > begin && filled < length; --e)
    if (fill_slot(inputs, row, filled, histories, e - 1, reference_time, item_input_id)) ++filled;
}

void append_history_events(UserInputs& inputs, const UserHistories& histories, Index user,
                           std::span<const std::uint32_t> positions, double reference_time,
                           std::span<const std::int64_t> item_input_id) {
  const auto length = static_cast<std::size_t>(inputs.length);
  const std::size_t row = open_row(inputs);
  const std::size_t begin = histories.offsets[user];
  std::size_t filled = 0;
  for (std::size_t k = 0; k < positions.size() && filled < length; ++k) {
    INVR_CHECK(positions[k] < histories.count(user));
    if (fill_slot(inputs, row, filled, histories, begin + positions[k], reference_time,
                  item_input_id))
      ++filled;
  }
}

}  // namespace invr::model
