// hoso: the command-line front end. Each subcommand lives in a cmd_*.cpp file.
#include <cstdio>
#include <exception>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "hoso: a workflow rules engine for Vietnam's one-stop administrative procedures.\n"
      "Check and format rules files, compute deadlines on the working calendar,\n"
      "and route dossiers with compiled rules."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hoso 0.1.0");
  hoso::cli::Registry reg;
  hoso::cli::add_language_commands(app, reg);
  hoso::cli::add_run_commands(app, reg);
  hoso::cli::add_test_commands(app, reg);
  hoso::cli::add_build_commands(app, reg);
  hoso::cli::add_engine_commands(app, reg);
  hoso::cli::add_calendar_commands(app, reg);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& [sub, run] : reg.commands) {
      if (sub->parsed()) return run();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hoso: internal error: %s\n", e.what());
    return 70;
  }
  return 2;
}
