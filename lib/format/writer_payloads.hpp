// Internal to the writer (writer.cpp, writer_payloads.cpp): the payload
// stage, between validating the entries and laying out the file.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "format/writer.hpp"

namespace oxpack::format::detail {

// One payload as the file stores it (owners only).
struct Stored {
    Compression compression = Compression::None;
    PayloadBytes bytes;  // the stored bytes: raw, or one zstd frame
    uint64_t raw_size = 0;
};

// Which entry owns the payload each entry shares (the first with equal raw
// bytes, in entry order), and the owners in entry order. Entries are grouped
// by raw digest; equal digests are confirmed exactly (equal frames decode to
// equal bytes; anything else is compared raw).
void dedup(const std::vector<InputEntry>& entries, bool enabled, std::vector<uint32_t>& owner,
           std::vector<uint32_t>& unique);

// Turns each owner's input into its Stored form (`out` is indexed like
// `entries`), compressing on every core; releases the inputs' bytes.
Result<void> store_all(std::vector<InputEntry>& entries, std::vector<Stored>& out, const std::vector<uint32_t>& unique,
                       const WriteOptions& options);

// Runs `work(next)` on `threads` threads (0: one per core), the calling one
// included; each takes indices below `count` with next(k) until it is false.
template <typename Work>
void on_threads(unsigned threads, size_t count, Work work) {
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    std::atomic<size_t> counter{0};
    auto next = [&](size_t& k) { return (k = counter.fetch_add(1)) < count; };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads && t < count; ++t) pool.emplace_back([&] { work(next); });
    work(next);
    for (auto& t : pool) t.join();
}

}  // namespace oxpack::format::detail
