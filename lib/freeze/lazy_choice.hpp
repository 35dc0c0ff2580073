// Choosing a blob's lazy set from a profile (oxpack freeze --lazy auto,
// oxpack lazy-report): which module bodies may run on first use instead of
// at import.
//
// A module is chosen when the profiled run imported it and ran its body
// from a file (a "ran" event), nothing used it after its import (no
// "touched": the first read of an attribute other than the import system's
// own, which would run a lazy body), its body did not raise, and its import
// changed nothing outside itself (no "effect": registrations, sys.modules or
// sys.path edits, writes to other modules; profile_recorder.py lists what is
// watched). Deferring such a body cannot change what the run does, as far
// as the recorder sees; `freeze --lazy check` compares the outputs for
// what it cannot see.
//
// --lazy-exclude globs win over everything; --lazy-include globs add
// modules the profile did not choose. Globs are fnmatch(3) patterns over
// full module names, as everywhere else.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "freeze/profile.hpp"

namespace oxpack::freeze {

struct LazyDecision {
    std::string module;
    bool lazy = false;
    std::string reason;   // one line: why it is or is not in the set
    uint64_t micros = 0;  // its body's time in the profiled run, imports it made included (0: not run)
};

struct LazyChoiceOptions {
    std::vector<std::string> include;  // globs: in the set whatever the profile says
    std::vector<std::string> exclude;  // globs: never in the set
    // Whether a module can be deferred at all in the blob (it is there as
    // Python source or bytecode). Unset: every module can.
    std::function<bool(const std::string&)> deferrable;
    // Modules --lazy-include globs are matched against (the blob's); the
    // profile's own modules are always considered.
    std::vector<std::string> candidates;
};

// One decision per module the profile names or `candidates` a
// --lazy-include glob matches, in the profile's order of first import
// (then the others, sorted). Throws Failure(BadInput) when the profile has
// no lazy analysis in it (no "ran" events) and auto choice was asked for
// (`from_profile`).
std::vector<LazyDecision> choose_lazy(const std::vector<ProfileEvent>& profile, const LazyChoiceOptions& options,
                                      bool from_profile);

// The chosen names, for the blob's lazy set.
std::vector<std::string> lazy_names(const std::vector<LazyDecision>& decisions);

}  // namespace oxpack::freeze
