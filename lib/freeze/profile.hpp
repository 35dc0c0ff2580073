// Start-up profiles (oxpack freeze --profile): what one traced run of an
// application imported and read, in order, so the freeze can lay the
// payloads a start-up needs next to each other (payload_order.hpp).
//
// Recording injects nothing into the environment it profiles: a temporary
// directory holding a sitecustomize.py is put first on PYTHONPATH for that
// one run (and the processes it starts). The recorder sees every module
// lookup (a meta-path observer ahead of every finder: imports, failed
// imports, importlib.import_module) and every file opened for reading
// (an audit hook), writes one line per new name as it happens (a run that
// is killed keeps what it recorded), then hands over to the environment's
// own sitecustomize, if there is one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>


namespace oxpack::freeze {

struct ProfileEvent {
    // Import and Open: what a start-up reads. Ran, Failed, Touched and
    // Effect: the lazy analysis (recorded with `lazy_analysis`; read by
    // lazy_choice.hpp).
    enum Kind : uint8_t { Import, Open, Ran, Failed, Touched, Effect };
    Kind kind = Import;
    std::string name;    // a dotted module name, or an absolute file path (Open)
    std::string detail;  // Ran: the body's microseconds; Touched: "ATTR BY"; Effect: what it changed
    bool operator==(const ProfileEvent&) const = default;
};

// The profile as text: "import NAME" and "open PATH" lines, first use first
// (a bare name is an import; blank lines and '#' comments are ignored), and
// the lazy analysis's "ran NAME MICROS", "failed NAME", "touched NAME ATTR
// BY" and "effect NAME WHAT" lines (profile_recorder.py says what each
// means). Parsing keeps the first occurrence of each event (of an effect,
// each different WHAT). Throws oxpack::Failure(Exit::BadInput) naming
// `where` on a malformed line.
std::vector<ProfileEvent> parse_profile(std::string_view text, const std::string& where);
std::string format_profile(const std::vector<ProfileEvent>& events);

struct ProfileRun {
    std::vector<ProfileEvent> events;
    int exit_code = 0;        // the command's; -1 when killed by a signal
    bool timed_out = false;   // stopped after `timeout_seconds`
    std::string output_tail;  // the end of its stdout + stderr, for messages
};

// Runs `argv` (argv[0] searched on PATH; a shell command is
// {"/bin/sh", "-c", CMD}) with the recorder injected, its standard input
// empty and its output captured, in its own process group, killed (all of
// it) after `timeout_seconds`. Nothing is recorded from interpreters started
// with -I, -E or -S (they skip PYTHONPATH or site). With `lazy_analysis`,
// the recorder also watches every module body (slower; for --lazy auto).
// Throws oxpack::Failure(Exit::BadInput) when it cannot be started.
ProfileRun record_profile(const std::vector<std::string>& argv, double timeout_seconds, bool lazy_analysis = false);

// One run of `argv` as record_profile runs it, with `sitecustomize` (a
// program's source) injected the same way and `env` added to the
// environment: for runs that install something into every Python process
// of a command (freeze --lazy check). `output` is its whole stdout+stderr.
struct InjectedRun {
    int exit_code = 0;  // -1 when killed by a signal
    bool timed_out = false;
    std::string output;
};
InjectedRun run_injected(const std::vector<std::string>& argv, std::string_view sitecustomize,
                         const std::vector<std::string>& env, double timeout_seconds);

// The recorder's source (sitecustomize.py), for tests and the curious.
std::string_view recorder_source();

}  // namespace oxpack::freeze
