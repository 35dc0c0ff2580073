// The command line described once, from the command table and the options
// each command declared: `--help` (laid out like a man page section), the
// man page (cmd_man.cpp) and the shell completions (cmd_completion.cpp) are
// all rendered from this, so none of them can drift from what is parsed.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace oxpack::cli {

struct DocOption {
    std::vector<std::string> names;   // "-o", "--output"; empty for a positional
    std::string value;                // "OUTPUT", "{index,once,header}"; empty for a flag
    std::vector<std::string> choices; // the allowed values, when the option checks them
    std::string help;
    bool positional = false;
    bool required = false;
    bool repeatable = false;          // a positional taking several values, or a repeatable option
    bool takes_file = false;          // complete file names for the value
};

struct DocCommand {
    std::string name;                 // "freeze"; empty for the top level
    std::string summary;
    std::string description;
    std::string examples;             // lines "  oxpack ...  # comment"
    std::vector<DocOption> positionals;
    std::vector<DocOption> options;
    std::string synopsis;             // "oxpack freeze [OPTIONS] [PATH...] -o OUTPUT"
};

// The top level: its own options, and the commands of the table in order.
struct DocProgram {
    DocCommand top;
    std::vector<DocCommand> commands;
};

// `root` is the oxpack App with every command of the table added.
DocProgram describe(const CLI::App& root);
DocCommand describe_command(const CLI::App& app, bool top_level);

// Exit codes and environment variables, shared by --help and the man page.
struct DocPair {
    const char* key;
    const char* text;
};
const std::vector<DocPair>& exit_codes();
const std::vector<DocPair>& environment();
extern const char* const kProgramDescription;
extern const char* const kProgramSummary;

// Words wrapped to `width` columns, each line indented by `indent`.
std::string wrap(const std::string& text, size_t indent, size_t width = 80);

// --help for every command: NAME, SYNOPSIS, DESCRIPTION, ARGUMENTS,
// OPTIONS, EXAMPLES, EXIT STATUS, SEE ALSO.
class ManStyleFormatter : public CLI::Formatter {
public:
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;
};

}  // namespace oxpack::cli
