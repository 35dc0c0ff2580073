// Body of the blob-reader fuzz target: open from memory (as given; with the
// header and index checksums recomputed first, so that mutated headers and
// indexes get past them, as a hostile file would; and without the index
// check; and checked page by page, format 1.3's page table), decode the meta section, walk every entry, look each key up, read
// every payload, and run verify(). A blob verify() passes must also read
// back entry by entry: every entry decodes, is found by its key, and its
// payload reads.
#include <vector>

#include "format/bytes.hpp"
#include "format/reader.hpp"
#include "targets.hpp"

namespace oxpack::fuzz {
namespace {

using namespace oxpack::format;

// Recomputes the index and header checksums in place, as an attacker would.
void reseal(std::vector<unsigned char>& b) {
    if (b.size() < kHeaderSize) return;
    uint64_t po = load_le<uint64_t>(b.data() + hdr::kPayloadOffset);
    if (po >= kHeaderSize && po <= b.size())
        store_le<uint64_t>(b.data() + hdr::kIndexChecksum, checksum(b.data() + kHeaderSize, po - kHeaderSize));
    store_le<uint64_t>(b.data() + hdr::kHeaderChecksum, checksum(b.data(), hdr::kHeaderChecksum));
}

// The reader allocates up to raw_size (itself capped at 65536 x stored_size)
// for a compressed payload; libFuzzer would report a large allocation as a
// crash, so huge claims are only decoded, not read.
constexpr uint64_t kMaxRead = 64u << 20;

}  // namespace

void reader_one(const uint8_t* data, size_t size) {
    for (int pass = 0; pass < 4; ++pass) {
        // An exact-size copy: any read past the end is an ASan report.
        std::vector<unsigned char> bytes(data, data + size);
        if (pass == 1) reseal(bytes);
        const bool check_index = pass != 2;
        auto blob = Blob::from_memory(bytes.data(), bytes.size(), "fuzz.oxr",
                                      OpenOptions{.check_index = check_index, .index_pages = pass == 3});
        if (!blob) continue;
        (void)blob->info();
        bool huge = false;
        for (uint32_t i = 0; i < blob->entry_count(); ++i) {
            auto e = blob->entry(i);
            if (!e) continue;
            auto g = blob->find(static_cast<Space>(e->space), e->key);
            if (g && g->found()) (void)blob->entry(g->first + g->count - 1);
            (void)blob->lower_bound(static_cast<Space>(e->space), e->key);
            (void)blob->find_resource(e->key, e->path);
            if (e->raw_size > kMaxRead) {
                huge = true;
                continue;
            }
            auto p = blob->payload(*e);
            if (p && p->size() > 0) {
                volatile unsigned char sink = p->data()[0] ^ p->data()[p->size() - 1];
                (void)sink;
            }
        }
        (void)blob->find_module("os");
        (void)blob->find(Space::Resource, "pkg/data.txt");
        if (blob->entry_count() >= 100000 || huge) continue;
        if (!blob->verify(8).empty()) continue;
        // Intact by verify(): everything reads back.
        fuzz_check(blob->info());
        for (uint32_t i = 0; i < blob->entry_count(); ++i) {
            auto e = blob->entry(i);
            fuzz_check(e);
            auto g = blob->find(static_cast<Space>(e->space), e->key);
            fuzz_check(g && g->found() && g->first <= i && i < g->first + g->count);
            auto lb = blob->lower_bound(static_cast<Space>(e->space), e->key);
            fuzz_check(lb && *lb == g->first);
            if (e->compression <= kMaxKnownCompression) fuzz_check(blob->payload(*e));
        }
    }
}

}  // namespace oxpack::fuzz
