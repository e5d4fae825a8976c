// The world the fault-suite job tests run the real `invr job` on: a
// generated world (1500 users, 400 items) and the circle model over its ids,
// and a check that a generation holds exactly a reference run's lists.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "invr/store.h"
#include "test_util.h"

namespace invr::test {

constexpr int kJobWorldUsers = 1500;
constexpr int kJobWorldItems = 400;

struct JobCliWorld {
  std::string world, model;

  // Writes the world and the model into `dir`; false (with the reason in
  // `failure`) if `invr generate` fails.
  bool write(const std::filesystem::path& dir, std::string& failure) {
    world = (dir / "world").string();
    model = (dir / "model").string();
    const auto generated = run_cli("-q generate --users " + std::to_string(kJobWorldUsers) + " --items " +
                                   std::to_string(kJobWorldItems) + " --publishers 40 --days 7 --seed 5 --out " +
                                   world);
    failure = generated.err;
    if (generated.exit_code != 0) return false;
    write_circle_model(model, kJobWorldItems, kJobWorldUsers);  // ids u<n>, i<n>: the generated world's
    return true;
  }

  std::vector<std::string> job_args(const std::string& store, const std::string& generation,
                                    const std::string& grace_seconds = "3600") const {
    return {"job", "--model", model, "--data", world, "--store", store, "--max-item-age-days", "0",
            "--top-users-per-item", "80", "--max-candidates-per-user", "20", "--generation", generation,
            "--grace-seconds", grace_seconds};
  }
  // The same as one shell-ready argument string for run_cli (no quoting needed: temp paths).
  std::string job_command(const std::string& store, const std::string& generation) const {
    std::string out = "-q";
    for (const std::string& arg : job_args(store, generation)) out += " " + arg;
    return out;
  }
};

using UserLists = std::map<std::string, StoredCandidates>;  // users with candidates only

inline UserLists read_generation(const CandidateStore& store, const std::string& generation) {
  UserLists lists;
  for (int u = 0; u < kJobWorldUsers; ++u)
    if (auto got = store.get(generation, "u" + std::to_string(u))) lists.emplace("u" + std::to_string(u), *got);
  return lists;
}

// Every `stride`-th user's lists in `generation` equal `reference`'s (the job
// is deterministic, so every generation of the same inputs holds the same
// lists); with stride 1 the manifest's user count must match too (complete).
inline ::testing::AssertionResult holds_lists(const CandidateStore& store, const std::string& generation,
                                              const UserLists& reference, int stride = 1) {
  try {
    const auto manifest = nlohmann::json::parse(store.manifest(generation));
    std::size_t stored = 0;
    for (int u = 0; u < kJobWorldUsers; u += stride) {
      const std::string user = "u" + std::to_string(u);
      const auto got = store.get(generation, user);
      const auto expected = reference.find(user);
      stored += got.has_value();
      if (got.has_value() != (expected != reference.end()) || (got && *got != expected->second))
        return ::testing::AssertionFailure() << generation << ": " << user << "'s lists differ from the reference";
    }
    if (stride == 1 && manifest.at("stored_users").get<std::size_t>() != stored)
      return ::testing::AssertionFailure() << generation << ": the manifest says " << manifest.at("stored_users")
                                           << " users, " << stored << " read";
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << generation << ": " << e.what();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace invr::test
