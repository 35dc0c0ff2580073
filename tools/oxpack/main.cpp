// oxpack: build, inspect and check .oxr blobs. Parses the command line,
// dispatches through the command table, and turns failures into one line on
// stderr and a stable exit code.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "commands.hpp"
#include "core/error.hpp"

namespace {

constexpr const char* kExitCodes =
    "Exit codes:\n"
    "  0   success\n"
    "  1   check failed (verify found damage, diff found differences)\n"
    "  2   usage error\n"
    "  3   bad input (missing, unreadable or invalid file)\n"
    "  4   I/O error writing output\n"
    "  5   finished, but some inputs were skipped (see the warnings)\n"
    "  70  internal error";

// Output is buffered: an error writing it (a full disk, /dev/full, a closed
// pipe's EPIPE with SIGPIPE ignored) shows only when it is flushed. Flush
// here, before exiting, so that it becomes exit code 4 instead of a silent 0.
void finish_stdout() {
    std::cout.flush();
    bool failed = !std::cout.good();
    int e = 0;
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
        failed = true;
        e = errno;
    }
    if (failed)
        throw oxpack::Failure(oxpack::Exit::Io, std::string("standard output: write failed") +
                                                    (e ? std::string(": ") + std::strerror(e) : std::string()));
}

}  // namespace

int main(int argc, char** argv) {
    using namespace oxpack;
    auto logger = spdlog::stderr_color_st("oxpack");
    logger->set_pattern("oxpack: %^%l%$: %v");
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);

    CLI::App app{"oxpack: freeze Python environments into one indexed blob, and inspect it."};
    app.set_version_flag("--version", std::string("oxpack ") + OXPACK_VERSION);
    std::string examples = "\nExamples:\n";
    for (const auto& cmd : cli::commands()) {
        std::string first(cmd.example);
        examples += first.substr(0, first.find('\n')) + "\n";
    }
    app.footer(examples + "\n" + kExitCodes + "\n\nRun 'oxpack COMMAND --help' for a command's options and examples.");
    int verbosity = 0;
    app.add_flag("-v,--verbose", verbosity, "More detail on stderr (repeat for debug output)");
    app.require_subcommand(1);
    app.fallthrough();

    cli::Action action;
    for (const auto& cmd : cli::commands()) {
        CLI::App* sub = app.add_subcommand(cmd.name, cmd.summary);
        sub->footer(std::string("\nExamples:\n") + cmd.example + "\n\n" + kExitCodes);
        auto act = cmd.setup(*sub);
        sub->callback([&action, act] { action = act; });
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);  // --help and --version print here
        try {
            finish_stdout();
        } catch (const Failure& f) {
            std::cerr << "oxpack: error: " << f.what() << "\n";
            return static_cast<int>(f.code());
        }
        return rc == 0 ? 0 : static_cast<int>(Exit::Usage);
    }
    if (verbosity >= 2) logger->set_level(spdlog::level::debug);
    else if (verbosity == 1) logger->set_level(spdlog::level::info);
    try {
        int rc = action ? action() : static_cast<int>(Exit::Usage);
        finish_stdout();
        return rc;
    } catch (const Failure& f) {
        std::cerr << "oxpack: error: " << f.what() << "\n";
        return static_cast<int>(f.code());
    } catch (const std::exception& e) {
        std::cerr << "oxpack: internal error: " << e.what() << "\n";
        return static_cast<int>(Exit::Internal);
    }
}
