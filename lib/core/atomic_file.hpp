// Writing an output file atomically: a temporary file in the same directory,
// flushed, then renamed over the target. Readers see the old file or the new
// one, never a half-written one; a failure leaves the old file untouched.
#pragma once

#include <cstddef>
#include <span>
#include <string>

namespace oxpack::core {

// Throws oxpack::Failure(Exit::Io) naming `path` on failure.
void write_file_atomic(const std::string& path, std::span<const unsigned char> bytes);
// The same for a file made of `pieces`, written one after the other with
// writev (no copy into one buffer).
void write_file_atomic(const std::string& path, std::span<const std::span<const unsigned char>> pieces);

}  // namespace oxpack::core
