// The `hoso` command line: each file cmd_*.cpp registers its subcommands.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <utility>
#include <vector>

namespace hoso::cli {

// A parsed subcommand and what to run when it was chosen; the function
// returns the process exit code.
struct Registry {
  std::vector<std::pair<CLI::App*, std::function<int()>>> commands;
  void add(CLI::App* sub, std::function<int()> run) { commands.emplace_back(sub, std::move(run)); }
};

void add_build_commands(CLI::App& app, Registry& reg);     // cmd_build.cpp: build
void add_calendar_commands(CLI::App& app, Registry& reg);  // cmd_calendar.cpp: due, calendar
void add_language_commands(CLI::App& app, Registry& reg);  // cmd_language.cpp: check, fmt
void add_run_commands(CLI::App& app, Registry& reg);       // cmd_run.cpp: run
void add_test_commands(CLI::App& app, Registry& reg);      // cmd_test.cpp: test
void add_engine_commands(CLI::App& app, Registry& reg);    // cmd_engine.cpp: engine, audit

}  // namespace hoso::cli
