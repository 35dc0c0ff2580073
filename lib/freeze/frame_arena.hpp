// Storage for the compressed frames a freeze keeps until the blob is
// written: big chunks of anonymous memory (transparent huge pages where the
// kernel offers them), filled by one thread each through a Cursor. No
// allocation and no page fault per frame, and everything freed at once.
#pragma once

#include <cstddef>
#include <mutex>
#include <string_view>
#include <utility>
#include <vector>

namespace oxpack::freeze {

class FrameArena {
public:
    // One thread's place in the arena.
    class Cursor {
    public:
        explicit Cursor(FrameArena& arena) : arena_(&arena) {}
        // Room for at least `n` bytes, valid until the next reserve().
        char* reserve(size_t n);
        // Keeps the first `n` bytes of the last reservation (n <= its size).
        std::string_view commit(size_t n);

    private:
        FrameArena* arena_;
        char* at_ = nullptr;   // free space of the current chunk: [at_, end_)
        char* end_ = nullptr;
        char* reserved_ = nullptr;  // the last reservation
        bool own_chunk_ = false;    // it got a chunk of its own (a big frame)
    };

    FrameArena() = default;
    FrameArena(const FrameArena&) = delete;
    FrameArena& operator=(const FrameArena&) = delete;
    ~FrameArena();

    // Bytes mapped so far.
    size_t mapped() const;

private:
    // A new chunk of at least `n` bytes; throws std::bad_alloc.
    std::pair<char*, char*> chunk(size_t n);

    mutable std::mutex mutex_;
    std::vector<std::pair<void*, size_t>> chunks_;
};

}  // namespace oxpack::freeze
