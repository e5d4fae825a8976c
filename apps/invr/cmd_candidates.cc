// invr candidates: look inside a candidate store (docs/store.md) — which
// generations it keeps, a generation's manifest, one user's lists — or roll
// it back to the previous generation (--rollback; docs/deployment.md).
#include <iostream>

#include <nlohmann/json.hpp>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/store.h"

namespace invr::cli {
namespace {

struct CandidatesArgs {
  std::string store;
  std::string generation;
  std::vector<std::string> users;
  bool manifest = false;
  bool rollback = false;
  std::string compare;  // another store
  std::string data;     // whose users --compare reads
};

nlohmann::ordered_json lists_json(const StoredCandidates& lists) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (Ordering o : kAllOrderings) {
    auto rows = nlohmann::ordered_json::array();
    for (const auto& c : lists.of(o))
      rows.push_back({{"item", c.item}, {"score", c.score}, {"user_rank", c.user_rank}});
    out[ordering_name(o)] = rows;
  }
  return out;
}

// Every dataset user's lists in both generations: equal or not. For checking
// that two ways of running the job (one process, sharded) wrote the same.
int compare_stores(const CandidateStore& store, const std::string& generation, const CandidatesArgs& args) {
  if (args.data.empty()) throw UsageError("--compare needs --data: the dataset whose users to compare");
  StoreOptions options;
  options.create_if_missing = false;
  const auto other = open_store(args.compare, options);
  const std::string other_generation = args.generation.empty() ? other->current().value_or("") : generation;
  if (other_generation.empty()) throw Error(args.compare + " has no committed generation yet");
  AtomicLoadOptions load;
  load.progress = false;
  const Dataset dataset = load_atomic(args.data, "", load);
  std::size_t with_lists = 0, differing = 0;
  nlohmann::ordered_json first = nullptr;
  for (std::size_t u = 0; u < dataset.users.size(); ++u) {
    const std::string& user = dataset.users.id(static_cast<Index>(u));
    const auto a = store.get(generation, user);
    const auto b = other->get(other_generation, user);
    with_lists += a.has_value();
    if (a == b) continue;
    if (differing++ == 0)
      first = {{"user", user},
               {"store", a ? lists_json(*a) : nlohmann::ordered_json(nullptr)},
               {"compare", b ? lists_json(*b) : nlohmann::ordered_json(nullptr)}};
  }
  nlohmann::ordered_json out = {{"store", store.uri()},          {"generation", generation},
                                {"compare", other->uri()},       {"compare_generation", other_generation},
                                {"users", dataset.users.size()}, {"users_with_lists", with_lists},
                                {"differing_users", differing},  {"first_difference", first}};
  std::cout << out.dump(2) << '\n';
  return differing == 0 ? 0 : 1;
}

int run_candidates(const CandidatesArgs& args) {
  StoreOptions options;
  options.create_if_missing = false;  // a typo must not look like an empty store
  const auto store = open_store(args.store, options);
  if (args.rollback) {
    if (args.manifest || !args.users.empty() || !args.generation.empty())
      throw UsageError("--rollback takes no --generation, --user or --manifest");
    const auto from = store->current();
    const std::string to = store->rollback();
    nlohmann::ordered_json out = {{"store", store->uri()}, {"rolled_back_from", from.value_or("")},
                                  {"current", to}};
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  const auto current = store->current();
  const std::string generation = args.generation.empty() ? current.value_or("") : args.generation;
  if ((args.manifest || !args.users.empty() || !args.compare.empty()) && generation.empty())
    throw Error(args.store + " has no committed generation yet");
  if (!args.compare.empty()) return compare_stores(*store, generation, args);
  if (args.manifest) {
    std::cout << nlohmann::json::parse(store->manifest(generation)).dump(2) << '\n';
    return 0;
  }
  if (!args.users.empty()) {
    nlohmann::ordered_json out = {{"generation", generation}, {"users", nlohmann::ordered_json::object()}};
    for (const auto& user : args.users) {
      const auto lists = store->get(generation, user);
      out["users"][user] = lists ? lists_json(*lists) : nlohmann::ordered_json(nullptr);
    }
    std::cout << out.dump(2) << '\n';
    return 0;
  }
  nlohmann::ordered_json out = {{"store", store->uri()},
                                {"current", current ? nlohmann::ordered_json(*current) : nullptr},
                                {"generations", nlohmann::ordered_json::array()}};
  for (const auto& g : store->generations())
    out["generations"].push_back({{"id", g.id}, {"commit_time_ms", g.commit_time_ms}});
  std::cout << out.dump(2) << '\n';
  return 0;
}

std::function<int()> setup_candidates(CLI::App& app) {
  auto args = std::make_shared<CandidatesArgs>();
  app.footer(
      "Without --user or --manifest: the kept generations and the served one.\n"
      "--rollback serves the previous generation again (servers follow at their next refresh).\n"
      "Example: invr candidates --store rocksdb:out/demo/store --user u42\n"
      "         invr candidates --store rocksdb:out/demo/store --rollback");
  app.add_option("--store", args->store, "Store URI: rocksdb:PATH, PATH or redis://HOST:PORT")
      ->required();
  app.add_option("--generation", args->generation, "Generation id (default: the served one)");
  app.add_option("--user", args->users, "Print this user's lists in every ordering (repeatable)");
  app.add_flag("--manifest", args->manifest, "Print the generation's manifest");
  app.add_option("--compare", args->compare,
                 "Compare every user's lists with this store's (same --generation, or each one's served "
                 "generation); exit 1 when any differ")
      ->excludes("--user", "--manifest");
  app.add_option("--data", args->data, "With --compare: the dataset folder whose users are compared");
  app.add_flag("--rollback", args->rollback,
               "Make the previous readable generation current again (refused if there is none)");
  return [args] { return run_candidates(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("candidates", "Inspect a candidate store (generations, manifests, a user's lists) or roll it back",
             invr::cli::setup_candidates);
