// The subcommand table: every subcommand is one row, so help text and
// dispatch cannot drift apart. Each row's setup function lives in its own
// cmd_<name>.cpp, declares its options on `app`, and returns the action that
// runs once the command line parsed. Actions return an exit code and report
// failures by throwing oxpack::Failure.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <span>

namespace oxpack::cli {

using Action = std::function<int()>;

struct Command {
    const char* name;
    const char* summary;      // one line: the command list, NAME in --help and the man page
    const char* description;  // a paragraph ('\n' starts a new one): DESCRIPTION
    const char* example;      // lines of "  oxpack ...": EXAMPLES (the first also in the top-level help)
    Action (*setup)(CLI::App& app);
};

std::span<const Command> commands();

Action setup_scan(CLI::App& app);
Action setup_freeze(CLI::App& app);
Action setup_diff(CLI::App& app);
Action setup_ls(CLI::App& app);
Action setup_info(CLI::App& app);
Action setup_verify(CLI::App& app);
Action setup_cat(CLI::App& app);
Action setup_extract(CLI::App& app);
Action setup_run(CLI::App& app);
Action setup_hook(CLI::App& app);
Action setup_report(CLI::App& app);
Action setup_lazy_report(CLI::App& app);
Action setup_completion(CLI::App& app);
Action setup_man(CLI::App& app);

}  // namespace oxpack::cli
