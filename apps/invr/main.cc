// invr command line: parses global flags, dispatches to a registered subcommand,
// and maps errors to exit codes (0 ok, 1 runtime error, 2 usage error).
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>

#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/atomic_io.h"
#include "invr/error.h"
#include "invr/log.h"
#include "invr/progress.h"
#include "invr/retrieval.h"
#include "invr/version.h"

namespace invr::cli {
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace invr::cli

int main(int argc, char** argv) {
  // A write past the file-size limit (RLIMIT_FSIZE, `ulimit -f`) kills the
  // process with SIGXFSZ by default, in the middle of whatever it wrote (an
  // event log line, a store batch, a model file) and with no message. Ignored,
  // the same write fails with EFBIG instead, which every writer reports as an
  // error naming its file, as it does a full disk (issue 17, item 5). Set
  // here, for every command, because a library must not change process-wide
  // signal handling (CONTRIBUTING.md, convention 7).
  std::signal(SIGXFSZ, SIG_IGN);

  // Logs go to stderr; stdout carries results only. The library logs through
  // the "invr" logger (invr/log.h); the CLI's own lines use it too, as the
  // default logger, so one pattern and one level (-q, -v) cover both.
  invr::logger();
  spdlog::set_default_logger(spdlog::get("invr"));
  spdlog::set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");

  CLI::App app{"invr: inverse retrieval for long-tail exposure"};
  app.require_subcommand(1);
  bool quiet = false;
  bool verbose = false;
  app.add_flag("-q,--quiet", quiet, "No progress bars and only warnings/errors in the log");
  app.add_flag("-v,--verbose", verbose, "Debug logging");
  bool no_load_cache = false;
  app.add_flag("--no-load-cache", no_load_cache,
               "Parse NAME.inter every time: neither read nor write its load cache NAME.inter.cache "
               "(docs/formats.md, \"Load cache\")");
  app.set_version_flag("--version", "invr " INVR_VERSION_STRING);

  auto& commands = invr::cli::registry();
  std::sort(commands.begin(), commands.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> actions;
  for (auto& command : commands) {
    CLI::App* sub = app.add_subcommand(command.name, command.description);
    actions.emplace_back(sub, command.setup(*sub));
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }

  // Exact top-k runs one sgemm per worker of its own; OpenBLAS's pool is
  // process-wide, so it is set here once (invr/retrieval.h), not per search.
  invr::set_blas_threads(1);
  invr::Progress::set_enabled(!quiet);
  invr::set_load_cache_default(!no_load_cache);
  spdlog::set_level(quiet ? spdlog::level::warn : verbose ? spdlog::level::debug : spdlog::level::info);

  for (auto& [sub, action] : actions) {
    if (!sub->parsed()) continue;
    try {
      return action();
    } catch (const invr::UsageError& e) {
      spdlog::error("{}", e.what());
      return 2;
    } catch (const invr::Error& e) {
      spdlog::error("{}", e.what());
      return 1;
    } catch (const std::bad_alloc&) {
      spdlog::error("out of memory");
      return 1;
    } catch (const std::exception& e) {
      spdlog::error("unexpected error: {}", e.what());
      return 1;
    }
  }
  return 2;
}
