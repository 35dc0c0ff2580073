#include "profile_options.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <sstream>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace oxpack::cli {

void add_profile_options(CLI::App& app, ProfileArgs& a) {
    auto* cmd = app.add_option("--profile", a.command,
                               "Run this shell command once under an import recorder and put the payloads its "
                               "start-up reads first, in that order (e.g. 'python3 -m myapp --help')");
    auto* script = app.add_option("--profile-script", a.script,
                                  "Run this Python file with the target interpreter under the recorder (as --profile)");
    auto* from = app.add_option("--profile-from", a.from,
                                "Lay out by a saved profile ('import MODULE' / 'open PATH' lines, or module names)");
    app.add_option("--profile-out", a.out, "Save the profile used (to rebuild the same blob with --profile-from)");
    app.add_option("--profile-timeout", a.timeout,
                   "Stop the profiled command after this many seconds and use what it imported (default 120)")
        ->check(CLI::PositiveNumber);
    cmd->excludes(script)->excludes(from);
    script->excludes(from);
}

std::vector<std::string> profile_argv(const ProfileArgs& a, const scan::Interpreter& py) {
    if (!a.command.empty()) return {"/bin/sh", "-c", a.command};
    if (!a.script.empty()) return {py.sys_executable.empty() ? py.executable : py.sys_executable, a.script};
    return {};
}

std::string profile_what(const ProfileArgs& a) { return !a.command.empty() ? "'" + a.command + "'" : a.script; }

std::vector<freeze::ProfileEvent> load_profile(const ProfileArgs& a, const scan::Interpreter& py, bool lazy_analysis) {
    std::vector<freeze::ProfileEvent> events;
    if (!a.from.empty()) {
        std::ifstream f(a.from, std::ios::binary);
        if (!f) throw Failure(Exit::BadInput, a.from + ": cannot read the profile");
        std::ostringstream ss;
        ss << f.rdbuf();
        events = freeze::parse_profile(ss.str(), a.from);
        if (events.empty()) throw Failure(Exit::BadInput, a.from + ": the profile names nothing");
    } else if (!a.command.empty() || !a.script.empty()) {
        const std::string what = profile_what(a);
        if (lazy_analysis) spdlog::info("profile: running {} with every module body watched (--lazy auto)", what);
        freeze::ProfileRun run = freeze::record_profile(profile_argv(a, py), a.timeout, lazy_analysis);
        if (run.timed_out)
            spdlog::warn("profile: {} was still running after {} s and was stopped; using what it imported until then",
                         what, a.timeout);
        else if (run.exit_code != 0)
            spdlog::warn("profile: {} exited with {}; using what it imported. Its output ended with:\n{}", what,
                         run.exit_code, run.output_tail);
        if (run.events.empty())
            throw Failure(Exit::BadInput, "profile: " + what +
                                              " recorded nothing (does it run Python with -I, -E or -S, which skip "
                                              "PYTHONPATH or site?)");
        events = std::move(run.events);
    }
    if (!events.empty()) {
        size_t imports = 0;
        for (const auto& e : events) imports += e.kind == freeze::ProfileEvent::Import;
        spdlog::info("profile: {} module lookups, {} files opened", imports, events.size() - imports);
    }
    if (!a.out.empty()) {
        if (events.empty()) throw Failure(Exit::Usage, "--profile-out needs --profile, --profile-script or --profile-from");
        std::string text = freeze::format_profile(events);
        util::write_file_atomic(a.out, std::span(reinterpret_cast<const unsigned char*>(text.data()), text.size()));
    }
    return events;
}

}  // namespace oxpack::cli
