// Writing an output file atomically: a temporary file in the same directory,
// flushed, then renamed over the target. Readers see the old file or the new
// one, never a half-written one; a failure leaves the old file untouched.
//
// What may be replaced: a regular file, or nothing. A symlink is followed to
// the file it names (written through, the link itself stays); a directory,
// device, FIFO or socket at the output path is refused, never replaced.
//
// Temporary files are named `.<name>.oxpack-tmp.<host>.<pid>.XXXXXX` beside
// the output. They are removed when the write fails, on SIGINT, SIGTERM and
// SIGHUP while one exists (the signal is then re-raised with its default
// action), and, for one left by a process that was killed outright, by the
// next write to the same output: see remove_stale_temporaries.
#pragma once

#include <cstddef>
#include <ctime>
#include <span>
#include <string>
#include <vector>

namespace oxpack::util {

// The path a write to `path` would replace: `path`, or the end of the chain
// of symlinks that starts there (which may not exist yet). Throws
// oxpack::Failure(Exit::BadInput) naming `path` when what is there is not a
// regular file, or the links loop; nothing is created or changed.
std::string resolve_output_path(const std::string& path);

// Throws Failure(Exit::Io) naming `path` on failure, Failure(Exit::BadInput)
// when `path` is not a regular file (see resolve_output_path).
void write_file_atomic(const std::string& path, std::span<const unsigned char> bytes);
// The same for a file made of `pieces`, written one after the other with
// writev (no copy into one buffer).
void write_file_atomic(const std::string& path, std::span<const std::span<const unsigned char>> pieces);

// Writes `pieces` to an open descriptor (stdout for `-o -`), retrying short
// writes. Throws Failure(Exit::Io) naming `what` on failure.
void write_all_fd(int fd, std::span<const std::span<const unsigned char>> pieces, const std::string& what);

// Removes temporaries that an earlier write to `target` (a resolved output
// path) left behind: files in its directory named as above for the same
// output, owned by this user, whose writer is gone: made on this host by a
// process that no longer exists, or (any host) not modified for a day.
// Returns the paths removed. Never touches a file with another name.
std::vector<std::string> remove_stale_temporaries(const std::string& target, std::time_t now = std::time(nullptr));

// The temporary-file prefix for `target`'s file name, before the host and pid
// (".app.oxr.oxpack-tmp."): for tests and for the reliability harness.
std::string temporary_prefix(const std::string& target);

}  // namespace oxpack::util
