// invr serve: the online recommendation service (docs/serving_http.md).
// Settings come from the defaults, then --config invr.toml, then flags
// generated from the [serve] and [slate] settings tables (setting_flags.h). SIGINT/SIGTERM stop it
// gracefully (in-flight requests finish).
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/error.h"
#include "invr/server.h"
#include "setting_flags.h"

namespace invr::cli {
namespace {

struct ServeArgs {
  std::string config_file;
  bool print_config = false;
  ServerConfig flags;  // values given on the command line
  std::vector<CLI::Option*> serve, slate;  // one per setting, in table order
};

int run_serve(ServeArgs& args) {
  ServerConfig config;
  if (!args.config_file.empty()) read_server_config(args.config_file, config);
  apply_given_flags(serve_setting_specs(), args.serve, args.flags.serve, config.serve);
  apply_given_flags(slate_param_specs(), args.slate, args.flags.slate, config.slate);
  if (args.print_config) {
    std::cout << server_config_toml(config);
    return 0;
  }
  // Block the stop signals before any thread exists, so every thread inherits
  // the mask and this one receives them in sigwait (no async handler).
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Server server(config);
  server.start();
  std::cout << fmt::format("{{\"listening\":\"http://{}:{}\"}}", config.serve.host, server.port())
            << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  spdlog::info("serve: {} received; finishing in-flight requests",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
  server.stop();
  return 0;
}

std::function<int()> setup_serve(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  app.footer(
      "Answers GET /v1/recommend?user=ID&n=20[&arm=NAME] with the main pipeline's slate and the\n"
      "user's InvR candidates inserted at the arm's slots; POST /v1/events appends impressions\n"
      "and clicks to an event log; GET /healthz and /metrics for operations.\n"
      "Example: invr serve --config invr.toml --port 8080\n"
      "Endpoints, settings, metrics: docs/serving_http.md.");
  app.add_option("--config", args->config_file,
                 "invr.toml with [serve], [slate], [experiment] (and the job's tables)");
  app.add_flag("--print-config", args->print_config,
               "Print the resolved [serve], [slate] and [experiment] as TOML and exit");
  const ServerConfig defaults;
  args->serve = add_setting_flags(app, serve_setting_specs(), args->flags.serve, defaults.serve,
                                  BoolFlag::kSwitch);
  args->slate = add_setting_flags(app, slate_param_specs(), args->flags.slate, defaults.slate,
                                  BoolFlag::kSwitch);
  return [args] { return run_serve(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("serve", "Serve slates with InvR candidates over HTTP (docs/serving_http.md)",
             invr::cli::setup_serve);
