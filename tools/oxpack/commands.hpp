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
    const char* summary;
    const char* example;  // shown at the end of the command's --help
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

}  // namespace oxpack::cli
