// build_blob: round trips of every kind and space, sizes, compression, dedup,
// layout rules (alignment, zero padding) and determinism.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "format/bytes.hpp"
#include "format/shared_libraries.hpp"
#include "helpers.hpp"

using namespace oxpack;
using namespace oxpack::format;
using test::module;

namespace {

// Every kind in the space it belongs to, with flags and paths.
std::vector<InputEntry> every_kind() {
    const uint16_t P = kFlagPackage;
    return {
        test::entry(Space::Module, Kind::Source, "pkg", "# init\n", P, "pkg/__init__.py"),
        test::entry(Space::Module, Kind::Bytecode0, "pkg", "pyc0", P, "pkg/__pycache__/__init__.cpython-311.pyc"),
        test::entry(Space::Module, Kind::Bytecode1, "pkg", "pyc1", P, "pkg/__pycache__/__init__.cpython-311.opt-1.pyc"),
        test::entry(Space::Module, Kind::Bytecode2, "pkg", "pyc2", P, "pkg/__pycache__/__init__.cpython-311.opt-2.pyc"),
        test::entry(Space::Module, Kind::Extension, "pkg._c", "\x7f" "ELF", 0, "pkg/_c.cpython-311-x86_64-linux-gnu.so"),
        test::entry(Space::Module, Kind::Namespace, "ns", "", P | kFlagNamespace, "ns"),
        test::entry(Space::Resource, Kind::Resource, "pkg/data.txt", "data", 0, "pkg/data.txt"),
        test::entry(Space::Distribution, Kind::Metadata, "pkg-1.dist-info/METADATA", "Name: pkg", 0,
                    "pkg-1.dist-info/METADATA"),
        test::entry(Space::File, Kind::File, "pkg.pth", "./x", 0, "pkg.pth"),
    };
}

std::vector<unsigned char> compressed_sample(unsigned threads, bool shuffle) {
    std::vector<InputEntry> es;
    for (int i = 0; i < 300; ++i) {
        std::string body;
        for (int j = 0; j < 20 + i % 17; ++j) body += "line " + std::to_string(j * i) + " of module " + std::to_string(i) + "\n";
        es.push_back(module("mod" + std::to_string(i), body));
    }
    if (shuffle) std::shuffle(es.begin(), es.end(), std::mt19937(42));
    WriteOptions wo;
    wo.compression = Compression::Zstd;
    wo.threads = threads;
    return test::must_build(test::sample_info(), es, wo);
}

}  // namespace

TEST_CASE("writer: every kind and space round-trips with its flags, path and root") {
    auto input = every_kind();
    auto bytes = test::must_build(test::sample_info(), input);
    auto blob = test::must_open(bytes);
    REQUIRE(blob.entry_count() == input.size());
    CHECK(blob.verify().empty());
    for (const auto& in : input) {
        CAPTURE(in.key);
        auto g = blob.find(in.space, in.key);
        REQUIRE(g.ok());
        REQUIRE(g->found());
        bool seen = false;
        for (uint32_t i = g->first; i < g->first + g->count; ++i) {
            auto e = blob.entry(i);
            REQUIRE(e.ok());
            if (e->kind != static_cast<uint8_t>(in.kind)) continue;
            seen = true;
            CHECK(e->space == static_cast<uint8_t>(in.space));
            CHECK(e->flags == in.flags);
            CHECK(e->path == in.path);
            CHECK(e->root == 0);
            CHECK(e->compression == 0);
            CHECK(e->raw_size == in.data.size());
            CHECK(blob.payload(*e)->str() == in.data);
        }
        CHECK(seen);
    }
    // The package group holds source, bytecode 0/1/2 in kind order.
    auto g = blob.find_module("pkg");
    REQUIRE(g->count == 4);
    for (uint32_t i = 0; i < 4; ++i) CHECK(blob.entry(g->first + i)->kind == i + 1);
    auto ns = blob.entry(blob.find_module("ns")->first);
    CHECK(ns->is_namespace());
    CHECK(ns->is_package());
    CHECK(blob.payload(*ns)->size() == 0);
}

TEST_CASE("writer: empty blob") {
    auto bytes = test::must_build(test::sample_info(), {});
    auto blob = test::must_open(bytes);
    CHECK(blob.entry_count() == 0);
    CHECK(blob.header().slot_count == 1);
    CHECK(blob.verify().empty());
    CHECK_FALSE(blob.find_module("x")->found());
    CHECK(*blob.lower_bound(Space::Module, "") == 0);
    auto info = blob.info();
    REQUIRE(info.ok());
    CHECK(info->target.python_version == "3.11.7");
    CHECK(bytes.size() % 16 == 0);
}

TEST_CASE("writer: an Absent record round-trips and makes the blob 1.4, a blob without one stays 1.3") {
    auto info = test::sample_info();
    auto plain = test::must_build(info, {});
    CHECK(load_le<uint16_t>(plain.data() + hdr::kVersionMinor) == 3);
    CHECK(test::must_open(plain).info()->absent.empty());
    info.absent = {"/opt/python/share/locale", "/elsewhere"};
    auto bytes = test::must_build(info, {});
    CHECK(load_le<uint16_t>(bytes.data() + hdr::kVersionMinor) == 4);
    auto blob = test::must_open(bytes);
    CHECK(blob.verify().empty());
    REQUIRE(blob.info().ok());
    CHECK(blob.info()->absent == info.absent);
    CHECK(blob.info()->unknown.empty());
}

TEST_CASE("writer: a SharedLibraries record round-trips and makes the blob 1.5") {
    auto info = test::sample_info();
    info.absent = {"/opt/python/share/locale"};
    SharedLibraries table;
    table.guards = {{"/etc/ld.so.cache", 123, 456}, {"/nowhere", 0, 0}};
    table.libraries = {"/lib/libcrypto.so.3", "/lib/libssl.so.3"};
    table.modules = {{"_hashlib", {0}}, {"_ssl", {0, 1}}};
    info.shared_libraries = encode_shared_libraries(table);
    auto bytes = test::must_build(info, {});
    CHECK(load_le<uint16_t>(bytes.data() + hdr::kVersionMinor) == 5);
    auto blob = test::must_open(bytes);
    CHECK(blob.verify().empty());
    REQUIRE(blob.info().ok());
    CHECK(blob.info()->absent == info.absent);
    CHECK(blob.info()->unknown.empty());
    auto back = decode_shared_libraries(blob.info()->shared_libraries, "b");
    REQUIRE(back.ok());
    CHECK(*back == table);
}

TEST_CASE("writer: 50,000 entries: every one found, ordered, verified") {
    std::vector<InputEntry> es;
    for (int i = 0; i < 50000; ++i) {
        std::string name = "pkg" + std::to_string(i % 97) + ".mod_" + std::to_string(i);
        es.push_back(module(name, "value = " + std::to_string(i) + "\n"));
    }
    auto bytes = test::must_build(test::sample_info(), es);
    auto blob = test::must_open(bytes);
    REQUIRE(blob.entry_count() == 50000);
    CHECK(blob.header().slot_count == 131072);  // smallest power of two >= 2 x 50,000
    for (int i = 0; i < 50000; i += 7) {
        std::string name = "pkg" + std::to_string(i % 97) + ".mod_" + std::to_string(i);
        CHECK(test::payload_of(blob, Space::Module, name, 1) == "value = " + std::to_string(i) + "\n");
    }
    for (int i = 0; i < 1000; ++i) CHECK_FALSE(blob.find_module("missing.mod_" + std::to_string(i))->found());
    // The ordered view is sorted by key bytes.
    std::string prev;
    for (uint32_t i = 0; i < blob.entry_count(); ++i) {
        auto e = blob.entry(i);
        REQUIRE(e.ok());
        REQUIRE(prev < e->key);
        prev = std::string(e->key);
    }
    CHECK(blob.verify().empty());
}

TEST_CASE("writer: compression keeps what shrinks, stores the rest") {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "def f" + std::to_string(i) + "(): return " + std::to_string(i) + "\n";
    std::string noise(4096, '\0');
    std::mt19937 rng(1);
    for (auto& c : noise) c = static_cast<char>(rng());
    WriteOptions wo;
    wo.compression = Compression::Zstd;
    auto bytes = test::must_build(test::sample_info(),
                                  {module("text", text), module("noise", noise), module("tiny", "x = 1\n")}, wo);
    auto blob = test::must_open(bytes);
    auto e_text = *blob.entry(blob.find_module("text")->first);
    auto e_noise = *blob.entry(blob.find_module("noise")->first);
    auto e_tiny = *blob.entry(blob.find_module("tiny")->first);
    CHECK(e_text.compression == static_cast<uint8_t>(Compression::Zstd));
    CHECK(e_text.stored_size < e_text.raw_size / 3);
    CHECK(e_noise.compression == 0);  // incompressible
    CHECK(e_tiny.compression == 0);   // under min_compress_size
    auto p = blob.payload(e_text);
    REQUIRE(p.ok());
    CHECK(p->str() == text);
    CHECK_FALSE(p->is_view());  // decompressed into a buffer
    auto q = blob.payload(e_noise);
    CHECK(q->is_view());  // zero-copy
    CHECK(q->data() == bytes.data() + blob.header().payload_offset + e_noise.payload_offset);
    CHECK(blob.verify().empty());
}

TEST_CASE("writer: identical payloads are stored once, unless dedup is off") {
    std::string body(1000, 'z');
    std::vector<InputEntry> es = {module("a", body), module("b", body), module("c", "other")};
    auto with = test::must_build(test::sample_info(), es);
    WriteOptions off;
    off.dedup = false;
    auto without = test::must_build(test::sample_info(), es, off);
    CHECK(without.size() >= with.size() + 1000);
    auto blob = test::must_open(with);
    auto a = *blob.entry(blob.find_module("a")->first);
    auto b = *blob.entry(blob.find_module("b")->first);
    CHECK(a.payload_offset == b.payload_offset);
    CHECK(blob.payload(b)->str() == body);
    CHECK(blob.verify().empty());
    CHECK(test::must_open(without).verify().empty());
}

TEST_CASE("writer: non-ASCII names") {
    auto bytes = test::must_build(test::sample_info(),
                                  {module("café", "c"), module("пакет.модуль", "p"),
                                   test::entry(Space::Resource, Kind::Resource, "日本/データ.txt", "j")});
    auto blob = test::must_open(bytes);
    CHECK(test::payload_of(blob, Space::Module, "café", 1) == "c");
    CHECK(test::payload_of(blob, Space::Module, "пакет.модуль", 1) == "p");
    CHECK(test::payload_of(blob, Space::Resource, "日本/データ.txt", 6) == "j");
    CHECK_FALSE(blob.find_module("cafe")->found());
}

TEST_CASE("writer: layout: sections and payloads 16-byte aligned, zero padding") {
    std::vector<InputEntry> es = every_kind();
    es.push_back(module("odd", std::string(13, 'o')));
    auto bytes = test::must_build(test::sample_info(), es);
    auto blob = test::must_open(bytes);
    const auto& h = blob.header();
    for (uint64_t off : {h.entries_offset, h.slots_offset, h.strings_offset, h.meta_offset, h.payload_offset})
        CHECK(off % 16 == 0);
    CHECK(h.file_size % 16 == 0);
    // Index padding: every byte between one section's end and the next start is zero.
    auto zero = [&](uint64_t from, uint64_t to) {
        for (uint64_t i = from; i < to; ++i)
            if (bytes[i] != 0) return false;
        return true;
    };
    CHECK(zero(h.entries_offset + uint64_t{h.entry_count} * kEntrySize, h.slots_offset));
    CHECK(zero(h.slots_offset + uint64_t{h.slot_count} * kSlotSize, h.strings_offset));
    CHECK(zero(h.strings_offset + h.strings_size, h.meta_offset));
    // Then (1.3) the index page table, right after the meta section's padding.
    const auto pages = blob.info()->index_pages;
    REQUIRE(pages.has_value());
    CHECK(pages->table_offset == (h.meta_offset + h.meta_size + 15) / 16 * 16);
    CHECK(zero(h.meta_offset + h.meta_size, pages->table_offset));
    CHECK(zero(pages->table_offset + (pages->page_count + 1) * 8ull, h.payload_offset));
    // Payload padding: bytes of the region no payload covers are zero.
    std::vector<bool> covered(h.file_size - h.payload_offset, false);
    for (uint32_t i = 0; i < blob.entry_count(); ++i) {
        auto e = *blob.entry(i);
        CHECK(e.payload_offset % 16 == 0);
        for (uint64_t j = 0; j < e.stored_size; ++j) covered[e.payload_offset + j] = true;
    }
    for (size_t j = 0; j < covered.size(); ++j)
        if (!covered[j]) REQUIRE(bytes[h.payload_offset + j] == 0);
    // Slot count: smallest power of two >= 2 x groups (7 groups here -> 16).
    CHECK(h.slot_count == 16);
}

TEST_CASE("writer: order hints place payloads") {
    auto a = module("a", std::string(100, 'a'));
    auto b = module("b", std::string(100, 'b'));
    b.order_hint = 0;  // b first although a sorts first
    auto blob_bytes = test::must_build(test::sample_info(), {a, b});
    auto blob = test::must_open(blob_bytes);
    CHECK(blob.entry(blob.find_module("b")->first)->payload_offset == 0);
    CHECK(blob.entry(blob.find_module("a")->first)->payload_offset == 112);
}

TEST_CASE("writer: determinism: same bytes twice, for any input order and thread count") {
    auto once = compressed_sample(1, false);
    CHECK(compressed_sample(1, false) == once);
    CHECK(compressed_sample(1, true) == once);
    CHECK(compressed_sample(2, true) == once);
    CHECK(compressed_sample(8, false) == once);
    CHECK(compressed_sample(0, true) == once);
    auto kinds = every_kind();
    auto first = test::must_build(test::sample_info(), kinds);
    std::reverse(kinds.begin(), kinds.end());
    CHECK(test::must_build(test::sample_info(), kinds) == first);
}

TEST_CASE("writer: refuses unusable input with Invalid") {
    auto r1 = build_blob(test::sample_info(), {module("a", "1"), module("a", "2")});
    REQUIRE_FALSE(r1.ok());
    CHECK(r1.error().code == ErrorCode::Invalid);
    CHECK(r1.error().message.find("duplicate entry 'a'") != std::string::npos);
    auto r2 = build_blob(test::sample_info(), {module("", "1")});
    REQUIRE_FALSE(r2.ok());
    CHECK(r2.error().message.find("empty key") != std::string::npos);
    auto bad_root = module("a", "1");
    bad_root.root = 5;
    auto r3 = build_blob(test::sample_info(), {bad_root});
    REQUIRE_FALSE(r3.ok());
    CHECK(r3.error().message.find("root index out of range") != std::string::npos);
    WriteOptions wo;
    wo.compression = static_cast<Compression>(9);
    auto r4 = build_blob(test::sample_info(), {module("a", std::string(200, 'a'))}, wo);
    REQUIRE_FALSE(r4.ok());
    CHECK(r4.error().code == ErrorCode::Invalid);
    // Same key and kind in different spaces is fine.
    CHECK(build_blob(test::sample_info(), {module("a", "1"), test::entry(Space::File, Kind::Source, "a", "2")}).ok());
}

TEST_CASE("writer: progress is reported up to the total") {
    WriteOptions wo;
    wo.compression = Compression::Zstd;
    uint64_t last_done = 0, last_total = 0;
    wo.progress = [&](uint64_t done, uint64_t total) {
        last_done = std::max(last_done, done);
        last_total = total;
    };
    test::must_build(test::sample_info(), {module("a", std::string(5000, 'a')), module("b", std::string(3000, 'b'))}, wo);
    CHECK(last_total == 8000);
    CHECK(last_done == 8000);
}

namespace {

// Entries of every size class (tiny, incompressible, text of each zstd
// tier), with duplicates, as the raw-data form.
std::vector<InputEntry> mixed_payloads() {
    std::vector<InputEntry> es;
    std::mt19937 rng(7);
    auto text = [&](size_t n) {
        std::string s;
        while (s.size() < n) s += "def f" + std::to_string(rng() % 1000) + "(x): return x * " + std::to_string(rng() % 97) + "\n";
        s.resize(n);
        return s;
    };
    std::string noise(5000, '\0');
    for (auto& c : noise) c = static_cast<char>(rng());
    const std::vector<std::string> bodies = {"", "x = 1\n", text(63), text(64), text(3000), noise, text(20000),
                                             text(200000), text(300000)};
    for (size_t i = 0; i < bodies.size(); ++i) {
        es.push_back(module("m" + std::to_string(i), bodies[i]));
        es.push_back(module("dup" + std::to_string(i), bodies[i]));  // same payload: stored once
    }
    es.push_back(test::entry(Space::Resource, Kind::Resource, "pkg/data.bin", text(20000)));  // unique
    return es;
}

// The same entries, compressed ahead with PayloadCompressor; `keep_raw`:
// frames beside their data (the old form), else frames and digests only.
std::vector<InputEntry> precompress(std::vector<InputEntry> es, const WriteOptions& wo, bool keep_raw) {
    PayloadCompressor z(wo);
    for (auto& e : es) {
        auto frame = z.compress(e.data);
        REQUIRE(frame.ok());
        if (frame->empty()) continue;  // stored raw: the entry keeps its data
        e.precompressed = std::string(*frame);
        if (!keep_raw) {
            e.raw = raw_digest(e.data);
            e.data.clear();
        }
    }
    return es;
}

}  // namespace

TEST_CASE("writer: entries compressed ahead (with or without their raw bytes) give the same blob as raw ones") {
    for (int level : {1, 3, 9}) {
        CAPTURE(level);
        WriteOptions wo;
        wo.compression = Compression::Zstd;
        wo.level = level;
        const auto raw = test::must_build(test::sample_info(), mixed_payloads(), wo);
        CHECK(test::must_build(test::sample_info(), precompress(mixed_payloads(), wo, true), wo) == raw);
        CHECK(test::must_build(test::sample_info(), precompress(mixed_payloads(), wo, false), wo) == raw);
        wo.dedup = false;
        CHECK(test::must_build(test::sample_info(), precompress(mixed_payloads(), wo, false), wo) ==
              test::must_build(test::sample_info(), mixed_payloads(), wo));
    }
    auto blob_bytes = test::must_build(test::sample_info(), precompress(mixed_payloads(), {Compression::Zstd}, false),
                                       {Compression::Zstd});
    auto blob = test::must_open(blob_bytes);
    CHECK(blob.verify().empty());
    for (const auto& e : mixed_payloads()) CHECK(test::payload_of(blob, e.space, e.key, static_cast<uint8_t>(e.kind)) == e.data);
    // Duplicates share one payload.
    auto a = *blob.entry(blob.find_module("m6")->first), b = *blob.entry(blob.find_module("dup6")->first);
    CHECK(a.payload_offset == b.payload_offset);
}

TEST_CASE("writer: dedup is exact across raw, precompressed and borrowed entries") {
    WriteOptions wo;
    wo.compression = Compression::Zstd;
    std::string body(5000, 'q');
    for (int i = 0; i < 5000; i += 7) body[i] = static_cast<char>('a' + i % 26);
    PayloadCompressor z(wo);
    std::string frame(*z.compress(body));
    REQUIRE(!frame.empty());
    auto raw = module("a_raw", body);
    auto packed = module("b_packed", "");
    packed.precompressed = frame;
    packed.raw = raw_digest(body);
    auto borrowed = module("c_borrowed", "");
    borrowed.precompressed = PayloadBytes::borrow(frame);
    borrowed.raw = raw_digest(body);
    // A lying digest (another payload's) does not merge different bytes.
    std::string other = body;
    other[0] = 'Z';
    auto liar = module("d_liar", "");
    liar.precompressed = std::string(*z.compress(other));
    liar.raw = raw_digest(body);
    liar.raw->size = other.size();
    auto bytes = test::must_build(test::sample_info(), {packed, liar, borrowed, raw}, wo);
    CHECK(bytes == test::must_build(test::sample_info(), {module("a_raw", body), module("b_packed", body),
                                                          module("c_borrowed", body), module("d_liar", other)},
                                    wo));
    auto blob = test::must_open(bytes);
    CHECK(test::payload_of(blob, Space::Module, "d_liar", 1) == other);
    CHECK(test::payload_of(blob, Space::Module, "c_borrowed", 1) == body);
    auto first = *blob.entry(blob.find_module("a_raw")->first);
    for (const char* k : {"b_packed", "c_borrowed"}) CHECK(blob.entry(blob.find_module(k)->first)->payload_offset == first.payload_offset);
    CHECK(blob.entry(blob.find_module("d_liar")->first)->payload_offset != first.payload_offset);
}

TEST_CASE("writer: frames without raw bytes are stored decompressed when compression is off") {
    std::string body(3000, 'r');
    PayloadCompressor z({Compression::Zstd});
    auto e = module("m", "");
    e.precompressed = std::string(*z.compress(body));
    e.raw = raw_digest(body);
    CHECK(test::must_build(test::sample_info(), {e}) == test::must_build(test::sample_info(), {module("m", body)}));
}

TEST_CASE("writer: unusable precompressed entries are refused with Invalid") {
    WriteOptions wo;
    wo.compression = Compression::Zstd;
    std::string body(3000, 's');
    PayloadCompressor z(wo);
    std::string frame(*z.compress(body));
    auto no_frame = module("a", "");
    no_frame.raw = raw_digest(body);
    auto both = module("a", body);
    both.precompressed = frame;
    both.raw = raw_digest(body);
    auto wrong_size = module("a", "");
    wrong_size.precompressed = frame;
    wrong_size.raw = raw_digest(body + "x");
    auto garbage = module("a", "");
    garbage.precompressed = std::string("not a zstd frame at all");
    garbage.raw = raw_digest(body);
    for (const auto& bad : {no_frame, both, wrong_size, garbage}) {
        auto r = build_blob(test::sample_info(), {bad}, wo);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == ErrorCode::Invalid);
    }
}

TEST_CASE("writer: PayloadCompressor makes the writer's frames, and BlobImage pieces are the blob's bytes") {
    WriteOptions wo;
    wo.compression = Compression::Zstd;
    wo.level = 5;
    PayloadCompressor z(wo);
    CHECK(z.max_frame_size(63) == 0);  // under min_compress_size: stored raw
    CHECK(z.compress(std::string(63, 'a'))->empty());
    std::string noise(4096, '\0');
    std::mt19937 rng(3);
    for (auto& c : noise) c = static_cast<char>(rng());
    CHECK(z.compress(noise)->empty());  // does not shrink: stored raw
    std::string text;
    for (int i = 0; i < 30000; ++i) text += static_cast<char>('a' + (i * i) % 7);
    std::string frame(*z.compress(text));
    std::vector<char> dst(z.max_frame_size(text.size()));
    auto n = z.compress_to(text, dst.data(), dst.size());
    REQUIRE(n.ok());
    CHECK(std::string(dst.data(), *n) == frame);
    CHECK(PayloadCompressor({Compression::None}).max_frame_size(1 << 20) == 0);

    auto image = assemble_blob(test::sample_info(), mixed_payloads(), wo);
    REQUIRE(image.ok());
    std::vector<unsigned char> joined;
    for (auto piece : image->pieces()) joined.insert(joined.end(), piece.begin(), piece.end());
    CHECK(joined.size() == image->size());
    CHECK(joined == image->bytes());
    CHECK(joined == test::must_build(test::sample_info(), mixed_payloads(), wo));
    // The writer stores the compressor's frame.
    const InputEntry m6 = mixed_payloads()[12];
    REQUIRE(m6.key == "m6");
    auto blob = test::must_open(joined);
    auto stored = blob.stored_bytes(*blob.entry(blob.find_module("m6")->first));
    REQUIRE(stored.ok());
    CHECK(std::string(stored->begin(), stored->end()) == std::string(*z.compress(m6.data)));
}
