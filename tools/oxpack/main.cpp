// oxpack: build, inspect and check .oxr blobs. Parses the command line,
// dispatches through the command table, and turns failures into one line on
// stderr and a stable exit code.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string_view>

#include "cli_doc.hpp"
#include "commands.hpp"
#include "util/error.hpp"
#include "output.hpp"
#include "runtime_files.hpp"
#include "scan/python_versions.hpp"

namespace {

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

// Edit distance, for "did you mean".
size_t distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

// The first word that is not a global option must be a command: name an
// unknown one and the nearest command, instead of CLI11's "A subcommand is
// required". Returns the message, or "" when the command line is fine.
std::string unknown_command(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--color") {
            ++i;  // its value
            continue;
        }
        if (a.empty() || a[0] == '-') continue;
        std::string best;
        size_t best_d = 0;
        for (const auto& c : oxpack::cli::commands()) {
            if (a == c.name) return "";
            size_t d = distance(a, c.name);
            if (best.empty() || d < best_d) best = c.name, best_d = d;
        }
        std::string msg = "unknown command '" + a + "'";
        if (best_d <= std::max<size_t>(2, a.size() / 3)) msg += "; did you mean '" + best + "'?";
        return msg + " (oxpack --help lists the commands)";
    }
    return "";
}

// The Pythons the runtime is built for (CMakeLists.txt) are the ones the CLI
// knows (lib/scan/python_versions.hpp): a new version is added to both.
constexpr int minor_of(std::string_view version) {
    int minor = 0;
    for (char c : version.substr(version.find('.') + 1)) minor = minor * 10 + (c - '0');
    return minor;
}
static_assert(minor_of(OXPACK_PYTHON_MIN) == oxpack::scan::kOldestMinor &&
                  minor_of(OXPACK_PYTHON_MAX) == oxpack::scan::kNewestMinor,
              "OXPACK_PYTHON_MIN/MAX (CMakeLists.txt) and lib/scan/python_versions.hpp disagree");

std::string version_text() {
    using namespace oxpack;
    std::string s = std::string("oxpack ") + OXPACK_VERSION + "\n";
    const std::string major = std::to_string(format::kVersionMajor);
    s += "format: writes oxr " + major + ".3 (with the index page table), " + major + ".4 (with an Absent record) or " +
         major + "." + std::to_string(format::kVersionMinor) + " (with a SharedLibraries record), reads oxr " + major +
         ".x\n";
    s += std::string("runtime: oxpack_runtime for CPython ") + OXPACK_PYTHON_MIN + " to " + OXPACK_PYTHON_MAX;
    std::string found;
    // Newer than the table too: a runtime built for a Python this CLI does not know yet.
    for (int minor = scan::kOldestMinor; minor <= 30; ++minor) {
        if (cli::find_runtime_extension(scan::cpython_cache_tag(minor)))
            found += (found.empty() ? "" : ", ") + scan::version_name(minor);
    }
    s += "; present here for " + (found.empty() ? std::string("none") : found);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace oxpack;
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_st>();
    auto logger = std::make_shared<spdlog::logger>("oxpack", sink);
    logger->set_pattern("oxpack: %^%l%$: %v");
    logger->set_level(spdlog::level::warn);
    spdlog::set_default_logger(logger);
    // NO_COLOR (no-color.org): set and not empty means no colour unless --color says otherwise.
    const char* no_color = std::getenv("NO_COLOR");
    sink->set_color_mode(no_color && *no_color ? spdlog::color_mode::never : spdlog::color_mode::automatic);

    CLI::App app{std::string("oxpack - ") + cli::kProgramSummary, "oxpack"};
    app.formatter(std::make_shared<cli::ManStyleFormatter>());
    app.set_version_flag("--version", version_text(), "Print the version, the format it writes and the Pythons its runtime supports");
    int verbosity = 0;
    bool quiet = false;
    std::string color;
    app.add_flag("-v,--verbose", verbosity, "More detail on stderr (repeat for debug output)");
    app.add_flag("-q,--quiet", quiet, "Errors only on stderr: no warnings, summaries or progress");
    app.add_option("--color", color, "Colour on stderr: auto (on a terminal, unless NO_COLOR is set), always or never")
        ->check(CLI::IsMember({"auto", "always", "never"}));
    app.require_subcommand(1);
    app.fallthrough();

    cli::Action action;
    for (const auto& cmd : cli::commands()) {
        CLI::App* sub = app.add_subcommand(cmd.name, cmd.summary);
        auto act = cmd.setup(*sub);
        sub->callback([&action, act] { action = act; });
    }
    if (std::string unknown = unknown_command(argc, argv); !unknown.empty()) {
        std::cerr << "oxpack: error: " << unknown << "\n";
        return static_cast<int>(Exit::Usage);
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
    if (color == "always") sink->set_color_mode(spdlog::color_mode::always);
    else if (color == "never") sink->set_color_mode(spdlog::color_mode::never);
    else if (color == "auto") sink->set_color_mode(no_color && *no_color ? spdlog::color_mode::never : spdlog::color_mode::automatic);
    if (quiet) logger->set_level(spdlog::level::err);
    else if (verbosity >= 2) logger->set_level(spdlog::level::debug);
    else if (verbosity == 1) logger->set_level(spdlog::level::info);
    cli::set_quiet(quiet);
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
