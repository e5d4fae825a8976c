// What the towers read, built from a Dataset without LibTorch. Training,
// embedding and TorchScript towers all take these exact inputs, so a model is
// trained and served on the same features (docs/model.md, "Tower inputs").
//
// Input ids: a model knows items and producers by its own id maps; the input
// id of model index i is i + 1, and 0 means "unknown to the model" (or, in a
// history, padding). Tokens are hashed by string, so any dataset's tokens
// land in the same buckets.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "invr/data.h"

namespace invr::model {

// Seconds per day: ages are in days.
constexpr double kSecondsPerDay = 86400.0;

// Bucket of a content token "column=value": fnv1a64(token) mod buckets.
std::int64_t token_bucket(std::string_view token, std::int64_t buckets);

// Per dataset item, the time-independent tower inputs.
struct ItemCatalog {
  std::vector<std::int64_t> input_id;           // 0 = item unknown to the model
  std::vector<std::int64_t> producer_input_id;  // 0 = producer unknown to the model
  std::vector<std::uint32_t> token_offsets{0};  // CSR over token_bucket
  std::vector<std::int64_t> token_bucket;
  std::vector<double> publish_time;

  std::size_t size() const { return input_id.size(); }
};
ItemCatalog make_item_catalog(const Dataset& dataset, const IdMap& model_items,
                              const IdMap& model_producers, std::int64_t token_buckets);

// Item-tower inputs for a batch of B items.
struct ItemInputs {
  std::vector<std::int64_t> item;           // B input ids
  std::vector<std::int64_t> producer;       // B input ids
  std::vector<std::int64_t> tokens;         // T token buckets, item after item
  std::vector<std::int64_t> token_offsets;  // B: where each item's tokens start
  std::vector<float> age_days;              // B: age at the reference time; -1 = unknown

  std::size_t size() const { return item.size(); }
};
// Inputs for catalog items `items` at reference_time[b] (kNoTime = unknown age).
ItemInputs item_inputs(const ItemCatalog& catalog, std::span<const Index> items,
                       std::span<const double> reference_time);

// Rows `rows` (ascending) of `inputs` lose their content: producer unknown,
// no tokens, age unknown. Random cold start embeds cold items so.
void strip_content(ItemInputs& inputs, std::span<const std::size_t> rows);

// Each user's positive events in time order (rows without a timestamp first,
// ties by row order): CSR over users.
struct UserHistories {
  std::vector<std::size_t> offsets{0};
  std::vector<Index> item;  // dataset item index
  std::vector<double> time;

  std::size_t users() const { return offsets.size() - 1; }
  std::size_t count(Index user) const { return offsets[user + 1] - offsets[user]; }
  // Number of the user's events strictly before as_of (all when as_of is kNoTime;
  // events without a timestamp always count).
  std::size_t count_before(Index user, double as_of) const;
};
UserHistories user_histories(const Interactions& interactions, std::size_t num_users);

// User-tower inputs for B users: the last L history items, most recent first,
// padded with input id 0 and mask 0.
struct UserInputs {
  std::int64_t length = 0;          // L
  std::vector<std::int64_t> history;  // B × L input ids
  std::vector<float> mask;            // B × L: 1 = an event, 0 = padding
  std::vector<float> age_days;        // B × L: days from the event to the reference time

  std::size_t size() const { return length ? history.size() / static_cast<std::size_t>(length) : 0; }
};
// Appends one row: the user's events [0, end) (end = count_before(...) or an
// example's position), skipping items whose input id is 0.
void append_history(UserInputs& inputs, const UserHistories& histories, Index user,
                    std::size_t end, double reference_time,
                    std::span<const std::int64_t> item_input_id);

// Appends one row from the user's events at `positions` (indices into the
// user's history, in the order given), skipping unknown items, at most L.
// Training with set histories (TrainingData::set_histories) builds rows so.
void append_history_events(UserInputs& inputs, const UserHistories& histories, Index user,
                           std::span<const std::uint32_t> positions, double reference_time,
                           std::span<const std::int64_t> item_input_id);

}  // namespace invr::model
