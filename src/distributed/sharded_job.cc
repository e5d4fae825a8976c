// The sharded job (invr/distributed.h, docs/distributed.md): every rank
// loads, embeds, searches, inverts and writes only its own users; per-item
// lists meet on the item's owner rank and pairs travel to their user's rank.
// Per user of the whole dataset a rank holds only the loader's id index while
// parsing, and rank 0 the selected users' indices (4 bytes each) for the
// manifest's counts.
#include <mpi.h>

#include <algorithm>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "distributed/mpi_util.h"
#include "distributed/sharded_job.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/log.h"
#include "job/job_assign.h"
#include "job/job_manifest.h"
#include "job/job_util.h"
#include "job/peak_rss.h"

namespace invr {
namespace {


// This rank's users and their rows, with whole-dataset user indices (one
// rank: the whole dataset).
DatasetShard load_shard(const JobFiles& files, int rank, int ranks) {
  AtomicLoadOptions load;
  load.producer_column = files.producer_column;
  load.shard_index = rank;
  load.shard_count = ranks;
  return load_atomic_shard(files.data, files.name, load);
}

}  // namespace

Index local_user(const DatasetShard& shard, std::int64_t global) {
  const auto it = std::lower_bound(shard.global_user.begin(), shard.global_user.end(), global);
  INVR_CHECK(it != shard.global_user.end() && *it == global);
  return static_cast<Index>(it - shard.global_user.begin());
}

namespace {
// The whole dataset's selection figures: each shard's, combined.
// `stats` gets the combined figures.
Selection select_whole(const DatasetShard& shard, const JobConfig& config, std::span<const double> quality,
                       SelectionStats& stats) {
  const Dataset& dataset = shard.dataset;
  double as_of = config.job.as_of > 0 ? config.job.as_of : kNoTime;
  if (!has_time(as_of)) {
    const double mine = latest_event_time(dataset);
    const double latest = mpi::reduce(has_time(mine) ? mine : -std::numeric_limits<double>::infinity(), MPI_MAX);
    as_of = std::isfinite(latest) ? latest + 1 : kNoTime;
  }
  stats = selection_stats(dataset, config.selection, as_of);
  constexpr double kNone = std::numeric_limits<double>::infinity();
  for (double& t : stats.item_first_event) t = has_time(t) ? t : kNone;
  mpi::all_reduce(stats.item_first_event, MPI_MIN);
  for (double& t : stats.item_first_event) t = t == kNone ? kNoTime : t;
  mpi::all_reduce(stats.producer_impressions, MPI_SUM);
  mpi::all_reduce(stats.producer_positives, MPI_SUM);
  stats.any_impression = mpi::any(stats.any_impression);
  return select_targets(dataset, config.selection, stats, as_of, quality);
}

// carry_treated: rank 0 reads the served generation's treated items, and
// every rank applies job::carry_treated_items to them with the whole
// dataset's figures and impressions, so every rank keeps the same items.
std::size_t carry_whole(const DatasetShard& shard, const SelectionStats& stats, const JobConfig& config,
                        int rank, Selection& selection) {
  std::vector<Index> treated;
  if (rank == 0) {
    StoreOptions options;
    options.grace_seconds = config.job.grace_seconds;
    const auto store = open_store(config.job.store, options);  // closed before the ranks open it to write
    if (const auto served = store->current())
      treated = job::treated_item_rows(shard.dataset, manifest_treated_items(store->manifest(*served)));
  }
  mpi::broadcast(treated);
  return job::carry_treated_items(shard.dataset, treated, stats, config, {}, selection,
                                  [](std::vector<double>& shown) { mpi::all_reduce(shown, MPI_SUM); });
}

// select_whole, then with carry_treated the served generation's items it keeps.
Selection select_and_carry(const DatasetShard& shard, const JobConfig& config, std::span<const double> quality,
                           int rank) {
  SelectionStats stats;
  Selection selection = select_whole(shard, config, quality, stats);
  if (config.assignment_job.carry_treated) {
    const std::size_t carried = carry_whole(shard, stats, config, rank, selection);
    if (rank == 0)
      invr::logger().info("job: carry_treated keeps {} of the served generation's treated items, still below {} "
                          "impressions",
                          carried, config.assignment_job.sufficient_impressions);
  }
  return selection;
}

// Rank 0's copy of the whole selection: every rank's selected users as
// whole-dataset indices, and the user counts summed.
Selection whole_selection(const Selection& mine, const DatasetShard& shard) {
  Selection whole = mine;
  std::vector<Index> global;
  global.reserve(mine.users.size());
  for (Index u : mine.users) global.push_back(static_cast<Index>(shard.global_user[static_cast<std::size_t>(u)]));
  std::vector<int> counts;
  whole.users = mpi::gather_on_root(global, counts);
  std::sort(whole.users.begin(), whole.users.end());
  std::vector<std::int64_t> c{static_cast<std::int64_t>(mine.counts.users_inactive),
                              static_cast<std::int64_t>(mine.counts.users_few_interactions)};
  mpi::all_reduce(c, MPI_SUM);
  whole.counts.users = shard.total_users;
  whole.counts.users_inactive = static_cast<std::size_t>(c[0]);
  whole.counts.users_few_interactions = static_cast<std::size_t>(c[1]);
  return whole;
}

// Every item's top N over all ranks' users, as this rank's users' slots:
// a sparse ItemTopUsers (rows: this rank's selected users; other slots
// kNoRow), so invert() gives each pair its whole-dataset user rank.
ItemTopUsers exchange_top_users(ItemTopUsers local, const Selection& selection, const DatasetShard& shard,
                                std::int64_t n, int rank, int ranks) {
  const auto items = static_cast<std::int64_t>(selection.items.size());
  // (a) Each item block to its owner (blocks are contiguous in slot order),
  // users encoded with their rank.
  std::vector<int> counts(static_cast<std::size_t>(ranks));
  for (int owner = 0; owner < ranks; ++owner) {
    const RowRange block = shard_rows(items, owner, ranks);
    counts[static_cast<std::size_t>(owner)] = mpi::checked_count(static_cast<std::size_t>((block.end - block.begin) * n));
  }
  std::vector<SlotPair> send(local.users.size());
  for (std::size_t slot = 0; slot < send.size(); ++slot) {
    const RowId row = local.users[slot];
    send[slot] = {row == kNoRow ? kNoRow
                                : shard.global_user[static_cast<std::size_t>(selection.users[static_cast<std::size_t>(row)])] *
                                          ranks + rank,
                  local.scores[slot], 0};
  }
  local = {};
  std::vector<int> received;
  std::vector<SlotPair> got = mpi::exchange(send, counts, received);
  send = {};
  // (b) Merge the owned block's lists (ties by global index, as one process).
  const RowRange mine = shard_rows(items, rank, ranks);
  const std::int64_t rows = mine.end - mine.begin;
  std::vector<ItemTopUsers> lists(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    auto& list = lists[static_cast<std::size_t>(r)];
    list.items = rows;
    list.users_per_item = n;
    const auto begin = got.begin() + static_cast<std::ptrdiff_t>(r) * rows * n;
    for (auto it = begin; it != begin + rows * n; ++it) {
      list.users.push_back(it->user);
      list.scores.push_back(it->score);
    }
  }
  got = {};
  const std::vector<RowId> offsets(static_cast<std::size_t>(ranks), 0);
  ItemTopUsers merged = merge_top_users(lists, offsets, n);
  lists = {};
  // (c) Each pair to its user's rank, with its slot in the whole list
  // (counted, then placed: one flat buffer).
  std::vector<std::size_t> next(static_cast<std::size_t>(ranks) + 1, 0);
  for (const RowId user : merged.users)
    if (user != kNoRow) ++next[static_cast<std::size_t>(user % ranks) + 1];
  for (int r = 0; r < ranks; ++r) {
    counts[static_cast<std::size_t>(r)] = mpi::checked_count(next[static_cast<std::size_t>(r) + 1]);
    next[static_cast<std::size_t>(r) + 1] += next[static_cast<std::size_t>(r)];
  }
  std::vector<SlotPair> route(next.back());
  for (std::int64_t slot = 0; slot < rows * n; ++slot) {
    const RowId user = merged.users[static_cast<std::size_t>(slot)];
    if (user == kNoRow) continue;
    route[next[static_cast<std::size_t>(user % ranks)]++] = {
        user / ranks, merged.scores[static_cast<std::size_t>(slot)], static_cast<std::int32_t>(mine.begin * n + slot)};
  }
  merged = {};
  const std::vector<SlotPair> arrived = mpi::exchange(route, counts, received);
  route = {};
  // (d) Into this rank's rows.
  std::vector<std::int32_t> row_of_user(shard.dataset.users.size(), -1);
  for (std::size_t r = 0; r < selection.users.size(); ++r)
    row_of_user[static_cast<std::size_t>(selection.users[r])] = static_cast<std::int32_t>(r);
  ItemTopUsers sparse = ItemTopUsers::empty(items, n);
  for (const SlotPair& p : arrived) {
    const std::int32_t row = row_of_user[static_cast<std::size_t>(local_user(shard, p.user))];
    INVR_CHECK(row >= 0);
    sparse.users[static_cast<std::size_t>(p.slot)] = row;
    sparse.scores[static_cast<std::size_t>(p.slot)] = p.score;
  }
  return sparse;
}

// The manifest rank 0 commits: the whole dataset's sizes, every rank's peak.
std::string manifest_json(const JobResult& result, const DatasetShard& shard, const TwoTowerModel& model,
                          const std::string& version, const JobConfig& config, nlohmann::ordered_json assignment,
                          int ranks) {
  job::DatasetSizes sizes = job::sizes_of(shard.dataset);
  sizes.users = shard.total_users;
  sizes.interactions = shard.total_interactions;
  nlohmann::ordered_json manifest =
      job::generation_manifest(result, sizes, shard.dataset, model, version, config, std::move(assignment));
  manifest["ranks"] = ranks;
  manifest["rank_peak_rss_bytes"] = result.rank_peak_rss_bytes;
  manifest["peak_rss_bytes"] = *std::max_element(result.rank_peak_rss_bytes.begin(), result.rank_peak_rss_bytes.end());
  return manifest.dump();
}

// Rank 0 begins the generation (and returns its writer); every other rank
// joins it as a part; each writes its users' lists. Sums the counts into
// `result`; returns once every part has finished.
std::unique_ptr<GenerationWriter> write_users(CandidateStore& store, const std::string& generation,
                                              const CandidateLists& lists, const Dataset& dataset, int rank,
                                              JobResult& result) {
  std::unique_ptr<GenerationWriter> writer;
  if (rank == 0) writer = store.begin_generation(generation);
  MPI_Barrier(MPI_COMM_WORLD);  // parts join a generation that exists
  std::unique_ptr<GenerationPart> part;
  if (rank != 0) part = store.join_generation(generation, rank);
  for (std::size_t u = 0; u < lists.users; ++u) {
    const StoredCandidates stored = to_stored(lists, static_cast<Index>(u), dataset.items);
    if (stored.empty()) continue;
    const std::string& id = dataset.users.id(static_cast<Index>(u));
    if (writer) writer->put(id, stored);
    else part->put(id, stored);
  }
  if (part) part->finish();
  std::vector<std::int64_t> totals{static_cast<std::int64_t>(lists.users_with_candidates())};
  for (Ordering o : kAllOrderings) totals.push_back(static_cast<std::int64_t>(lists.total(o)));
  mpi::all_reduce(totals, MPI_SUM);  // also the barrier: every part has finished
  result.users_with_candidates = static_cast<std::size_t>(totals[0]);
  for (std::size_t o = 0; o < kOrderings; ++o) result.candidates[o] = static_cast<std::size_t>(totals[o + 1]);
  return writer;
}

// Every selected item's and this rank's selected users' embeddings, and with
// spare_capacity = "displace" the users' displaced scores (over the items
// with the most events in the whole dataset, summed across ranks).
struct ShardEmbeddings {
  Matrix items, users;
  std::vector<double> displaced;  // per user of this rank, or empty
};
ShardEmbeddings embed_shard(const TwoTowerModel& model, const Dataset& dataset, const Selection& selection,
                            const EmbedOptions& embed, const JobConfig& config) {
  ShardEmbeddings out;
  out.users = model.embed_users(dataset, embed);
  job::keep_rows_in_place(out.users, selection.users);
  const Matrix all_items = model.embed_items(dataset, embed);
  out.items = gather_rows(all_items, selection.items);
  if (config.assignment_job.assign_targets && config.assignment.spare_capacity == "displace") {
    std::vector<double> events = job::item_events(dataset);
    mpi::all_reduce(events, MPI_SUM);  // the whole dataset's counts
    out.displaced = job::displaced_scores(all_items, events, view_of(out.users), selection.users,
                                          dataset.users.size(), config.assignment_job,
                                          static_cast<int>(config.retrieval.threads));
  }
  return out;
}
}  // namespace

JobResult run_job_sharded(const JobFiles& files, const JobConfig& config, const std::string& generation) {
  validate(config);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  JobResult result;
  job::StageClock clock(result.stages, rank == 0);

  // 1. This rank's users and their rows; every item.
  DatasetShard shard = load_shard(files, rank, ranks);
  const Dataset& dataset = shard.dataset;
  clock.done("load_data");
  const auto model = TwoTowerModel::load(files.model);
  clock.done("load_model");
  std::vector<double> quality;
  if (!files.producer_quality.empty()) quality = read_producer_quality(files.producer_quality, dataset);

  // 2. Selection by the whole dataset's figures.
  const Selection selection = select_and_carry(shard, config, quality, rank);
  const std::int64_t selected_users = mpi::sum(static_cast<std::int64_t>(selection.users.size()));
  result.selection = whole_selection(selection, shard);
  if (selection.items.empty() || selected_users == 0)
    throw Error("nothing for InvR to do: the selection is empty\n" + explain(result.selection));
  clock.done("select");

  // 3. Embeddings: every selected item, this rank's selected users.
  EmbedOptions embed;
  embed.as_of = selection.as_of;
  if (!config.job.cold_start.empty()) embed.cold_start = parse_cold_start(config.job.cold_start);
  ShardEmbeddings embedded = embed_shard(*model, dataset, selection, embed, config);
  Matrix items = std::move(embedded.items), users = std::move(embedded.users);
  clock.done("embed");
  // What the later steps need of the rows, then the rows go: from here on
  // a rank holds its users' ids and lists, not their logs.
  const SeenItems seen = seen_items(dataset, selection.as_of);
  std::optional<ShardAssignInputs> assign_inputs;
  if (config.assignment_job.assign_targets) {
    assign_inputs = assignment_inputs(dataset, selection, config);
    assign_inputs->displaced = std::move(embedded.displaced);
  }
  result.memory.dataset_bytes = dataset_bytes(dataset);
  shard.dataset.interactions = Interactions();

  // 4. Local search, then the exchange that makes each item's whole top N.
  const std::int64_t n = config.retrieval.top_users_per_item;
  ItemTopUsers local = top_users_per_item(view_of(items), view_of(users), config.retrieval);
  result.memory.embedding_bytes = users.data.capacity() * sizeof(float) + items.data.capacity() * sizeof(float);
  users = Matrix();
  items = Matrix();
  clock.done("retrieve");
  ItemTopUsers top = exchange_top_users(std::move(local), selection, shard, n, rank, ranks);
  clock.done("exchange");

  // 5. This rank's users' lists.
  CandidateLists lists = invert(top, selection.items, selection.users, dataset.users.size(), seen,
                                config.inversion, shard.global_user);
  clock.done("invert");
  result.memory.top_users_bytes = top.users.capacity() * sizeof(RowId) + top.scores.capacity() * sizeof(float);
  std::optional<job::AssignmentStage> assigned;
  if (assign_inputs) {
    assigned = assign_sharded(std::move(top), selection, shard, seen, *assign_inputs, config, lists, rank, ranks);
    if (assigned) {
      result.assignment = assigned->assignment.summary;
      result.item_target = assigned->item_target;
      invr::logger().info("job: assignment: {} of {} items short of {} impressions, gap {:.3g}",
                          result.assignment.items_short, selection.items.size(), result.item_target,
                          result.assignment.gap);
    }
    clock.done("assign");
  }
  for (std::size_t o = 0; o < kOrderings; ++o)
    result.memory.candidate_bytes += lists.lists[o].capacity() * sizeof(Candidate) +
                                     lists.offsets[o].capacity() * sizeof(std::uint64_t);

  // 6. Rank 0 begins the generation, every rank writes its users, rank 0
  // adds the parts and commits once.
  StoreOptions store_options;
  store_options.grace_seconds = config.job.grace_seconds;
  const auto store = open_store(config.job.store, store_options);
  std::unique_ptr<GenerationWriter> writer = write_users(*store, generation, lists, dataset, rank, result);
  clock.done("write");

  std::uint64_t peak = job::peak_rss_bytes();
  result.rank_peak_rss_bytes.assign(static_cast<std::size_t>(ranks), 0);
  MPI_Gather(&peak, 1, MPI_UINT64_T, result.rank_peak_rss_bytes.data(), 1, MPI_UINT64_T, 0, MPI_COMM_WORLD);
  if (rank != 0) return result;
  for (int r = 1; r < ranks; ++r) writer->add_part(r);
  writer->commit(manifest_json(result, shard, *model, model_version(files.model), config,
                               assigned ? job::assignment_json(*assigned, dataset, result.selection)
                                        : nlohmann::ordered_json(),
                               ranks));
  clock.done("commit");
  result.generation = generation;
  result.store_uri = store->uri();
  result.manifest = store->manifest(generation);
  return result;
}

}  // namespace invr
