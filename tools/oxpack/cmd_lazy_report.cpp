// oxpack lazy-report: why each module a profiled run imported would or
// would not be in a lazy set chosen from that profile (freeze --lazy auto),
// without building a blob.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "freeze/lazy_choice.hpp"
#include "output.hpp"
#include "profile_options.hpp"
#include "util/error.hpp"

namespace oxpack::cli {

Action setup_lazy_report(CLI::App& app) {
    struct Opts {
        ProfileArgs profile;
        std::string python = "python3";
        std::vector<std::string> include, exclude;
        bool all = false;
        bool json = false;
    };
    auto o = std::make_shared<Opts>();
    add_profile_options(app, o->profile);
    app.add_option("--python", o->python, "The interpreter --profile-script runs the script with (default: python3)");
    app.add_option("--lazy-include", o->include, "GLOB of module names put in the set whatever the profile says");
    app.add_option("--lazy-exclude", o->exclude, "GLOB of module names never put in the set");
    app.add_flag("--all", o->all,
                 "Also the modules whose bodies did not run from a file (loaded before the recorder, built in, "
                 "extensions, namespace packages)");
    app.add_flag("--json", o->json, "One object per module: module, lazy, reason, body_ms");
    return [o] {
        if (o->profile.command.empty() && o->profile.script.empty() && o->profile.from.empty())
            throw Failure(Exit::Usage, "lazy-report needs a profile: --profile CMD, --profile-script FILE or "
                                       "--profile-from FILE (saved by freeze --lazy auto --profile-out)");
        scan::Interpreter py;
        if (!o->profile.script.empty()) py = scan::probe_interpreter(o->python);
        auto events = load_profile(o->profile, py, true);
        freeze::LazyChoiceOptions lo;
        lo.include = o->include;
        lo.exclude = o->exclude;
        auto decisions = freeze::choose_lazy(events, lo, true);
        const std::string not_run = "its body did not run";
        auto shown = [&](const freeze::LazyDecision& d) {
            return o->all || d.lazy || d.reason.rfind(not_run, 0) != 0;
        };
        if (o->json) {
            nlohmann::json j = nlohmann::json::array();
            for (const auto& d : decisions)
                if (shown(d))
                    j.push_back({{"module", d.module}, {"lazy", d.lazy}, {"reason", d.reason},
                                 {"body_ms", static_cast<double>(d.micros) / 1000.0}});
            print_json(j);
            return 0;
        }
        size_t chosen = 0, listed = 0;
        for (const auto& d : decisions) {
            if (!shown(d)) continue;
            ++listed;
            chosen += d.lazy;
            char ms[32];
            if (d.micros)
                std::snprintf(ms, sizeof ms, "%8.1f ms", static_cast<double>(d.micros) / 1000.0);
            else
                std::snprintf(ms, sizeof ms, "%11s", "-");
            std::cout << (d.lazy ? "lazy   " : "eager  ") << ms << "  " << d.module << "  " << d.reason << "\n";
        }
        std::cout << chosen << " of " << listed << " modules lazy (times: each body in the profiled run, the imports "
                                                   "it made included, measured under the recorder)\n";
        return 0;
    };
}

}  // namespace oxpack::cli
