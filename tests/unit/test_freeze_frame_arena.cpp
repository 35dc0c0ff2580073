// Tests for lib/freeze/frame_arena: committed frames stay put and intact
// while cursors on several threads keep filling the arena.
#include <doctest/doctest.h>

#include <string>
#include <thread>
#include <vector>

#include "freeze/frame_arena.hpp"

using namespace oxpack;

TEST_CASE("frame arena: frames of any size, from several threads, stay intact") {
    freeze::FrameArena arena;
    const std::vector<size_t> sizes = {1, 100, 5000, 300000, 17, 64};
    std::vector<std::vector<std::string_view>> frames(3);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < frames.size(); ++t)
        threads.emplace_back([&, t] {
            freeze::FrameArena::Cursor cursor(arena);
            for (int round = 0; round < 20; ++round)
                for (size_t n : sizes) {
                    char* p = cursor.reserve(n + 100);  // room for more than is kept
                    const char fill = static_cast<char>('a' + (t * 7 + round + n) % 26);
                    std::fill(p, p + n + 100, fill);
                    frames[t].push_back(cursor.commit(n));
                }
            char* big = cursor.reserve(9u << 20);  // a frame bigger than a quarter chunk gets a chunk of its own
            std::fill(big, big + (9u << 20), 'Z');
            frames[t].push_back(cursor.commit(9u << 20));
        });
    for (auto& th : threads) th.join();
    size_t total = 0;
    for (size_t t = 0; t < frames.size(); ++t) {
        size_t i = 0;
        for (int round = 0; round < 20; ++round)
            for (size_t n : sizes) {
                std::string_view f = frames[t][i++];
                REQUIRE(f.size() == n);
                const char fill = static_cast<char>('a' + (t * 7 + round + n) % 26);
                CHECK(f.find_first_not_of(fill) == std::string_view::npos);
                total += n;
            }
        std::string_view big = frames[t][i];
        REQUIRE(big.size() == 9u << 20);
        CHECK(big.find_first_not_of('Z') == std::string_view::npos);
        total += big.size();
    }
    CHECK(arena.mapped() >= total);
    // Chunks are shared, not one per frame (a chunk is at least a 2 MiB huge page).
    CHECK(arena.mapped() < 3 * 20 * sizes.size() * (2u << 20));
}
