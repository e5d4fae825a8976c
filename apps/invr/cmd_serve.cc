// invr serve: the online recommendation service (docs/serving_http.md).
// Settings come from the defaults, then --config invr.toml, then flags
// generated from the [serve] and [slate] spec tables. SIGINT/SIGTERM stop it
// gracefully (in-flight requests finish).
#include <pthread.h>
#include <signal.h>

#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "command.h"
#include "invr/flags.h"
#include "invr/error.h"
#include "invr/server.h"

namespace invr::cli {
namespace {

using Apply = std::function<void(ServerConfig&)>;

struct ServeArgs {
  std::string config_file;
  bool print_config = false;
  ServerConfig flags;  // values given on the command line
  std::vector<std::pair<CLI::Option*, Apply>> given;
};

// One flag per spec entry; bools are flags ("--embedded-job").
template <class Specs, class Params>
void add_spec_flags(CLI::App& app, const Specs& specs, Params ServerConfig::*section,
                    const std::shared_ptr<ServeArgs>& args) {
  const Params defaults = ServerConfig{}.*section;
  for (const auto& spec : specs) {
    std::visit(
        [&](auto member) {
          using T = std::remove_cvref_t<decltype(defaults.*member)>;
          auto* target = &((args->flags.*section).*member);
          CLI::Option* option = nullptr;
          if constexpr (std::is_same_v<T, bool>) {
            option = app.add_flag(flag_name(spec.name), *target, spec.help);
          } else {
            option = app.add_option(flag_name(spec.name), *target, spec.help);
            option->default_str(fmt::format("{}", defaults.*member));
          }
          args->given.emplace_back(option, [section, member, args](ServerConfig& config) {
            (config.*section).*member = (args->flags.*section).*member;
          });
        },
        spec.field);
  }
}

int run_serve(ServeArgs& args) {
  ServerConfig config;
  if (!args.config_file.empty()) read_server_config(args.config_file, config);
  for (const auto& [option, apply] : args.given)
    if (option->count() > 0) apply(config);
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
  add_spec_flags(app, serve_setting_specs(), &ServerConfig::serve, args);
  add_spec_flags(app, slate_param_specs(), &ServerConfig::slate, args);
  return [args] { return run_serve(*args); };
}

}  // namespace
}  // namespace invr::cli

INVR_COMMAND("serve", "Serve slates with InvR candidates over HTTP (docs/serving_http.md)",
             invr::cli::setup_serve);
