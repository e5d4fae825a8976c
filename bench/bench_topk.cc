// Top-k retrieval benchmark: exact top-k against its own ceiling (the bare
// sgemm) and against FAISS IndexFlatIP, then FAISS HNSW and IVF recall and
// speed against exact. Run through scripts/bench_topk.sh; docs/retrieval.md
// explains the columns and the bars.
//
// Shapes follow InvR: queries are items, the base is users. Every method gets
// the same thread count. Effective GFLOP/s is 2*n*m*d / time for every method
// (also the ones that skip work), so columns compare directly.
#include <cblas.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "invr/npy.h"
#include "invr/retrieval.h"
#include "retrieval/threads.h"

extern "C" char* openblas_get_corename(void);
#include "retrieval/topk_block.h"

namespace {
using invr::RowId;
using json = nlohmann::json;

struct Options {
  int threads = 0;
  int dim = 64;
  std::vector<int> ks = {100, 1000};
  bool large = false;
  bool quick = false;
  bool skip_approx = false;
  bool skip_exact = false;
  bool skip_faiss = false;
  bool variants = false;  // also time the OpenBLAS-threaded exact variant
  std::string data = "gaussian";
  std::string approx_data = "clustered";
  std::vector<std::string> shapes;  // "ITEMSxUSERS", overriding the defaults
  std::string json_path;
  std::string cli;  // invr binary: also time `invr topk` end to end
  int query_block = 0;
  int base_block = 0;
  int approx_queries = 1000;
  std::int64_t approx_users = 0;  // 0: 1M with 8+ threads, else 100k (HNSW build time)
  int hnsw_m = 32;
  int ef_construction = 64;
  std::vector<int> ef_search = {128, 256, 512};
  int nlist = 1024;
  std::vector<int> nprobe = {16, 32, 64};
  std::vector<std::string> indexes = {"hnsw", "ivf", "ivf-int8"};
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// --clock cpu: process CPU seconds divided by the thread count instead of
// wall seconds. On a shared machine wall time counts the time other jobs hold
// the cores; CPU time does not (but counts OpenMP spin-waiting against FAISS).
bool g_cpu_clock = false;
int g_threads = 1;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Best of `repeats` runs (fewer for slow ones): the machine is shared.
// Runs argv[0] with stdout to /dev/null and waits; throws unless it exits 0.
void run_quietly(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (spawned != 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("failed: " + argv[0] + " " + argv[2]);
}

double time_best(const std::function<void()>& run, int repeats) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    run();
    const double wall = seconds_since(start);
    const double t = g_cpu_clock ? (cpu_seconds() - cpu_start) / g_threads : wall;
    best = std::min(best, t);
    if (wall > 2.0) break;
  }
  return best;
}

std::vector<float> make_data(std::int64_t rows, int dim, const std::string& kind, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> out(static_cast<std::size_t>(rows * dim));
  if (kind == "gaussian") {
    for (auto& x : out) x = normal(rng);
    return out;
  }
  // "clustered": 1000 shared centres plus noise of the same scale, a
  // stand-in for trained embeddings, which are far from isotropic.
  constexpr int kCentres = 1000;
  std::mt19937_64 centre_rng(12345);
  std::vector<float> centres(static_cast<std::size_t>(kCentres * dim));
  for (auto& x : centres) x = normal(centre_rng);
  std::uniform_int_distribution<int> pick(0, kCentres - 1);
  for (std::int64_t r = 0; r < rows; ++r) {
    const int c = pick(rng);
    for (int j = 0; j < dim; ++j)
      out[static_cast<std::size_t>(r * dim + j)] =
          centres[static_cast<std::size_t>(c * dim + j)] + normal(rng);
  }
  return out;
}

// The ceiling for exact top-k: the same block products, written to per-worker
// scratch, no selection. Every (query block, base block) product is its own
// work unit, so the workers stay busy at any shape; single-threaded OpenBLAS
// per worker as in exact_search.
void sgemm_blocked(const float* queries, std::int64_t n, const float* base, std::int64_t m, int dim,
                   int threads, std::int64_t qb, std::int64_t bb) {
  invr::set_blas_threads(1);
  const std::int64_t query_blocks = (n + qb - 1) / qb;
  const std::int64_t base_blocks = (m + bb - 1) / bb;
  const std::int64_t units = query_blocks * base_blocks;
  std::atomic<std::int64_t> next{0};
  std::atomic<float> sink{0};
  auto work = [&] {
    std::vector<float> product(static_cast<std::size_t>(qb * bb));
    float keep = 0;
    for (std::int64_t u = next++; u < units; u = next++) {
      const std::int64_t q0 = (u / base_blocks) * qb;
      const std::int64_t b0 = (u % base_blocks) * bb;
      const std::int64_t rows_q = std::min(qb, n - q0);
      const std::int64_t rows_b = std::min(bb, m - b0);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows_q),
                  static_cast<int>(rows_b), dim, 1.0f, queries + q0 * dim, dim, base + b0 * dim,
                  dim, 0.0f, product.data(), static_cast<int>(rows_b));
      keep += product[0];
    }
    sink = sink + keep;  // keeps the products observable
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

// The alternative the design rejected: one OpenBLAS-threaded sgemm per large
// block, then selection split over the workers.
void exact_blas_threaded(const float* queries, std::int64_t n, const float* base, std::int64_t m,
                         int dim, int k, int threads, float* scores, RowId* ids) {
  constexpr std::int64_t qb = 1024;
  constexpr std::int64_t bb = 4096;
  invr::set_blas_threads(threads);
  std::vector<float> product(static_cast<std::size_t>(qb * bb));
  std::vector<invr::retrieval::TopkBlock> lists(static_cast<std::size_t>(threads));
  for (std::int64_t q0 = 0; q0 < n; q0 += qb) {
    const std::int64_t rows_q = std::min(qb, n - q0);
    const std::int64_t per = (rows_q + threads - 1) / threads;
    for (int t = 0; t < threads; ++t)
      lists[static_cast<std::size_t>(t)].reset(static_cast<int>(per), k, m);
    for (std::int64_t b0 = 0; b0 < m; b0 += bb) {
      const std::int64_t rows_b = std::min(bb, m - b0);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(rows_q),
                  static_cast<int>(rows_b), dim, 1.0f, queries + q0 * dim, dim, base + b0 * dim, dim,
                  0.0f, product.data(), static_cast<int>(rows_b));
      std::vector<std::thread> pool;
      for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
          for (std::int64_t q = t * per; q < std::min(rows_q, (t + 1) * per); ++q)
            lists[static_cast<std::size_t>(t)].offer_row(static_cast<int>(q - t * per),
                                                         product.data() + q * rows_b, rows_b, b0);
        });
      }
      for (auto& th : pool) th.join();
    }
    for (int t = 0; t < threads; ++t)
      for (std::int64_t q = t * per; q < std::min(rows_q, (t + 1) * per); ++q)
        lists[static_cast<std::size_t>(t)].finish(static_cast<int>(q - t * per),
                                                   scores + (q0 + q) * k, ids + (q0 + q) * k);
  }
}

double recall(const std::vector<RowId>& found, const std::vector<RowId>& truth, int k) {
  return invr::topk_recall(found, truth, k);
}

struct Shape {
  std::int64_t queries;
  std::int64_t users;
};

void run_exact_shapes(const Options& opt, int threads, json& out) {
  std::vector<Shape> shapes = {{1000, 100'000}, {10'000, 100'000}, {1000, 1'000'000}, {2000, 1'000'000}};
  if (opt.quick) shapes = {{1000, 100'000}, {2000, 300'000}};
  if (opt.large) shapes.push_back({50'000, 2'000'000});
  if (!opt.shapes.empty()) shapes.clear();
  for (const std::string& text : opt.shapes) {
    const auto x = text.find('x');
    shapes.push_back({std::stoll(text.substr(0, x)), std::stoll(text.substr(x + 1))});
  }
  const std::int64_t qb = opt.query_block > 0 ? opt.query_block : 256;
  const std::int64_t bb = opt.base_block > 0 ? opt.base_block : 1024;
  std::printf("\nExact top-k, d=%d, %d threads (GFLOP/s = 2*n*m*d/time); int8 filter %s\n", opt.dim,
              threads, invr::exact_int8_filter_supported() ? "on (512+ queries, 65,536+ rows)" : "unavailable on this CPU");
  std::printf("%8s %9s %5s | %8s %7s | %8s %7s | %8s %7s | %10s %10s | %9s%s%s\n", "items", "users",
              "k", "sgemm s", "GF/s", "exact s", "GF/s", "faiss s", "GF/s", "exact/sgemm",
              "exact/faiss", "no-int8 s", opt.cli.empty() ? "" : " | cli s   faiss/cli",
              opt.variants ? " | blas-thr s" : "");
  for (const Shape& shape : shapes) {
    const auto queries = make_data(shape.queries, opt.dim, opt.data, 1);
    const auto base = make_data(shape.users, opt.dim, opt.data, 2);
    const double gflop = 2.0 * static_cast<double>(shape.queries) * static_cast<double>(shape.users) * opt.dim / 1e9;
    const int repeats = gflop < 50 ? 3 : 1;
    const double t_sgemm = time_best([&] {
      sgemm_blocked(queries.data(), shape.queries, base.data(), shape.users, opt.dim, threads, qb, bb);
    }, repeats);
    // The CLI reads .npy files: write this shape's data once.
    const auto folder = std::filesystem::temp_directory_path() /
                        ("bench_topk_cli_" + std::to_string(static_cast<long long>(::getpid())));
    // Only where FAISS runs too: the ratio is the point, and --large's
    // inputs would be 0.5 GB of .npy.
    const bool time_cli = !opt.cli.empty() && !opt.skip_faiss && gflop < 2000;
    if (time_cli) {
      std::filesystem::create_directories(folder);
      const std::size_t q_shape[] = {static_cast<std::size_t>(shape.queries), static_cast<std::size_t>(opt.dim)};
      const std::size_t b_shape[] = {static_cast<std::size_t>(shape.users), static_cast<std::size_t>(opt.dim)};
      invr::write_npy(folder / "queries.npy", std::span<const float>(queries), q_shape);
      invr::write_npy(folder / "base.npy", std::span<const float>(base), b_shape);
    }
    auto flat = invr::make_index("Flat", opt.dim);
    if (!opt.skip_faiss && gflop < 2000) flat->add(shape.users, base.data());
    for (int k : opt.ks) {
      std::vector<float> scores(static_cast<std::size_t>(shape.queries * k));
      std::vector<RowId> ids(scores.size());
      invr::SearchParams params;
      params.threads = threads;
      params.query_block = opt.query_block;
      params.base_block = opt.base_block;
      const double t_exact = time_best([&] {
        invr::exact_search({queries.data(), shape.queries, opt.dim}, {base.data(), shape.users, opt.dim},
                           k, scores.data(), ids.data(), params);
      }, repeats);
      std::vector<float> faiss_scores(scores.size());
      std::vector<RowId> faiss_ids(scores.size());
      double t_faiss = 0;
      double agree = 1;
      // FAISS at --large shapes would take tens of minutes on 2 cores.
      if (!opt.skip_faiss && gflop < 2000) {
        t_faiss = time_best([&] {
          flat->search(shape.queries, queries.data(), k, faiss_scores.data(), faiss_ids.data(), params);
        }, repeats);
        agree = recall(faiss_ids, ids, k);
      }
      // The sgemm path alone: what the int8 filter is measured against.
      invr::SearchParams no_filter = params;
      no_filter.int8_filter = false;
      const double t_sgemm_only = time_best([&] {
        invr::exact_search({queries.data(), shape.queries, opt.dim}, {base.data(), shape.users, opt.dim},
                           k, scores.data(), ids.data(), no_filter);
      }, repeats);
      // `invr topk` end to end: process start, mapping and checking the
      // files, search, writing the outputs (issue 21's bar: >= 3x faster
      // than FAISS's search alone, same threads, same run).
      double t_cli = 0;
      if (time_cli) {
        // Spawned directly, not through a shell: the time is invr's alone.
        const std::vector<std::string> command = {
            opt.cli, "-q", "topk", "--backend", "exact",
            "--queries", (folder / "queries.npy").string(), "--base", (folder / "base.npy").string(),
            "--k", std::to_string(k), "--threads", std::to_string(threads),
            "--out", (folder / "out").string()};
        t_cli = time_best([&] { run_quietly(command); }, std::max(repeats, 3));
      }
      double t_variant = 0;
      if (opt.variants) {
        t_variant = time_best([&] {
          exact_blas_threaded(queries.data(), shape.queries, base.data(), shape.users, opt.dim, k,
                              threads, scores.data(), ids.data());
        }, repeats);
      }
      std::printf("%8lld %9lld %5d | %8.3f %7.1f | %8.3f %7.1f | ", static_cast<long long>(shape.queries),
                  static_cast<long long>(shape.users), k, t_sgemm, gflop / t_sgemm, t_exact, gflop / t_exact);
      if (t_faiss > 0)
        std::printf("%8.3f %7.1f | %10.2f %9.2fx", t_faiss, gflop / t_faiss, t_sgemm / t_exact, t_faiss / t_exact);
      else
        std::printf("%8s %7s | %10.2f %10s", "-", "-", t_sgemm / t_exact, "-");
      std::printf(" | %9.3f", t_sgemm_only);
      if (!opt.cli.empty() && !time_cli) std::printf(" | %6s %9s", "-", "-");
      if (time_cli)
        std::printf(" | %6.3f %9s", t_cli,
                    t_faiss > 0 ? (std::to_string(t_faiss / t_cli).substr(0, 4) + "x").c_str() : "-");
      if (opt.variants) std::printf(" | %10.3f", t_variant);
      std::printf("%s\n", agree < 0.999 ? "  (FAISS ids differ!)" : "");
      std::fflush(stdout);
      out.push_back({{"kind", "exact"}, {"items", shape.queries}, {"users", shape.users}, {"dim", opt.dim},
                     {"k", k}, {"threads", threads}, {"sgemm_seconds", t_sgemm},
                     {"exact_seconds", t_exact}, {"faiss_flat_seconds", t_faiss},
                     {"sgemm_gflops", gflop / t_sgemm}, {"exact_gflops", gflop / t_exact},
                     {"faiss_flat_gflops", t_faiss > 0 ? gflop / t_faiss : 0.0},
                     {"exact_over_sgemm", t_sgemm / t_exact},
                     {"exact_speedup_over_faiss", t_faiss > 0 ? t_faiss / t_exact : 0.0}, {"faiss_agreement", agree},
                     {"blas_threaded_seconds", t_variant}, {"exact_no_int8_seconds", t_sgemm_only},
                     {"cli_seconds", t_cli},
                     {"faiss_over_cli", t_faiss > 0 && t_cli > 0 ? t_faiss / t_cli : 0.0},
                     {"int8_filter", invr::exact_int8_filter_supported()}});
    }
    if (time_cli) std::filesystem::remove_all(folder);
  }
}

void run_approximate(const Options& opt, int threads, json& out) {
  const std::int64_t users = opt.approx_users > 0 ? opt.approx_users
                             : opt.quick               ? 100'000
                             : threads >= 8            ? 1'000'000
                                                       : 100'000;
  const std::int64_t items = opt.approx_queries;
  const int k = opt.ks.front();
  const auto base = make_data(users, opt.dim, opt.approx_data, 3);
  const auto queries = make_data(items, opt.dim, opt.approx_data, 4);
  std::vector<float> truth_scores(static_cast<std::size_t>(items * k));
  std::vector<RowId> truth(truth_scores.size());
  invr::SearchParams exact_params;
  exact_params.threads = threads;
  const double t_exact = time_best([&] {
    invr::exact_search({queries.data(), items, opt.dim}, {base.data(), users, opt.dim}, k,
                       truth_scores.data(), truth.data(), exact_params);
  }, 2);
  std::printf("\nApproximate top-%d, %lld items x %lld users, d=%d, %s data, %d threads; exact: %.3f s\n",
              k, static_cast<long long>(items), static_cast<long long>(users), opt.dim,
              opt.approx_data.c_str(), threads, t_exact);
  std::printf("%-26s %8s %8s %9s %9s\n", "index", "build s", "search s", "recall@k", "vs exact");
  struct Config {
    std::string spec;
    const std::vector<int>* knob;
    bool hnsw;
  };
  const Config configs[] = {{"hnsw" + std::to_string(opt.hnsw_m), &opt.ef_search, true},
                            {"ivf" + std::to_string(opt.nlist), &opt.nprobe, false},
                            {"ivf" + std::to_string(opt.nlist) + ",int8", &opt.nprobe, false}};
  for (const Config& config : configs) {
    const std::string kind = config.hnsw ? "hnsw" : config.spec.ends_with(",int8") ? "ivf-int8" : "ivf";
    if (std::find(opt.indexes.begin(), opt.indexes.end(), kind) == opt.indexes.end()) continue;
    invr::IndexParams build_params;
    build_params.threads = threads;
    build_params.ef_construction = opt.ef_construction;
    build_params.train_rows_per_list = 64;
    auto index = invr::make_index(config.spec, opt.dim, build_params);
    const auto start = std::chrono::steady_clock::now();
    index->add(users, base.data());
    const double t_build = seconds_since(start);
    for (int knob : *config.knob) {
      invr::SearchParams params;
      params.threads = threads;
      (config.hnsw ? params.ef_search : params.nprobe) = knob;
      std::vector<float> scores(truth.size());
      std::vector<RowId> ids(truth.size());
      const double t = time_best([&] {
        index->search(items, queries.data(), k, scores.data(), ids.data(), params);
      }, 2);
      const double r = recall(ids, truth, k);
      const std::string label = config.spec + (config.hnsw ? " efSearch=" : " nprobe=") + std::to_string(knob);
      std::printf("%-26s %8.1f %8.3f %9.4f %8.1fx%s\n", label.c_str(), t_build, t, r, t_exact / t,
                  r >= 0.95 && t_exact / t >= 3 ? "  meets bar" : "");
      std::fflush(stdout);
      out.push_back({{"kind", "approximate"}, {"index", config.spec}, {"knob", knob},
                     {"items", items}, {"users", users}, {"dim", opt.dim}, {"k", k},
                     {"threads", threads}, {"data", opt.approx_data}, {"build_seconds", t_build},
                     {"search_seconds", t}, {"exact_seconds", t_exact}, {"recall", r},
                     {"speedup_over_exact", t_exact / t}});
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{"bench_topk: exact and approximate top-k retrieval (see docs/retrieval.md)"};
  app.add_option("--threads", opt.threads, "Threads for every method (0 = all cores)");
  app.add_option("--dim", opt.dim, "Embedding dimension");
  app.add_option("--k", opt.ks, "k values (the first is used for the approximate runs)")->delimiter(',');
  app.add_flag("--large", opt.large, "Add 50k items x 2M users (FAISS skipped there; long on 2 cores)");
  app.add_flag("--quick", opt.quick, "Small shapes only (a smoke run)");
  app.add_flag("--skip-approx", opt.skip_approx, "Skip HNSW/IVF");
  app.add_flag("--skip-exact", opt.skip_exact, "Skip the exact/sgemm/FAISS-flat table");
  app.add_flag("--skip-faiss", opt.skip_faiss, "Skip FAISS IndexFlatIP in the exact table (for tuning)");
  app.add_flag("--variants", opt.variants, "Also time exact top-k on an OpenBLAS-threaded sgemm");
  app.add_option("--data", opt.data, "Exact table data: gaussian or clustered")
      ->check(CLI::IsMember({"gaussian", "clustered"}))->capture_default_str();
  app.add_option("--approx-data", opt.approx_data, "HNSW/IVF data: clustered or gaussian")
      ->check(CLI::IsMember({"gaussian", "clustered"}))->capture_default_str();
  app.add_option("--shape", opt.shapes, "Exact shapes as ITEMSxUSERS (repeatable), replacing the defaults");
  std::string clock = "wall";
  app.add_option("--clock", clock, "wall, or cpu: process CPU time / threads (for loaded machines)")
      ->check(CLI::IsMember({"wall", "cpu"}));
  app.add_option("--json", opt.json_path, "Also write the results here as JSON");
  app.add_option("--cli", opt.cli, "invr binary: also time `invr topk --backend exact` end to end");
  app.add_option("--query-block", opt.query_block, "Exact: queries per sgemm block (0 = default)");
  app.add_option("--base-block", opt.base_block, "Exact: base rows per sgemm block (0 = default)");
  app.add_option("--approx-users", opt.approx_users, "Users for the approximate runs");
  app.add_option("--approx-items", opt.approx_queries, "Items (queries) for the approximate runs");
  app.add_option("--hnsw-m", opt.hnsw_m, "HNSW M");
  app.add_option("--ef-construction", opt.ef_construction, "HNSW efConstruction");
  app.add_option("--ef-search", opt.ef_search, "HNSW efSearch values")->delimiter(',');
  app.add_option("--nlist", opt.nlist, "IVF lists");
  app.add_option("--nprobe", opt.nprobe, "IVF nprobe values")->delimiter(',');
  app.add_option("--indexes", opt.indexes, "Approximate indexes to run: hnsw, ivf, ivf-int8")
      ->delimiter(',')
      ->check(CLI::IsMember({"hnsw", "ivf", "ivf-int8"}));
  CLI11_PARSE(app, argc, argv);

  const int threads = invr::resolve_threads(opt.threads);
  g_cpu_clock = clock == "cpu";
  g_threads = threads;
  // OpenBLAS picks its sgemm kernel from the CPU (or OPENBLAS_CORETYPE); a
  // misdetected CPU falls back to slow generic kernels, so say which one ran.
  std::printf("OpenBLAS kernel: %s; %u hardware threads; %s clock\n", openblas_get_corename(),
              std::thread::hardware_concurrency(), clock.c_str());
  json results = json::array();
  const auto start = std::chrono::steady_clock::now();
  if (!opt.skip_exact) run_exact_shapes(opt, threads, results);
  if (!opt.skip_approx) run_approximate(opt, threads, results);
  std::printf("\ntotal %.0f s\n", seconds_since(start));
  if (!opt.json_path.empty()) {
    std::ofstream file(opt.json_path);
    file << json{{"benchmark", "bench_topk"}, {"threads", threads}, {"dim", opt.dim},
                 {"openblas_kernel", openblas_get_corename()}, {"clock", clock},
                 {"data", opt.data}, {"results", results}}.dump(2)
         << "\n";
  }
  return 0;
}
