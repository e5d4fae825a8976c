// The CandidateStore contract, run against both backends.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <thread>

#include "store_test_util.h"

namespace invr::test {
namespace {

class StoreContract : public ::testing::TestWithParam<std::string> {};

TEST_P(StoreContract, RoundTripsEveryOrderingUnicodeIdsAndEmptyLists) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  EXPECT_EQ(store->current(), std::nullopt);
  EXPECT_TRUE(store->generations().empty());

  StoredCandidates rich;
  rich.by_ordering[0] = {{"b-ü", 0.5f, 2}, {"a", -1.25f, 1}};
  rich.by_ordering[1] = {{"a", -1.25f, 1}, {"b-ü", 0.5f, 2}};
  rich.by_ordering[2] = {{"日本", 3.0e-8f, 1000000}};
  StoredCandidates only_score;
  only_score.by_ordering[1] = {{"x", 1.0f, 1}};
  auto writer = store->begin_generation("g1");
  EXPECT_EQ(writer->id(), "g1");
  writer->put("usér-ö", rich);
  writer->put("empty", StoredCandidates{});
  writer->put("only-score", only_score);
  writer->put("", rich);  // the empty id is an id too
  EXPECT_EQ(writer->users_written(), 4u);
  writer->commit(R"({"model_version":"m-7","counts":{"users":4}})");

  EXPECT_EQ(store->current(), "g1");
  EXPECT_EQ(store->get("g1", "usér-ö"), rich);
  EXPECT_EQ(store->get("g1", "empty"), StoredCandidates{});
  EXPECT_EQ(store->get("g1", "only-score"), only_score);
  EXPECT_EQ(store->get("g1", ""), rich);
  EXPECT_EQ(store->get("g1", "nobody"), std::nullopt);
  const auto manifest = nlohmann::json::parse(store->manifest("g1"));
  EXPECT_EQ(manifest["model_version"], "m-7");
  EXPECT_EQ(manifest["counts"]["users"], 4);
  EXPECT_EQ(manifest["generation"], "g1");
  EXPECT_EQ(manifest["stored_users"], 4);
  const auto generations = store->generations();
  ASSERT_EQ(generations.size(), 1u);
  EXPECT_EQ(generations[0].id, "g1");
  EXPECT_EQ(manifest["commit_time_ms"], generations[0].commit_time_ms);
  auto reader = store->reader();
  EXPECT_EQ(reader->generation(), "g1");
  EXPECT_EQ(reader->get("usér-ö"), rich);
  EXPECT_EQ(reader->get("nobody"), std::nullopt);
}

TEST_P(StoreContract, ReadersSeeThePreviousGenerationUntilCommitThenRefresh) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  auto reader = store->reader();
  EXPECT_EQ(reader->generation(), std::nullopt);
  EXPECT_EQ(reader->get(user_name(1)), std::nullopt);
  EXPECT_FALSE(reader->refresh());
  write_generation(*store, "a", 50, 1);
  EXPECT_TRUE(reader->refresh());
  EXPECT_EQ(reader->get(user_name(5)), sample_candidates(5, 1));

  auto writer = store->begin_generation("b");
  for (int u = 0; u < 60; ++u) writer->put(user_name(u), sample_candidates(u, 2));
  EXPECT_EQ(store->current(), "a");
  EXPECT_FALSE(reader->refresh());
  EXPECT_EQ(reader->get(user_name(55)), std::nullopt);
  EXPECT_THROW(store->get("b", user_name(1)), UsageError);  // not committed
  writer->commit("{}");

  EXPECT_EQ(store->current(), "b");
  EXPECT_EQ(reader->generation(), "a");  // pinned until refresh
  EXPECT_EQ(reader->get(user_name(5)), sample_candidates(5, 1));
  EXPECT_TRUE(reader->refresh());
  EXPECT_FALSE(reader->refresh());
  EXPECT_EQ(reader->generation(), "b");
  EXPECT_EQ(reader->get(user_name(55)), sample_candidates(55, 2));
  EXPECT_TRUE(holds_generation(*store, "a", 50, 1));  // kept within grace
  EXPECT_TRUE(holds_generation(*store, "b", 60, 2));
}

TEST_P(StoreContract, AnAbortedWriterLeavesNothingAndTheIdCanBeWrittenAgain) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  write_generation(*store, "a", 20, 1);
  {
    auto writer = store->begin_generation("b");
    for (int u = 0; u < 30; ++u) writer->put(user_name(u), sample_candidates(u, 2));
  }  // destroyed uncommitted
  EXPECT_EQ(store->current(), "a");
  ASSERT_EQ(store->generations().size(), 1u);
  EXPECT_THROW(store->get("b", user_name(1)), UsageError);
  auto writer = store->begin_generation("b");
  writer->put(user_name(1), sample_candidates(1, 3));
  writer->abort();
  writer->abort();
  EXPECT_THROW(writer->put(user_name(2), sample_candidates(2, 3)), UsageError);
  write_generation(*store, "b", 25, 4);
  EXPECT_TRUE(holds_generation(*store, "b", 25, 4));
}

TEST_P(StoreContract, MisuseIsAUsageErrorAndChangesNothing) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  write_generation(*store, "a", 5, 1);
  EXPECT_THROW(store->begin_generation("a"), UsageError);
  EXPECT_THROW(store->begin_generation("bad/id"), UsageError);
  EXPECT_THROW(store->manifest("nope"), UsageError);
  EXPECT_THROW(store->get("nope", "u"), UsageError);
  auto writer = store->begin_generation("b");
  writer->put(user_name(1), sample_candidates(1, 2));
  EXPECT_THROW(writer->commit("[1, 2]"), UsageError);
  EXPECT_THROW(writer->commit("{broken"), UsageError);
  EXPECT_EQ(store->current(), "a");
  writer->commit(R"({"ok":true})");  // still usable after a refused manifest
  EXPECT_EQ(store->current(), "b");
  EXPECT_THROW(writer->commit("{}"), UsageError);
  EXPECT_THROW(writer->put("u", {}), UsageError);
}

TEST_P(StoreContract, OldGenerationsAreRemovedOnlyAfterGraceAndNeverTheCurrent) {
  INVR_STORE_BACKEND_SETUP(factory);
  const std::string uri = factory.new_uri();
  StoreOptions patient;
  patient.grace_seconds = 3600;
  auto store = open_store(uri, patient);
  write_generation(*store, "a", 10, 1);
  write_generation(*store, "b", 10, 2);
  write_generation(*store, "c", 10, 3);
  EXPECT_TRUE(store->remove_expired().empty());
  EXPECT_EQ(store->generations().size(), 3u);
  EXPECT_TRUE(holds_generation(*store, "a", 10, 1));

  // The same store seen by a process whose grace has passed for a and b.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  StoreOptions hasty;
  hasty.grace_seconds = 0.005;
  auto cleaner = open_store(uri, hasty);
  EXPECT_EQ(cleaner->remove_expired(), (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(store->generations().size(), 1u);
  EXPECT_EQ(store->generations()[0].id, "c");
  EXPECT_THROW(store->get("a", user_name(1)), UsageError);
  EXPECT_TRUE(holds_generation(*store, "c", 10, 3));
  EXPECT_TRUE(cleaner->remove_expired().empty());  // the current one stays
  EXPECT_EQ(store->current(), "c");

  // With grace 0 a commit itself removes the generation it replaces.
  hasty.grace_seconds = 0;
  auto eager = open_store(uri, hasty);
  write_generation(*eager, "d", 10, 4);
  ASSERT_EQ(store->generations().size(), 1u);
  EXPECT_EQ(store->generations()[0].id, "d");
}

TEST_P(StoreContract, AReaderInAnotherProcessSeesCommits) {
  INVR_STORE_BACKEND_SETUP(factory);
  const std::string uri = factory.new_uri();
  auto store = open_store(uri);
  write_generation(*store, "a", 40, 1);
  int to_child[2];
  ASSERT_EQ(::pipe(to_child), 0);
  Child server = fork_child([&](int to_parent) {
    ::close(to_child[1]);
    auto reader = open_store(uri)->reader();
    if (reader->generation() != "a" || reader->get(user_name(7)) != sample_candidates(7, 1)) ::_exit(10);
    report(to_parent, 'r');
    char go;
    if (::read(to_child[0], &go, 1) != 1) ::_exit(11);
    if (!reader->refresh() || reader->generation() != "b") ::_exit(12);
    for (int u = 0; u < 45; ++u) {
      if (reader->get(user_name(u)) != sample_candidates(u, 2)) ::_exit(13);
    }
    report(to_parent, 'k');
  });
  ::close(to_child[0]);
  char ready = 0;
  ASSERT_EQ(::read(server.from_child, &ready, 1), 1);
  EXPECT_EQ(ready, 'r');
  write_generation(*store, "b", 45, 2);
  report(to_child[1], 'g');
  ::close(to_child[1]);
  const std::string rest = read_all(server.from_child);
  EXPECT_EQ(wait_child(server.pid), 0) << rest;
  EXPECT_EQ(rest, "k");
}

TEST_P(StoreContract, ConcurrentGetsSeeOneWholeGenerationEachWhileCommitsAndRefreshesRun) {
  INVR_STORE_BACKEND_SETUP(factory);
  auto store = open_store(factory.new_uri());
  constexpr int kUsers = 60;
  write_generation(*store, "g0", kUsers, 0);
  auto reader = store->reader();
  std::atomic<bool> stop{false};
  std::atomic<int> wrong{0};
  std::atomic<long> gets{0};
  std::vector<std::thread> servers;
  for (int t = 0; t < 4; ++t) {
    servers.emplace_back([&, t] {
      for (int i = t; !stop; i += 7) {
        const int user = 1 + i % (kUsers - 1);
        const auto got = reader->get(user_name(user));
        bool ok = false;
        for (int tag = 0; tag < 4 && !ok; ++tag) ok = got == sample_candidates(user, tag);
        if (!ok) ++wrong;
        ++gets;
      }
    });
  }
  for (int tag = 1; tag < 4; ++tag) {
    write_generation(*store, "g" + std::to_string(tag), kUsers, tag);
    EXPECT_TRUE(reader->refresh());
  }
  while (gets < 400) std::this_thread::yield();
  stop = true;
  for (auto& thread : servers) thread.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(reader->generation(), "g3");
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract, ::testing::Values("rocksdb", "redis"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace invr::test
