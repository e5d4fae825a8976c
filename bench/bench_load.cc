// Loading speed of RecBole atomic files against the speed of reading them.
//
// Generates a synthetic NAME.inter (default 10M rows, ~330 MB: ids like
// u123456 / i12345, integer timestamps, an event_type column, rows grouped by
// user as RecBole datasets are), then times `cat FILE > /dev/null`, load_atomic
// parsing the text (the load cache off), one first load that also writes the
// load cache, and load_atomic from that cache, best of N warm runs each (the
// first load once), pinned to one CPU. The bar (docs/formats.md): loading
// reaches at least 25% of cat's rate on one core.
//
//   bench_load [--rows N] [--dir DIR] [--repeats N] [--dataset DATA_DIR]
// DIR defaults to $INVR_BENCH_DIR or the system temp dir; the file is kept
// there and reused by later runs with the same row count. --dataset times an
// existing dataset instead (its NAME.inter, .item and .user, against `cat` of
// the same files); it rewrites that dataset's NAME.inter.cache.
#include <sched.h>
#include <sys/resource.h>
#include <sys/time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "invr/atomic_io.h"
#include "invr/error.h"

namespace fs = std::filesystem;

namespace {

struct Args {
  std::size_t rows = 10'000'000;
  fs::path dir;
  int repeats = 3;
  fs::path dataset;  // an existing dataset folder instead of the generated file
};

Args parse_args(int argc, char** argv) {
  Args args;
  const char* env = std::getenv("INVR_BENCH_DIR");
  args.dir = env ? fs::path(env) : fs::temp_directory_path() / "invr_bench_load";
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) throw invr::UsageError(fmt::format("{} needs a value", flag));
    const char* value = argv[++i];
    if (flag == "--rows")
      args.rows = std::stoull(value);
    else if (flag == "--dir")
      args.dir = value;
    else if (flag == "--repeats")
      args.repeats = std::stoi(value);
    else if (flag == "--dataset")
      args.dataset = value;
    else
      throw invr::UsageError(
          fmt::format("unknown flag {}; expected --rows, --dir, --repeats, --dataset", flag));
  }
  if (args.rows == 0 || args.repeats < 1)
    throw invr::UsageError("--rows and --repeats must be positive");
  return args;
}

// splitmix64: a fixed, fast pseudo-random stream so every run writes the same file.
std::uint64_t next_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

void generate(const fs::path& path, std::size_t rows) {
  constexpr std::size_t kRowsPerUser = 50;
  constexpr std::uint64_t kItems = 50'000;
  constexpr std::string_view kEvents[] = {"click", "view", "view", "purchase", "impression"};
  const fs::path temp = fs::path(path) += ".partial";
  std::FILE* out = std::fopen(temp.c_str(), "wb");
  if (!out) throw invr::IoError(fmt::format("cannot create {}", temp.string()));
  fmt::memory_buffer buffer;
  fmt::format_to(std::back_inserter(buffer),
                 "user_id:token\titem_id:token\ttimestamp:float\tevent_type:token\n");
  std::uint64_t state = 42;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint64_t random = next_random(state);
    // Squaring a uniform draw skews popularity towards low item numbers.
    const double u = static_cast<double>(random >> 11) * 0x1.0p-53;
    const auto item = static_cast<std::uint64_t>(u * u * kItems);
    fmt::format_to(std::back_inserter(buffer), "u{}\ti{}\t{}\t{}\n", 100000 + r / kRowsPerUser,
                   10000 + item, 1500000000 + r * 7, kEvents[random % 5]);
    if (buffer.size() > (1 << 20)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  }
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  if (std::fclose(out) != 0) throw invr::IoError(fmt::format("cannot write {}", temp.string()));
  fs::rename(temp, path);
}

// CPU seconds (user + system) of this process and of its waited-for children.
double cpu_seconds() {
  auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
  };
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  return seconds(self.ru_utime) + seconds(self.ru_stime) + seconds(children.ru_utime) +
         seconds(children.ru_stime);
}

// Best wall-clock and best CPU time over repeats. On a busy machine wall time
// includes waiting for a core; CPU time does not.
struct Timing {
  double wall = 1e300;
  double cpu = 1e300;
};

// setup runs before each timed body, untimed.
template <class Body, class Setup = void (*)()>
Timing best_of(int repeats, Body&& body, Setup&& setup = [] {}) {
  Timing best;
  for (int i = 0; i < repeats; ++i) {
    setup();
    const double cpu_start = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    body();
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best.wall = std::min(best.wall, wall);
    best.cpu = std::min(best.cpu, cpu_seconds() - cpu_start);
  }
  return best;
}

void run_cat(const std::vector<fs::path>& paths) {
  std::string command = "cat";
  for (const fs::path& path : paths) command += fmt::format(" '{}'", path.string());
  command += " > /dev/null";
  if (std::system(command.c_str()) != 0) throw invr::IoError("failed: " + command);
}

}  // namespace

int main(int argc, char** argv) try {
  const Args args = parse_args(argc, argv);
  // One core for both: the loader is single threaded, and cat inherits the mask.
  cpu_set_t one_cpu;
  CPU_ZERO(&one_cpu);
  CPU_SET(sched_getcpu(), &one_cpu);
  sched_setaffinity(0, sizeof one_cpu, &one_cpu);

  // The files load_atomic reads: the generated NAME.inter, or those of --dataset.
  fs::path dir = args.dir;
  std::string name = fmt::format("bench{}", args.rows);
  if (!args.dataset.empty()) {
    dir = args.dataset;
    name = invr::find_atomic_name(dir);
  } else {
    fs::create_directories(dir);
    const fs::path path = dir / (name + ".inter");
    if (!fs::exists(path)) {
      fmt::print("generating {} ({} rows)...\n", path.string(), args.rows);
      std::fflush(stdout);
      generate(path, args.rows);
      // The load cache is never written for a file changed in the last second.
      std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    }
  }
  const fs::path path = dir / (name + ".inter");
  std::vector<fs::path> files;
  std::vector<std::string> file_names;
  double megabytes = 0;
  for (const char* extension : {".inter", ".item", ".user"}) {
    const fs::path file = dir / (name + extension);
    if (!fs::exists(file)) continue;
    files.push_back(file);
    file_names.push_back(file.string());
    megabytes += static_cast<double>(fs::file_size(file)) / 1e6;
  }

  run_cat(files);  // warm the page cache
  const Timing cat = best_of(args.repeats, [&] { run_cat(files); });

  // A first load parses the text; later loads read the load cache it leaves
  // (docs/formats.md, "Load cache"). Both are timed, each as its own row.
  invr::AtomicLoadOptions parse_options;
  parse_options.progress = false;
  parse_options.cache = false;
  std::optional<invr::Dataset> dataset;
  // Freeing the previous result is not loading: it happens untimed, before each run.
  const auto free_dataset = [&] { dataset.reset(); };
  const Timing parse = best_of(
      args.repeats, [&] { dataset = invr::load_atomic(dir, name, parse_options); },
      free_dataset);
  const std::size_t rows = dataset->interactions.size();
  const std::size_t users = dataset->users.size();
  const std::size_t items = dataset->items.size();

  invr::AtomicLoadOptions cache_options = parse_options;
  cache_options.cache = true;
  cache_options.cache_min_bytes = 0;  // the cache path whatever the size
  const fs::path cache_path = fs::path(path) += ".cache";
  fs::remove(cache_path);
  // Files changed in the last second are not cached (a --dataset just written).
  const bool recent = std::any_of(files.begin(), files.end(), [](const fs::path& file) {
    return fs::file_time_type::clock::now() - fs::last_write_time(file) < std::chrono::seconds(2);
  });
  if (recent) std::this_thread::sleep_for(std::chrono::seconds(2));
  const Timing first = best_of(
      1, [&] { dataset = invr::load_atomic(dir, name, cache_options); }, free_dataset);
  if (!fs::exists(cache_path)) throw invr::IoError("the first load wrote no cache at " + cache_path.string());
  const Timing cached = best_of(
      args.repeats, [&] { dataset = invr::load_atomic(dir, name, cache_options); },
      free_dataset);
  if (dataset->interactions.size() != rows || dataset->users.size() != users ||
      dataset->items.size() != items)
    throw invr::Error("the cached load differs from the parse");

  fmt::print("files  {}\nsize   {:.1f} MB, {} rows, {} users, {} items; cache {:.1f} MB\n",
             fmt::join(file_names, " "), megabytes, rows, users, items,
             static_cast<double>(fs::file_size(cache_path)) / 1e6);
  fmt::print("best of {} runs, pinned to one CPU; MB/s of the text files for every row\n",
             args.repeats);
  fmt::print("{:<30}{:>10}{:>10}{:>10}{:>10}{:>8}\n", "", "wall s", "MB/s", "cpu s", "MB/cpu-s",
             "% cat");
  auto row = [&](const char* label, const Timing& t) {
    fmt::print("{:<30}{:>10.3f}{:>10.0f}{:>10.3f}{:>10.0f}{:>7.1f}%\n", label, t.wall,
               megabytes / t.wall, t.cpu, megabytes / t.cpu, 100 * cat.wall / t.wall);
  };
  row("cat > /dev/null", cat);
  row("load, parsing the text", parse);
  row("first load (parse + cache)", first);
  row("load from the cache", cached);
  fmt::print("parse: {:.3g} rows/s (wall)\n", static_cast<double>(rows) / parse.wall);
  const double cached_ratio = cat.wall / cached.wall;
  fmt::print(
      "load rate / cat rate: {:.1f}% parsing (every first load), {:.1f}% from the cache (every "
      "later load; target >= 25%: {})\n",
      100 * cat.wall / parse.wall, 100 * cached_ratio, cached_ratio >= 0.25 ? "met" : "NOT met");
  return 0;
} catch (const invr::UsageError& e) {
  std::fprintf(stderr, "bench_load: %s\n", e.what());
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_load: %s\n", e.what());
  return 1;
}
