// Writing an output file atomically: a temporary file in the same directory,
// flushed, then renamed over the target. Readers see the old file or the new
// one, never a half-written one; a failure leaves the old file untouched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace oxpack::core {

using Piece = std::span<const unsigned char>;

// A temporary file that becomes `path` on commit(); destroyed before that,
// it is removed. Pieces can be written at any offset, from several threads
// at once (for disjoint ranges), so a file can be written as it is made.
class AtomicFile {
public:
    // Creates the temporary file. Throws oxpack::Failure(Exit::Io) naming `path`.
    explicit AtomicFile(std::string path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    // Allocates `size` bytes and sets the size (a hint: errors surface on write).
    void reserve(uint64_t size);
    // Writes `pieces` one after the other from `offset`; returns 0 or an errno.
    // Thread-safe for disjoint ranges; starts writeback as it goes.
    int write_at(uint64_t offset, std::span<const Piece> pieces);
    // Starts writing [offset, offset + size) back to the disk (a hint), so
    // that the fsync in commit() has little left to do.
    void writeback(uint64_t offset, uint64_t size);
    // reserve() and write_at(0, pieces); throws Failure(Exit::Io) naming the path.
    void write_all(std::span<const Piece> pieces);
    // Throws Failure(Exit::Io) "PATH: WHAT: strerror(err)" (and removes the temporary).
    [[noreturn]] void fail(const std::string& what, int err);
    // Sets the size, flushes, renames over the target. Throws Failure(Exit::Io).
    void commit(uint64_t size);

    const std::string& path() const { return path_; }

private:
    void discard();
    std::string path_, tmp_;
    int fd_ = -1;
};

// Throws oxpack::Failure(Exit::Io) naming `path` on failure.
void write_file_atomic(const std::string& path, std::span<const unsigned char> bytes);
// The same for a file made of `pieces`, written one after the other with
// writev (no copy into one buffer).
void write_file_atomic(const std::string& path, std::span<const Piece> pieces);

}  // namespace oxpack::core
