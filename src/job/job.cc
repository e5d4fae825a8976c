// One run of the offline InvR job (include/invr/job.h).
#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "invr/error.h"
#include "invr/job.h"
#include "invr/log.h"
#include "invr/progress.h"
#include "job/job_assign.h"
#include "job/job_manifest.h"
#include "job/job_util.h"
#include "job/peak_rss.h"

namespace invr {
namespace {
using job::keep_rows_in_place;
using job::StageClock;

// The embedding size of the generation the store serves now, if it says.
std::optional<std::int64_t> served_dim(const CandidateStore& store) {
  const auto current = store.current();
  if (!current) return std::nullopt;
  const auto manifest = nlohmann::json::parse(store.manifest(*current), nullptr, false);
  if (manifest.is_discarded() || !manifest.contains("model") ||
      !manifest["model"].contains("dim") || !manifest["model"]["dim"].is_number_integer())
    return std::nullopt;
  return manifest["model"]["dim"].get<std::int64_t>();
}

template <class T>
std::uint64_t bytes_of(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

// IdMap stores each id once, in its ids() vector (a std::string, plus a heap
// buffer for ids longer than the 15 bytes kept inline), and indexes it with an
// open-addressing table of 8-byte slots at most half full: the smallest power
// of two holding 2 slots per id, at least 64 (invr/data.h).
std::uint64_t id_map_bytes(const IdMap& map) {
  const auto& ids = map.ids();
  std::uint64_t bytes = ids.capacity() * sizeof(std::string);
  for (const auto& id : ids) bytes += id.size() > 15 ? id.size() + 1 : 0;
  if (ids.empty()) return bytes;
  std::uint64_t slots = 64;
  while (slots < 2 * ids.size()) slots *= 2;
  return bytes + slots * (sizeof(std::uint32_t) + sizeof(Index));
}
}  // namespace

std::uint64_t dataset_bytes(const Dataset& d) {
  const Interactions& x = d.interactions;
  const ItemTable& t = d.item_table;
  return bytes_of(x.user) + bytes_of(x.item) + bytes_of(x.timestamp) + bytes_of(x.event) +
         bytes_of(x.value) + bytes_of(t.producer) + bytes_of(t.publish_time) +
         bytes_of(t.token_offsets) + bytes_of(t.tokens) + id_map_bytes(d.users) +
         id_map_bytes(d.items) + id_map_bytes(d.producers) + id_map_bytes(d.tokens);
}

JobResult run_job(const JobInputs& inputs, const JobConfig& config, CandidateStore* store_ptr,
                  std::string generation) {
  if (!inputs.dataset || !inputs.model)
    throw UsageError(fmt::format("run_job: inputs.{} is null", inputs.dataset ? "model" : "dataset"));
  if (!store_ptr && inputs.write_output)
    throw UsageError("run_job: inputs.write_output is set but no store was given");
  validate(config);
  const Dataset& dataset = *inputs.dataset;
  const TwoTowerModel& model = *inputs.model;
  JobResult result;
  if (store_ptr) result.store_uri = store_ptr->uri();
  result.stages = inputs.earlier_stages;
  StageClock clock(result.stages);

  if (inputs.write_output && !config.job.allow_dim_change) {
    const CandidateStore& store = *store_ptr;
    const auto dim = served_dim(store);
    if (dim && *dim != static_cast<std::int64_t>(model.dim()))
      throw UsageError(fmt::format(
          "{} serves generation {} made with {}-dimensional embeddings, but this model has {}; "
          "servers still on the old model would mismatch. Use a new store, or pass "
          "--allow-dim-change if the servers switch models too",
          store.uri(), store.current().value_or("?"), *dim, model.dim()));
  }

  // 1. Selection; carry_treated applies its age rules with the same figures.
  {
    const double as_of = selection_as_of(dataset, config.job.as_of > 0 ? config.job.as_of : kNoTime);
    const SelectionStats stats = selection_stats(dataset, config.selection, as_of);
    result.selection = select_targets(dataset, config.selection, stats, as_of, inputs.producer_quality);
    if (config.assignment_job.carry_treated && store_ptr)
      if (const auto served = store_ptr->current()) {
        const std::size_t carried = job::carry_treated_items(
            dataset, job::treated_item_rows(dataset, manifest_treated_items(store_ptr->manifest(*served))),
            stats, config, inputs.target_share, result.selection);
        invr::logger().info("job: carry_treated keeps {} of generation {}'s treated items, still below {} "
                            "impressions",
                            carried, *served, config.assignment_job.sufficient_impressions);
      }
  }
  const Selection& selection = result.selection;
  invr::logger().info("job: selected {} producers, {} items, {} users", selection.producers.size(),
                      selection.items.size(), selection.users.size());
  if (selection.empty())
    throw Error("nothing for InvR to do: the selection is empty\n" + explain(selection));
  clock.done("select");

  // 2. Embeddings of the selected rows only.
  EmbedOptions embed;
  embed.as_of = selection.as_of;
  if (!config.job.cold_start.empty()) embed.cold_start = parse_cold_start(config.job.cold_start);
  const Matrix all_items = model.embed_items(dataset, embed);
  const Matrix items = gather_rows(all_items, selection.items);
  clock.done("embed_items");
  Matrix users = model.embed_users(dataset, embed);
  keep_rows_in_place(users, selection.users);
  clock.done("embed_users");
  result.memory.dataset_bytes = dataset_bytes(dataset);
  result.memory.embedding_bytes = bytes_of(users.data) + bytes_of(items.data);
  if (items.cols != users.cols)
    throw Error(fmt::format("model {}: item embeddings have {} columns but user embeddings {}",
                            inputs.model_version, items.cols, users.cols));

  // 3. Item -> top-N users.
  const ItemTopUsers top = inputs.top_users
                               ? inputs.top_users(view_of(items), view_of(users), config.retrieval)
                               : top_users_per_item(view_of(items), view_of(users), config.retrieval);
  clock.done("retrieve");
  result.memory.top_users_bytes = bytes_of(top.users) + bytes_of(top.scores);
  if (!inputs.write_output) return result;

  // 4. Inversion into per-user lists, minus what each user has seen.
  const SeenItems seen = seen_items(dataset, selection.as_of);
  CandidateLists lists = invert(top, selection.items, selection.users, dataset.users.size(),
                                seen, config.inversion);
  clock.done("invert");

  // 5. The target ordering: the assignment over the same item -> users lists
  // (invr/assign.h), its own stage so its time shows beside retrieve's.
  std::optional<job::AssignmentStage> assigned;
  if (config.assignment_job.assign_targets) {
    const auto threads = static_cast<int>(config.retrieval.threads);
    const auto& relevance = inputs.assignment_relevance;  // a diagnostic: see JobInputs
    std::optional<ItemTopUsers> rescored;
    if (relevance) rescored = job::rescored_top_users(top, selection, relevance, threads);
    std::vector<double> displaced;
    if (config.assignment.spare_capacity == "displace")
      displaced = relevance ? job::displaced_relevance(relevance, job::item_events(dataset), selection.users,
                                                       dataset.users.size(), config.assignment_job)
                            : job::displaced_scores(all_items, job::item_events(dataset), view_of(users),
                                                    selection.users, dataset.users.size(),
                                                    config.assignment_job, threads);
    assigned = job::assign_target_ordering(rescored ? *rescored : top, selection, dataset, seen, config,
                                           inputs.target_share, displaced, lists);
    result.assignment = assigned->assignment.summary;
    result.item_target = assigned->item_target;
    invr::logger().info("job: assignment: {} of {} items short of {} impressions, gap {:.3g}",
                        result.assignment.items_short, selection.items.size(),
                        result.item_target, result.assignment.gap);
    clock.done("assign");
  }
  result.users_with_candidates = lists.users_with_candidates();
  for (Ordering o : kAllOrderings) result.candidates[static_cast<std::size_t>(o)] = lists.total(o);
  for (std::size_t o = 0; o < kOrderings; ++o)
    result.memory.candidate_bytes += bytes_of(lists.lists[o]) + bytes_of(lists.offsets[o]);

  // 6. Write the generation; commit only when every user is in.
  CandidateStore& store = *store_ptr;
  if (generation.empty()) generation = make_generation_id();
  auto writer = store.begin_generation(generation);
  {
    Progress progress("write " + generation, lists.users, "users");
    for (std::size_t u = 0; u < lists.users; ++u) {
      const auto user = static_cast<Index>(u);
      StoredCandidates stored = to_stored(lists, user, dataset.items);
      if (!stored.empty()) writer->put(dataset.users.id(user), stored);
      progress.add();
    }
  }
  clock.done("write");

  nlohmann::ordered_json manifest = job::generation_manifest(
      result, job::sizes_of(dataset), dataset, model, inputs.model_version, config,
      assigned ? job::assignment_json(*assigned, dataset, selection) : nlohmann::ordered_json());
  manifest["peak_rss_bytes"] = job::peak_rss_bytes();
  writer->commit(manifest.dump());
  clock.done("commit");
  result.generation = generation;
  result.manifest = store.manifest(generation);
  return result;
}

}  // namespace invr
