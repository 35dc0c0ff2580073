// The CLI side's one exception type, and the exit codes it maps to.
// Library code below the CLI throws oxpack::Failure; tools/oxpack/main.cpp
// catches it once, prints one line and exits with its code.
#pragma once

#include <stdexcept>
#include <string>

#include "format/result.hpp"

namespace oxpack {

// Stable exit codes: scripts depend on them. Values may be added, never changed.
enum class Exit : int {
    Ok = 0,
    CheckFailed = 1,   // verify found damage; diff found differences
    Usage = 2,         // bad command line
    BadInput = 3,      // an input is missing, unreadable or invalid
    Io = 4,            // the output could not be written
    Partial = 5,       // finished, but some inputs were skipped (see the report)
    Internal = 70,     // a bug in oxpack
};

class Failure : public std::runtime_error {
public:
    Failure(Exit code, const std::string& message) : std::runtime_error(message), code_(code) {}
    Exit code() const { return code_; }

private:
    Exit code_;
};

// Maps a format error to the exit code a reader of that file should give.
inline Exit exit_for(const format::Error& e) {
    return e.code == format::ErrorCode::Io ? Exit::BadInput : e.code == format::ErrorCode::Invalid ? Exit::Usage
                                                                                                    : Exit::BadInput;
}

// Unwraps a format::Result or throws its error as a Failure.
template <typename T>
T unwrap(format::Result<T> r, Exit code) {
    if (!r) throw Failure(code, r.error().message);
    return std::move(r).value();
}
inline void unwrap(format::Result<void> r, Exit code) {
    if (!r) throw Failure(code, r.error().message);
}

}  // namespace oxpack
