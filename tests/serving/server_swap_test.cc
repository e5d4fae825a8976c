// Candidate freshness under load on a small synthetic world: generations
// committed by an external job while clients request, and the embedded
// scheduler running the job itself. Either way: zero non-2xx responses, and
// the served generation moves.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "invr/job.h"
#include "invr/server.h"
#include "invr/atomic_io.h"
#include "serving/server_test_util.h"

namespace invr {
namespace {
using namespace std::chrono_literals;

// A random world (seeded): 20 producers, 200 items published over 5 days,
// 300 users with impressions and clicks, saved as world.{inter,item,user};
// a precomputed model of random vectors; a RocksDB store with generation
// gen-1 written by the job. (The synthetic world generator lives in
// invr_synth, which this test binary does not link.)
struct SynthServing {
  test::TempDir dir;
  JobFiles files;
  JobConfig job;
  std::size_t users = 300;

  SynthServing() {
    constexpr std::size_t kItems = 200, kProducers = 20, kDim = 8;
    constexpr double kEnd = 1704499200, kDay = 86400;
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> unit(0, 1);
    std::normal_distribution<float> normal(0, 1);
    Dataset d;
    d.name = "world";
    for (std::size_t p = 0; p < kProducers; ++p) d.producers.add(fmt::format("p{}", p));
    for (std::size_t i = 0; i < kItems; ++i) {
      d.items.add(fmt::format("i{}", i));
      d.item_table.push_back(static_cast<Index>(i % kProducers), kEnd - 5 * kDay * unit(rng), {});
    }
    for (std::size_t u = 0; u < users; ++u) d.users.add(fmt::format("u{}", u));
    for (std::size_t u = 0; u < users; ++u)
      for (int e = 0; e < 20; ++e) {
        const auto item = static_cast<Index>(rng() % kItems);
        const double t = std::max(d.item_table.publish_time[static_cast<std::size_t>(item)],
                                  kEnd - 5 * kDay * unit(rng));
        d.interactions.push_back(static_cast<Index>(u), item, t,
                                 e % 4 == 0 ? EventType::click : EventType::impression, 1);
      }
    save_atomic(d, dir / "world", "world");
    Matrix items(kItems, kDim), user_rows(users, kDim);
    for (float& x : items.data) x = normal(rng);
    for (float& x : user_rows.data) x = normal(rng);
    test::write_precomputed_model(dir / "model", items, d.items, user_rows, d.users);
    files.data = (dir / "world").string();
    files.model = (dir / "model").string();
    job.job.store = "rocksdb:" + (dir / "store").string();
    job.retrieval.top_users_per_item = 20;
    job.retrieval.threads = 1;
    job.inversion.max_candidates_per_user = 10;
    job.inversion.threads = 1;
    run("gen-1");
  }

  JobResult run(const std::string& generation) {
    JobFiles with_id = files;
    with_id.generation = generation;
    return run_job_from_files(with_id, job);
  }

  ServerConfig config() const {
    ServerConfig config;
    config.serve.data = files.data;
    config.serve.model = files.model;
    config.serve.port = 0;
    config.serve.http_threads = 4;
    config.serve.access_log = "off";
    config.job = job;
    return config;
  }
};

// Clients requesting the invr-user-rank slate of user after user until told
// to stop, recording statuses and the generations they were served.
struct LoadLoop {
  std::atomic<bool> done{false};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::atomic<int> misplaced{0};  // InvR items outside slots 3 and 8
  std::mutex mutex;
  std::set<std::string> generations;
  std::vector<std::thread> threads;

  LoadLoop(int port, std::size_t users, int clients) {
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([this, port, users, c] {
        httplib::Client client("127.0.0.1", port);
        client.set_keep_alive(true);
        for (std::size_t k = static_cast<std::size_t>(c); !done; k += 7) {
          const auto result = client.Get(fmt::format(
              "/v1/recommend?user=u{}&n=10&arm=invr-user-rank", k % users));
          if (!result || result->status != 200) {
            ++failed;
            continue;
          }
          ++ok;
          const auto json = nlohmann::json::parse(result->body);
          for (const auto& item : json["items"])
            if (item["source"] == "invr" && item["position"] != 3 && item["position"] != 8) ++misplaced;
          if (json["generation"].is_string()) {
            std::lock_guard lock(mutex);
            generations.insert(json["generation"].get<std::string>());
          }
        }
      });
  }
  void stop() {
    done = true;
    for (auto& t : threads) t.join();
  }
};

bool wait_for(const std::function<bool()>& condition, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

TEST(ServerSwap, GenerationsCommittedUnderLoadSwitchWithoutAFailedRequest) {
  SynthServing synth;
  ServerConfig config = synth.config();
  config.serve.refresh_seconds = 0.05;
  Server server(config);
  server.start();
  EXPECT_EQ(server.generation(), "gen-1");

  LoadLoop load(server.port(), synth.users, 2);
  std::this_thread::sleep_for(200ms);
  synth.run("gen-2");
  std::this_thread::sleep_for(200ms);
  synth.run("gen-3");
  EXPECT_TRUE(wait_for([&] { return server.generation() == "gen-3"; }, 10s));
  std::this_thread::sleep_for(200ms);
  load.stop();

  EXPECT_EQ(load.failed, 0);
  EXPECT_EQ(load.misplaced, 0);
  EXPECT_GT(load.ok, 20);
  EXPECT_TRUE(load.generations.count("gen-1")) << "no request served before the swap";
  EXPECT_TRUE(load.generations.count("gen-3")) << "no request served after the swap";
  // Two commits: the refresher saw at least the last (possibly both).
  const auto metrics = test::http_get(server.port(), "/metrics").body;
  const auto at = metrics.find("\ninvr_generation_switches_total ");
  ASSERT_NE(at, std::string::npos) << metrics;
  const int switches = std::stoi(metrics.substr(at + 32));
  EXPECT_GE(switches, 1);
  EXPECT_LE(switches, 2);
}

TEST(ServerSwap, TheEmbeddedSchedulerRunsTheJobAndTheServerFollows) {
  SynthServing synth;
  ServerConfig config = synth.config();
  config.serve.embedded_job = true;
  config.serve.job_interval_seconds = 1;
  config.serve.refresh_seconds = 0;  // only the scheduler moves the pin
  Server server(config);
  server.start();
  LoadLoop load(server.port(), synth.users, 2);
  EXPECT_TRUE(wait_for([&] { return server.generation() != "gen-1"; }, 60s))
      << "the embedded job never committed";
  std::this_thread::sleep_for(200ms);
  load.stop();
  EXPECT_EQ(load.failed, 0);
  EXPECT_EQ(load.misplaced, 0);
  EXPECT_GE(load.generations.size(), 2u);
  const auto metrics = test::http_get(server.port(), "/metrics").body;
  EXPECT_NE(metrics.find("invr_job_last_duration_seconds"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("invr_job_runs_total{result=\"error\"} 0\n"), std::string::npos) << metrics;
  server.stop();  // waits for a job in progress
}

}  // namespace
}  // namespace invr
