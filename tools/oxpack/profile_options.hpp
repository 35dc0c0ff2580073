// oxpack freeze's start-up profile options (--profile, --profile-script,
// --profile-from, --profile-out, --profile-timeout): record or read a
// profile for freeze::order_payloads (lib/freeze/payload_order.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "freeze/profile.hpp"
#include "scan/interpreter.hpp"

namespace oxpack::cli {

struct ProfileArgs {
    std::string command;  // --profile CMD (a shell command line)
    std::string script;   // --profile-script FILE (run by the target interpreter)
    std::string from;     // --profile-from FILE (a saved profile)
    std::string out;      // --profile-out FILE (save what was recorded or read)
    double timeout = 120;
};

void add_profile_options(CLI::App& app, ProfileArgs& args);

// The profile the arguments ask for (empty without one): records it (a run
// of the command, reported on stderr; with `lazy_analysis`, watching every
// module body for --lazy auto) or reads it, and saves it with --profile-out.
// Throws Failure: Usage, BadInput (the file cannot be read, the run
// recorded nothing), Io (--profile-out cannot be written).
std::vector<freeze::ProfileEvent> load_profile(const ProfileArgs& args, const scan::Interpreter& python,
                                               bool lazy_analysis = false);

// The command --profile or --profile-script runs (empty for --profile-from
// or none), as record_profile takes it, and how messages name it.
std::vector<std::string> profile_argv(const ProfileArgs& args, const scan::Interpreter& python);
std::string profile_what(const ProfileArgs& args);

}  // namespace oxpack::cli
