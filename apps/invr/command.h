// Subcommand registry for the invr CLI. Each cmd_*.cc registers itself with
// INVR_COMMAND, so adding a subcommand touches one file. Apps stay thin:
// a command parses flags and calls the library.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace invr::cli {

// Called once with the subcommand's CLI::App to declare its options;
// returns the action to run when that subcommand was chosen. The action
// returns the process exit code (0 ok). It may throw invr::Error (exit 1)
// or invr::UsageError (exit 2).
using Setup = std::function<std::function<int()>(CLI::App&)>;

struct Command {
  std::string name;
  std::string description;
  Setup setup;
};

std::vector<Command>& registry();

struct Registrar {
  Registrar(std::string name, std::string description, Setup setup) {
    registry().push_back({std::move(name), std::move(description), std::move(setup)});
  }
};

}  // namespace invr::cli

#define INVR_CLI_CONCAT2(a, b) a##b
#define INVR_CLI_CONCAT(a, b) INVR_CLI_CONCAT2(a, b)
#define INVR_COMMAND(name, description, setup) \
  static ::invr::cli::Registrar INVR_CLI_CONCAT(invr_command_, __LINE__)(name, description, setup)
