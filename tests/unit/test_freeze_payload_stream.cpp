// Tests for lib/freeze/payload_stream: the read order keeps every possible
// owner of a payload before it; a stream fed as the freezer feeds it (reads
// done on two threads, in read order, some failing or changing size) ends,
// after write_blob, in exactly the bytes assemble_blob gives; write_blob
// alone (nothing streamed) and against a stream that is wrong gives them
// too. Also payload_offset() against the image, and AtomicFile.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "freeze/frame_arena.hpp"
#include "freeze/layout.hpp"
#include "freeze/payload_stream.hpp"
#include "helpers.hpp"

using namespace oxpack;
using format::Kind;
using format::Space;

namespace {

// Entries of every space with sizes that collide, duplicates within and
// across spaces (a module source equal to a resource, as typeshed stubs
// are), empty payloads and namespace markers; in entry order.
std::vector<format::InputEntry> sample_entries(unsigned seed) {
    std::mt19937 rng(seed);
    auto text = [&](size_t n) {
        std::string s;
        while (s.size() < n) s += "def f" + std::to_string(rng() % 50) + "(x): return x * " + std::to_string(rng() % 7) + "\n";
        s.resize(n);
        return s;
    };
    std::vector<std::string> pool;
    for (int i = 0; i < 12; ++i) pool.push_back(text(50 + rng() % 3000));
    std::vector<format::InputEntry> es;
    for (int m = 0; m < 60; ++m) {
        std::string key = "mod" + std::to_string(1000 + m);
        std::string src = rng() % 4 == 0 ? pool[rng() % pool.size()] : text(rng() % 5 == 0 ? 0 : 20 + rng() % 4000);
        es.push_back(test::entry(Space::Module, Kind::Source, key, src, 0, key + ".py"));
        es.push_back(test::entry(Space::Module, Kind::Bytecode0, key, "\xa7\x0d\x0d\x0a" + text(100 + rng() % 2000), 0,
                                 "__pycache__/" + key + ".cpython-311.pyc"));
        if (m % 17 == 0) es.push_back(test::entry(Space::Module, Kind::Extension, key + "_c", text(5000), 0, key + "_c.so"));
    }
    es.push_back(test::entry(Space::Module, Kind::Namespace, "nspkg", "", format::kFlagPackage | format::kFlagNamespace, "nspkg"));
    for (int r = 0; r < 80; ++r) {
        std::string body = rng() % 3 == 0 ? pool[rng() % pool.size()] : text(rng() % 6 == 0 ? 0 : 10 + rng() % 3000);
        es.push_back(test::entry(Space::Resource, Kind::Resource, "mod1000/data" + std::to_string(100 + r), body, 0,
                                 "mod1000/data" + std::to_string(100 + r)));
    }
    for (int d = 0; d < 10; ++d)
        es.push_back(test::entry(Space::Distribution, Kind::Metadata, "d" + std::to_string(d) + ".dist-info/LICENSE",
                                 d % 2 ? pool[d % pool.size()] : text(40 + rng() % 500), 0,
                                 "d" + std::to_string(d) + ".dist-info/LICENSE"));
    es.push_back(test::entry(Space::File, Kind::File, "x.pth", pool[0], 0, "x.pth"));
    std::sort(es.begin(), es.end(), [](const auto& a, const auto& b) {
        return std::tie(a.space, a.key, a.kind, a.path) < std::tie(b.space, b.key, b.kind, b.path);
    });
    return es;
}

struct Case {
    std::set<size_t> failing;     // entries whose read fails (skipped: not in the blob)
    std::set<size_t> grown;       // entries whose file grew since the scan
    std::set<size_t> compiled;    // entries made after the reads (bytecode compiled)
    format::Compression compression = format::Compression::Zstd;
};

// Runs the freezer's protocol on `entries` and returns (file bytes, image bytes, bytes kept from the stream).
std::tuple<std::vector<unsigned char>, std::vector<unsigned char>, uint64_t> run_stream(
    std::vector<format::InputEntry> entries, const Case& c) {
    const format::BlobInfo info = test::sample_info();
    format::WriteOptions wo;
    wo.compression = c.compression;
    // The freezer's reads: every entry with a payload, in entry order, but the compiled ones.
    std::vector<size_t> read_entry;
    std::vector<uint32_t> entry_read(entries.size(), freeze::StreamSlot::kNoRead);
    for (size_t i = 0; i < entries.size(); ++i) {
        if (c.compiled.count(i)) entry_read[i] = freeze::StreamSlot::kLater;
        else if (entries[i].kind != Kind::Namespace) entry_read[i] = static_cast<uint32_t>(read_entry.size()), read_entry.push_back(i);
    }
    std::vector<freeze::ReadInfo> infos;
    for (size_t e : read_entry) infos.push_back({entries[e].space, entries[e].data.size(), true});
    const std::vector<uint32_t> order = freeze::stream_read_order(infos);
    REQUIRE(order.size() == read_entry.size());
    std::vector<uint32_t> renumber(order.size());
    for (uint32_t i = 0; i < order.size(); ++i) renumber[order[i]] = i;
    for (auto& r : entry_read)
        if (r < order.size()) r = renumber[r];
    std::vector<size_t> entry_of(order.size());
    for (uint32_t i = 0; i < order.size(); ++i) entry_of[i] = read_entry[order[i]];
    std::vector<uint64_t> read_size;
    for (size_t e : entry_of) read_size.push_back(entries[e].data.size());

    test::TempDir dir;
    const std::string out = (dir / "out.oxr").string();
    std::vector<std::string> data(order.size());
    std::vector<std::string_view> frame(order.size());
    std::vector<format::RawDigest> digest(order.size());
    freeze::FrameArena arena;
    std::vector<format::InputEntry> planned = entries;
    freeze::order_payloads(planned, {"/test/root"}, {}, format::OriginMode::Original);
    std::vector<bool> ok(order.size(), false);
    std::vector<format::InputEntry> final_entries;
    std::optional<freeze::Streamed> streamed;
    {
        core::AtomicFile file(out);
        freeze::PayloadStream stream(
            file, [&]() -> std::optional<freeze::StreamPlan> {
                auto p = freeze::plan_stream(info, planned, entry_read);
                if (!p) return std::nullopt;
                return std::move(*p);
            },
            read_size, frame, data, digest);
        // Two reading threads taking runs of reads in order, as read_items does.
        std::atomic<size_t> next{0};
        auto work = [&] {
            format::PayloadCompressor z(wo);
            freeze::FrameArena::Cursor cursor(arena);
            for (size_t first; (first = next.fetch_add(3)) < order.size();)
                for (size_t r = first; r < std::min(first + 3, order.size()); ++r) {
                    const size_t e = entry_of[r];
                    if (c.failing.count(e)) continue;
                    std::string bytes = entries[e].data + (c.grown.count(e) ? "grown" : "");
                    size_t room = z.max_frame_size(bytes.size());
                    auto n = z.compress_to(bytes, room ? cursor.reserve(room) : nullptr, room);
                    REQUIRE(n);
                    if (*n > 0) frame[r] = cursor.commit(*n);
                    else data[r] = bytes;
                    digest[r] = format::raw_digest(bytes);
                    ok[r] = true;
                    stream.read_done(r);
                }
        };
        std::thread t(work);
        work();
        t.join();
        stream.end_of_reads();
        streamed = stream.finish();
        // The entries the freezer then gives assemble_blob.
        for (size_t i = 0; i < entries.size(); ++i) {
            format::InputEntry e = planned[i];
            const uint32_t r = entry_read[i];
            if (r < order.size()) {
                if (!ok[r]) continue;
                e.data = data[r];
                if (!frame[r].empty()) e.precompressed = format::PayloadBytes::borrow(frame[r]), e.raw = digest[r];
            }
            final_entries.push_back(std::move(e));
        }
        auto image = format::assemble_blob(info, final_entries, wo);
        REQUIRE(image);
        const uint64_t kept = freeze::write_blob(file, *image, &*streamed);
        return {test::read_bytes(out), image->bytes(), kept};
    }
}

}  // namespace

TEST_CASE("payload stream: the read order keeps every candidate owner first, spaces in layout order") {
    std::vector<freeze::ReadInfo> reads;
    std::mt19937 rng(7);
    const Space spaces[] = {Space::Module, Space::Resource, Space::Distribution, Space::File};
    for (int i = 0; i < 400; ++i) reads.push_back({spaces[std::min(3, i / 100)], rng() % 20, i < 380});
    auto order = freeze::stream_read_order(reads);
    std::vector<uint32_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<uint32_t> all(reads.size());
    std::iota(all.begin(), all.end(), 0u);
    CHECK(sorted == all);  // a permutation
    std::vector<size_t> at(reads.size());
    for (size_t i = 0; i < order.size(); ++i) at[order[i]] = i;
    for (uint32_t a = 0; a < 380; ++a)
        for (uint32_t b = 0; b < a; ++b)
            if (reads[b].size == reads[a].size) CHECK(at[b] < at[a]);
    for (uint32_t r = 380; r < 400; ++r) CHECK(at[r] >= 380);  // reads of no entry last
    // Distinct sizes: spaces in layout order (modules, metadata, resources, files), entry order within.
    std::vector<freeze::ReadInfo> distinct = {{Space::Module, 1, true},   {Space::Module, 2, true},
                                              {Space::Resource, 3, true}, {Space::Resource, 4, true},
                                              {Space::Distribution, 5, true}, {Space::File, 6, true},
                                              {Space::Module, 7, false}};
    CHECK(freeze::stream_read_order(distinct) == std::vector<uint32_t>{0, 1, 4, 2, 3, 5, 6});
    // A resource the size of a metadata file comes with it (it may own the metadata's payload).
    distinct[2].size = 5;
    CHECK(freeze::stream_read_order(distinct) == std::vector<uint32_t>{0, 1, 2, 4, 3, 5, 6});
}

TEST_CASE("payload stream: the file is the image, byte for byte, and most of it was streamed") {
    for (unsigned seed : {1u, 2u, 3u}) {
        auto [file, image, kept] = run_stream(sample_entries(seed), {});
        CHECK(file == image);
        CHECK(kept == image.size() - test::must_open(image).header().payload_offset);  // all of it
    }
    auto [file, image, kept] = run_stream(sample_entries(4), {{}, {}, {}, format::Compression::None});
    CHECK(file == image);
    CHECK(kept > 0);
}

TEST_CASE("payload stream: failed reads, grown files and compiled bytecode still give the image's bytes") {
    auto es = sample_entries(5);
    Case fail;
    fail.failing = {3, 40};
    auto [f1, i1, k1] = run_stream(es, fail);
    CHECK(f1 == i1);
    Case grow;
    grow.grown = {10, 90};
    auto [f2, i2, k2] = run_stream(es, grow);
    CHECK(f2 == i2);
    Case compiled;
    for (size_t i = 0; i < es.size(); ++i)
        if (es[i].kind == Kind::Bytecode0 && i % 3 == 0) compiled.compiled.insert(i);
    auto [f3, i3, k3] = run_stream(es, compiled);
    CHECK(f3 == i3);
}

TEST_CASE("payload stream: write_blob with nothing streamed, or a stream that is wrong") {
    const auto info = test::sample_info();
    auto image = format::assemble_blob(info, sample_entries(6), {});
    REQUIRE(image);
    test::TempDir dir;
    {
        core::AtomicFile file((dir / "a.oxr").string());
        CHECK(freeze::write_blob(file, *image, nullptr) == 0);
    }
    CHECK(test::read_bytes(dir / "a.oxr") == image->bytes());
    {
        core::AtomicFile file((dir / "b.oxr").string());
        // Garbage where the payloads go, recorded as the first payload's size with a wrong checksum.
        std::vector<unsigned char> junk(image->size(), 0xEE);
        core::Piece p[] = {junk};
        REQUIRE(file.write_at(0, p) == 0);
        freeze::Streamed s;
        s.payload_offset = image->payload_offset();
        s.payloads.push_back({image->payload(0).size(), image->payload_checksum(0) ^ 1});
        CHECK(freeze::write_blob(file, *image, &s) == 0);
    }
    CHECK(test::read_bytes(dir / "b.oxr") == image->bytes());
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"a.oxr", "b.oxr"});
}

TEST_CASE("payload_offset: where assemble_blob puts the payloads") {
    for (unsigned seed : {1u, 9u}) {
        auto es = sample_entries(seed);
        auto off = format::payload_offset(test::sample_info(), es);
        REQUIRE(off);
        auto image = format::assemble_blob(test::sample_info(), es, {});
        REQUIRE(image);
        CHECK(*off == image->payload_offset());
        CHECK(*off == test::must_open(image->bytes()).header().payload_offset);
    }
    auto es = sample_entries(1);
    std::swap(es[0], es[5]);
    CHECK(!format::payload_offset(test::sample_info(), es));  // not in entry order
}

TEST_CASE("AtomicFile: pieces at any offset; nothing left behind unless committed") {
    test::TempDir dir;
    const std::string target = (dir / "out.bin").string();
    {
        core::AtomicFile file(target);
        std::string tail = "world", head = "hello ";
        core::Piece t[] = {{reinterpret_cast<const unsigned char*>(tail.data()), tail.size()}};
        core::Piece h[] = {{reinterpret_cast<const unsigned char*>(head.data()), head.size()}};
        REQUIRE(file.write_at(6, t) == 0);
        REQUIRE(file.write_at(0, h) == 0);
        file.commit(11);
    }
    auto bytes = test::read_bytes(target);
    CHECK(std::string(bytes.begin(), bytes.end()) == "hello world");
    {
        core::AtomicFile file((dir / "other.bin").string());
        core::Piece p[] = {{reinterpret_cast<const unsigned char*>("x"), 1}};
        REQUIRE(file.write_at(0, p) == 0);
    }  // never committed: gone
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"out.bin"});
}
