// FrameArena: chunks from mmap, handed out under a lock, filled without one.
#include "freeze/frame_arena.hpp"

#include <sys/mman.h>

#include <new>
#include <tuple>

namespace oxpack::freeze {
namespace {

constexpr size_t kChunk = 32u << 20;     // frames share chunks of this size...
constexpr size_t kOwnChunk = kChunk / 4;  // ...unless they may be bigger than this
constexpr size_t kHugePage = 2u << 20;

}  // namespace

char* FrameArena::Cursor::reserve(size_t n) {
    if (n > kOwnChunk) {
        reserved_ = arena_->chunk(n).first;
        own_chunk_ = true;
        return reserved_;
    }
    if (static_cast<size_t>(end_ - at_) < n) std::tie(at_, end_) = arena_->chunk(kChunk);
    reserved_ = at_;
    own_chunk_ = false;
    return reserved_;
}

std::string_view FrameArena::Cursor::commit(size_t n) {
    if (!own_chunk_) at_ = reserved_ + n;
    return {reserved_, n};
}

std::pair<char*, char*> FrameArena::chunk(size_t n) {
    const size_t size = (n + kHugePage - 1) / kHugePage * kHugePage;
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    madvise(p, size, MADV_HUGEPAGE);  // a hint: fewer page faults when granted
    std::lock_guard lock(mutex_);
    chunks_.emplace_back(p, size);
    return {static_cast<char*>(p), static_cast<char*>(p) + size};
}

size_t FrameArena::mapped() const {
    std::lock_guard lock(mutex_);
    size_t total = 0;
    for (const auto& c : chunks_) total += c.second;
    return total;
}

FrameArena::~FrameArena() {
    for (const auto& [p, size] : chunks_) munmap(p, size);
}

}  // namespace oxpack::freeze
