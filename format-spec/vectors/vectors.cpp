// Builds every test vector from fixed inputs with the reference writer, then
// damages copies of them byte by byte. Hostile vectors get their checksums
// recomputed ("resealed") so that only the structural checks stand between
// them and the reader.
#include "vectors.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "format/bytes.hpp"
#include "format/reader.hpp"
#include "format/writer.hpp"

namespace oxpack::vectors {
namespace {

using namespace oxpack::format;
using Bytes = std::vector<unsigned char>;

constexpr uint8_t k(Kind kind) { return static_cast<uint8_t>(kind); }

BlobInfo base_info() {
    BlobInfo info;
    Target& t = info.target;
    t.implementation = "cpython";
    t.python_version = "3.11.7";
    t.cache_tag = "cpython-311";
    t.platform = "x86_64-linux-gnu";
    t.pyc_magic = 0x0A0D0DA7;  // bytes a7 0d 0d 0a
    t.hexversion = 0x030B07F0;
    t.source_suffixes = {".py"};
    t.bytecode_suffixes = {".pyc"};
    t.extension_suffixes = {".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"};
    info.oxpack_version = "vectors-1";
    info.roots.push_back({"/opt/example/lib/python3.11/site-packages", 1700000000123456789ull, 4096,
                          RootType::Directory});
    return info;
}

InputEntry ent(Space space, Kind kind, std::string key, std::string path, std::string data, uint16_t flags = 0,
               uint16_t root = 0) {
    InputEntry e;
    e.space = space;
    e.kind = kind;
    e.key = std::move(key);
    e.path = std::move(path);
    e.data = std::move(data);
    e.flags = flags;
    e.root = root;
    return e;
}

// The vectors written before format 1.3 keep their bytes: no page table
// unless a vector asks for one (index_pages()).
WriteOptions no_pages() {
    WriteOptions o;
    o.index_page_size = 0;
    return o;
}

WriteOptions index_pages(uint32_t page_size) {
    WriteOptions o;
    o.index_page_size = page_size;
    return o;
}

Bytes build(const BlobInfo& info, std::vector<InputEntry> entries, WriteOptions options = no_pages()) {
    options.threads = 1;
    auto r = build_blob(info, std::move(entries), options);
    if (!r) throw std::runtime_error("vector generation: " + r.error().message);
    return std::move(r).value();
}

uint64_t get64(const Bytes& b, size_t off) { return load_le<uint64_t>(b.data() + off); }
uint32_t get32(const Bytes& b, size_t off) { return load_le<uint32_t>(b.data() + off); }
void set64(Bytes& b, size_t off, uint64_t v) { store_le<uint64_t>(b.data() + off, v); }
void set32(Bytes& b, size_t off, uint32_t v) { store_le<uint32_t>(b.data() + off, v); }
void set16(Bytes& b, size_t off, uint16_t v) { store_le<uint16_t>(b.data() + off, v); }
size_t entry_at(uint32_t i) { return kHeaderSize + static_cast<size_t>(i) * kEntrySize; }

// Recomputes the index, payload and header checksums from the header's own
// offsets (the first two only where those offsets allow it).
void reseal(Bytes& b) {
    uint64_t po = get64(b, hdr::kPayloadOffset);
    if (po >= kHeaderSize && po <= b.size()) {
        set64(b, hdr::kIndexChecksum, checksum(b.data() + kHeaderSize, po - kHeaderSize));
        set64(b, hdr::kPayloadChecksum, checksum(b.data() + po, b.size() - po));
    }
    set64(b, hdr::kHeaderChecksum, checksum(b.data(), hdr::kHeaderChecksum));
}

// Offset of the slot that holds (space, key).
size_t slot_of(const Bytes& b, Space space, std::string_view key) {
    uint64_t h = key_hash(space, key);
    uint32_t count = get32(b, hdr::kSlotCount);
    uint64_t slots = get64(b, hdr::kSlotsOffset);
    for (uint32_t pos = static_cast<uint32_t>(h) & (count - 1);; pos = (pos + 1) & (count - 1)) {
        size_t off = slots + static_cast<size_t>(pos) * kSlotSize;
        if (get32(b, off + slot::kHashHigh) == static_cast<uint32_t>(h >> 32) &&
            get32(b, off + slot::kEntryIndex) != kEmptySlot)
            return off;
    }
}

// A zstd frame (RFC 8878) written by hand: 8-byte content size field,
// single segment, one RLE block of `block_len` copies of `byte`. A frame
// whose header claims more than its blocks hold is a lie a reader must catch.
std::string zstd_rle_frame(uint64_t content_size, uint32_t block_len, char byte) {
    std::string s = "\x28\xB5\x2F\xFD";
    s += static_cast<char>(0xE0);  // FCS field 8 bytes, single segment, no checksum, no dictionary
    for (int i = 0; i < 8; ++i) s += static_cast<char>((content_size >> (8 * i)) & 0xFF);
    uint32_t block = 1u /* last */ | (1u << 1) /* RLE */ | (block_len << 3);
    for (int i = 0; i < 3; ++i) s += static_cast<char>((block >> (8 * i)) & 0xFF);
    s += byte;
    return s;
}

std::string text_block(size_t lines) {
    std::string s;
    for (size_t i = 0; i < lines; ++i)
        s += "def function_" + std::to_string(i) + "(x):\n    return x * " + std::to_string(i % 7) + "  # compressible\n";
    return s;
}

std::string noise(size_t n, uint32_t seed) {
    std::string s(n, '\0');
    for (auto& c : s) {
        seed = seed * 1664525u + 1013904223u;
        c = static_cast<char>(seed >> 24);
    }
    return s;
}

const std::string kHello = "print('hello, world')\n";
const std::string kPyc = std::string("\xa7\x0d\x0d\x0a", 4) + std::string(12, '\0') + "\xe3 marshalled code object";

std::vector<InputEntry> one_module() { return {ent(Space::Module, Kind::Source, "hello", "hello.py", kHello)}; }

std::vector<InputEntry> package_entries() {
    const uint16_t P = kFlagPackage, N = kFlagPackage | kFlagNamespace;
    return {
        ent(Space::Module, Kind::Source, "pkg", "pkg/__init__.py", "from .mod import answer\n", P),
        ent(Space::Module, Kind::Bytecode0, "pkg", "pkg/__pycache__/__init__.cpython-311.pyc", kPyc + "0", P),
        ent(Space::Module, Kind::Bytecode1, "pkg", "pkg/__pycache__/__init__.cpython-311.opt-1.pyc", kPyc + "1", P),
        ent(Space::Module, Kind::Bytecode2, "pkg", "pkg/__pycache__/__init__.cpython-311.opt-2.pyc", kPyc + "2", P),
        ent(Space::Module, Kind::Source, "pkg.mod", "pkg/mod.py", "answer = 42\n"),
        ent(Space::Module, Kind::Extension, "pkg._speedups", "pkg/_speedups.cpython-311-x86_64-linux-gnu.so",
            std::string("\x7f" "ELF\x02\x01\x01", 7) + "not really a shared object"),
        ent(Space::Module, Kind::Namespace, "nspkg", "nspkg", "", N),
        ent(Space::Module, Kind::Source, "nspkg.inner", "nspkg/inner.py", "VALUE = 'inner'\n"),
        ent(Space::Resource, Kind::Resource, "pkg/data/table.csv", "pkg/data/table.csv", "a,b\n1,2\n"),
        ent(Space::Distribution, Kind::Metadata, "pkg-1.0.dist-info/METADATA", "pkg-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n"),
        ent(Space::Distribution, Kind::Metadata, "pkg-1.0.dist-info/RECORD", "pkg-1.0.dist-info/RECORD",
            "pkg/__init__.py,,\npkg/mod.py,,\n"),
        ent(Space::File, Kind::File, "pkg.pth", "pkg.pth", "./extra\n"),
        ent(Space::Module, Kind::Extension, "_accel", "_accel.cpython-311-x86_64-linux-gnu.so",
            std::string("\x7f" "ELF\x02\x01\x01", 7) + "lib-dynload module", 0, 1),
    };
}

BlobInfo package_info() {
    BlobInfo info = base_info();
    info.created = 1700000000;
    info.origin = OriginMode::Blob;
    info.roots.push_back({"/opt/example/lib/python3.11/lib-dynload", 1690000000000000000ull, 8192, RootType::Directory});
    return info;
}

std::vector<Content> package_contents() {
    std::vector<Content> c;
    for (const auto& e : package_entries()) c.push_back({e.space, e.key, k(e.kind), e.data});
    return c;
}

Expect ok(std::vector<Content> contents = {}, std::vector<std::pair<Space, std::string>> absent = {}) {
    Expect e;
    e.contents = std::move(contents);
    e.absent = std::move(absent);
    return e;
}

Expect refused(ErrorCode code, std::string message) {
    Expect e;
    e.opens = false;
    e.error = code;
    e.message = std::move(message);
    return e;
}

Expect opens_but(std::string access, std::string verify) {
    Expect e;
    e.access_message = std::move(access);
    e.verify_ok = false;
    e.verify_message = std::move(verify);
    return e;
}

}  // namespace

std::vector<Vector> all_vectors() {
    std::vector<Vector> v;
    auto add = [&](std::string name, std::string holds, std::string outcome, Expect expect, Bytes bytes) {
        v.push_back({std::move(name), std::move(holds), std::move(outcome), std::move(expect), std::move(bytes)});
    };
    const Bytes one = build(base_info(), one_module());
    const Bytes pkg = build(package_info(), package_entries());
    const Content hello{Space::Module, "hello", k(Kind::Source), kHello};

    // ---- valid ----
    add("empty.oxr", "No entries; one root, the target interpreter, no Created record.",
        "Opens; verify passes; every lookup misses.", ok({}, {{Space::Module, "hello"}, {Space::Resource, "a/b"}}),
        build(base_info(), {}));
    add("one-module.oxr", "Module `hello`: its source (`hello.py`), stored.", "Opens; verify passes; `hello` found.",
        ok({hello}, {{Space::Module, "hell"}, {Space::Resource, "hello"}}), one);
    add("package.oxr",
        "Every kind: package `pkg` (source, bytecode at levels 0, 1, 2, flagged package), submodule `pkg.mod`, "
        "extension `pkg._speedups`, namespace package `nspkg` with `nspkg.inner`, resource `pkg/data/table.csv`, "
        "metadata `pkg-1.0.dist-info/METADATA` and `RECORD`, root file `pkg.pth`; two roots (extension `_accel` "
        "from the second); Created = 1700000000; origin mode blob.",
        "Opens; verify passes; every entry found with its bytes.", ok(package_contents(), {{Space::Module, "pkg.nope"}}),
        pkg);
    {
        WriteOptions wo = no_pages();
        wo.compression = Compression::Zstd;
        wo.level = 3;
        std::string big = text_block(120);
        std::vector<InputEntry> es = {
            ent(Space::Module, Kind::Source, "big", "big.py", big),
            ent(Space::Module, Kind::Source, "big_copy", "big_copy.py", big),
            ent(Space::Module, Kind::Source, "small", "small.py", "x = 1\n"),
            ent(Space::Resource, Kind::Resource, "big/noise.bin", "big/noise.bin", noise(300, 7)),
        };
        std::vector<Content> c;
        for (const auto& e : es) c.push_back({e.space, e.key, k(e.kind), e.data});
        add("compressed.oxr",
            "zstd level 3 (zstd 1.5.4): `big` and `big_copy` (the same 6370 bytes of text, stored once, compressed to 325), "
            "`small` (under 64 bytes: stored), resource `big/noise.bin` (incompressible: stored).",
            "Opens; verify passes; payloads decompress to the originals.", ok(c), build(base_info(), es, wo));
    }
    {
        const uint16_t P = kFlagPackage;
        std::vector<InputEntry> es = {
            ent(Space::Module, Kind::Source, "café", "café.py", "NAME = 'café'\n"),
            ent(Space::Module, Kind::Source, "пакет", "пакет/__init__.py", "# пакет\n", P),
            ent(Space::Resource, Kind::Resource, "пакет/данные/表.txt", "пакет/данные/表.txt", "表\n"),
            ent(Space::Module, Kind::Source, "日本語", "日本語.py", "x = '日本語'\n"),
            ent(Space::Distribution, Kind::Metadata, "naïve-1.0.dist-info/METADATA", "naïve-1.0.dist-info/METADATA",
                "Name: naïve\n"),
        };
        std::vector<Content> c;
        for (const auto& e : es) c.push_back({e.space, e.key, k(e.kind), e.data});
        add("non-ascii.oxr", "UTF-8 names: modules `café`, `пакет` (a package), `日本語`, resource "
            "`пакет/данные/表.txt`, metadata `naïve-1.0.dist-info/METADATA`.",
            "Opens; verify passes; every name found.", ok(c, {{Space::Module, "cafe"}}), build(base_info(), es));
    }
    {
        Bytes b = one;
        set32(b, hdr::kOptionalFeatures, 0x80000001u);
        reseal(b);
        add("future-optional-feature.oxr", "`one-module.oxr` with optional feature bits 0x80000001 set.",
            "Opens (unknown optional bits are ignored); verify passes.", ok({hello}), b);
    }
    {
        Bytes b = pkg;
        set16(b, hdr::kVersionMinor, 7);
        uint64_t po = get64(b, hdr::kPayloadOffset);
        std::string later = "data a format 1.7 writer placed";
        later.resize(32, '.');  // a multiple of 16 keeps the payloads aligned
        b.insert(b.begin() + static_cast<long>(po), later.begin(), later.end());
        set64(b, hdr::kPayloadOffset, po + 32);
        set64(b, hdr::kFileSize, b.size());
        b[entry_at(0) + ent::kReserved] = 0xA5;                       // a reserved field used
        set16(b, entry_at(0) + ent::kFlags, load_le<uint16_t>(b.data() + entry_at(0) + ent::kFlags) | 0x8000);
        set16(b, get64(b, hdr::kMetaOffset) + 2, 0x1234);            // a meta record's reserved field
        reseal(b);
        add("future-minor-version.oxr",
            "`package.oxr` as a version 1.7 writer might make it: minor version 7, 32 bytes of unknown data between "
            "the meta section and the payloads, entry 0's reserved byte and flag bit 15 set, the first meta record's "
            "reserved field set.",
            "Opens; verify passes; every entry found with its bytes.", ok(package_contents()), b);
    }
    {
        BlobInfo info = base_info();
        info.unknown.push_back({4242, "a record of a later version"});
        info.origin = static_cast<OriginMode>(9);
        info.roots[0].type = static_cast<RootType>(77);
        add("future-meta.oxr",
            "`hello` plus a meta record with unknown tag 4242, origin mode 9 and root type 77 (values no 1.0 "
            "defines).",
            "Opens; verify passes; the meta section decodes, keeping the unknown record and values.", ok({hello}),
            build(info, one_module()));
    }
    {
        std::vector<InputEntry> es = one_module();
        es.push_back(ent(Space::Module, static_cast<Kind>(200), "hello", "hello.future", "later kind"));
        es.push_back(ent(static_cast<Space>(9), Kind::Source, "hello", "hello.py", "later space"));
        add("future-kind-space.oxr",
            "`hello` (source) plus an entry of unknown kind 200 in the same key group, and an entry in unknown "
            "space 9 with the same key.",
            "Opens; verify passes; `hello` finds a group of 2 whose source is intact; space 9 is separate.",
            ok({hello, {Space::Module, "hello", 200, "later kind"}, {static_cast<Space>(9), "hello", 1, "later space"}}),
            build(base_info(), es));
    }
    {
        std::vector<InputEntry> es = {
            ent(Space::File, Kind::File, "escape", "../oxpack-vector-escape.txt", "escaped\n"),
            ent(Space::File, Kind::File, "absolute", "/tmp/oxpack-vector-absolute.txt", "absolute\n"),
            ent(Space::File, Kind::File, "inside", "inside/ok.txt", "inside\n"),
        };
        add("escaping-paths.oxr",
            "Root files whose original paths are `../oxpack-vector-escape.txt`, `/tmp/oxpack-vector-absolute.txt` "
            "and `inside/ok.txt`.",
            "Opens; verify passes (the format allows any path); `oxpack extract` writes only `inside/ok.txt`, "
            "refuses the other two and exits 5.",
            ok(), build(base_info(), es));
    }

    // ---- damaged: refused at open ----
    {
        Bytes b = one;
        std::memcpy(b.data(), "\x7f" "ELF\x02\x01\x01\x00", 8);
        add("bad-magic.oxr", "`one-module.oxr` with an ELF signature instead of the magic.",
            "Refused: not a blob (bad magic number).", refused(ErrorCode::NotABlob, "bad magic number"), b);
    }
    {
        Bytes b = one;
        for (auto& c : b) c &= 0x7F;
        add("seven-bit.oxr", "`one-module.oxr` passed through a 7-bit channel (every high bit cleared).",
            "Refused: not a blob (bad magic number).", refused(ErrorCode::NotABlob, "bad magic number"), b);
    }
    {
        Bytes b;
        for (size_t i = 0; i < pkg.size(); ++i)
            if (!(pkg[i] == '\r' && i + 1 < pkg.size() && pkg[i + 1] == '\n')) b.push_back(pkg[i]);
        add("text-mode-crlf.oxr", "`package.oxr` after a text-mode transfer: every CR LF turned into LF.",
            "Refused: corrupt, damaged by a text-mode transfer.",
            refused(ErrorCode::Corrupt, "text-mode (newline-converting) transfer"), b);
    }
    {
        Bytes b(pkg.begin(), pkg.end() - 16);
        add("truncated.oxr", "`package.oxr` without its last 16 bytes.",
            "Refused: corrupt, truncated (header records more bytes than the file has).",
            refused(ErrorCode::Corrupt, "truncated or extended"), b);
    }
    {
        Bytes b(one.begin(), one.begin() + 100);
        add("truncated-header.oxr", "The first 100 bytes of `one-module.oxr`.",
            "Refused: corrupt, shorter than the header.", refused(ErrorCode::Corrupt, "shorter than the header"), b);
    }
    {
        Bytes b = one;
        b[hdr::kHexVersion] ^= 0x01;
        add("header-checksum.oxr", "`one-module.oxr` with one bit of the hexversion field flipped.",
            "Refused: corrupt, header checksum mismatch.", refused(ErrorCode::Corrupt, "header checksum mismatch"), b);
    }
    {
        Bytes b = one;
        b[get64(b, hdr::kStringsOffset)] ^= 0x20;  // "hello" -> "Hello"
        add("index-checksum.oxr", "`one-module.oxr` with the first byte of the strings section changed.",
            "Refused: corrupt, index checksum mismatch.", refused(ErrorCode::Corrupt, "index checksum mismatch"), b);
    }
    {
        Bytes b = one;
        b[get64(b, hdr::kPayloadOffset) + 3] ^= 0x01;
        add("payload-flip.oxr", "`one-module.oxr` with one bit of `hello`'s source flipped.",
            "Opens (payloads are not checked at open); reading `hello` fails with a payload checksum mismatch; "
            "verify fails.",
            opens_but("payload checksum mismatch", "payload region checksum mismatch"), b);
    }
    {
        Bytes b = one;
        set16(b, hdr::kVersionMajor, 2);
        reseal(b);
        add("unknown-major.oxr", "`one-module.oxr` claiming format version 2.0 (checksums valid).",
            "Refused: unsupported, format version 2.0.", refused(ErrorCode::Unsupported, "format version 2.0"), b);
    }
    {
        Bytes b = one;
        set32(b, hdr::kRequiredFeatures, 0x00000004u);
        reseal(b);
        add("unknown-required-feature.oxr", "`one-module.oxr` with required feature bit 2 set (checksums valid).",
            "Refused: unsupported, unknown required feature (bits 0x4).",
            refused(ErrorCode::Unsupported, "required features this reader does not know (bits 0x4)"), b);
    }

    // ---- hostile, with valid checksums ----
    {
        Bytes b = pkg;
        set64(b, hdr::kMetaOffset, get64(b, hdr::kStringsOffset));
        reseal(b);
        add("sections-overlap.oxr", "`package.oxr` with the meta section moved onto the strings section.",
            "Refused: corrupt, bad meta section bounds.", refused(ErrorCode::Corrupt, "bad meta section bounds"), b);
    }
    {
        Bytes b = pkg;
        set64(b, hdr::kStringsSize, 1ull << 62);
        reseal(b);
        add("section-out-of-bounds.oxr", "`package.oxr` with a strings section of 2^62 bytes.",
            "Refused: corrupt, bad strings section bounds.", refused(ErrorCode::Corrupt, "bad strings section bounds"),
            b);
    }
    {
        Bytes b = pkg;
        set32(b, hdr::kEntryCount, 0x10000000u);
        reseal(b);
        add("entry-count-huge.oxr", "`package.oxr` claiming 2^28 entries (16 GiB of records).",
            "Refused: corrupt, bad entries section bounds.", refused(ErrorCode::Corrupt, "bad entries section bounds"),
            b);
    }
    {
        Bytes b = pkg;
        set64(b, hdr::kPayloadOffset, get64(b, hdr::kFileSize) + 16);
        reseal(b);
        add("payload-region-out-of-file.oxr", "`package.oxr` whose payload region starts past the end of the file.",
            "Refused: corrupt, bad payload region offset.", refused(ErrorCode::Corrupt, "bad payload region offset"), b);
    }
    {
        Bytes b = one;
        set32(b, slot_of(b, Space::Module, "hello") + slot::kEntryIndex, 1000);
        reseal(b);
        add("slot-missing-entry.oxr", "`one-module.oxr` whose hash slot for `hello` names entry 1000 (there is one).",
            "Opens; looking up `hello` fails (the slot names a missing entry); verify fails.",
            opens_but("names a missing entry", "names a missing entry"), b);
    }
    {
        Bytes b = one;
        set32(b, entry_at(0) + ent::kKeyOffset, 0xFFFFFF00u);
        reseal(b);
        add("string-out-of-bounds.oxr", "`one-module.oxr` whose entry's key offset is 0xFFFFFF00.",
            "Opens; decoding the entry fails (name outside the strings section); verify fails.",
            opens_but("outside the strings section", "outside the strings section"), b);
    }
    {
        Bytes b = one;
        set64(b, entry_at(0) + ent::kPayloadOffset, 1ull << 40);
        reseal(b);
        add("payload-out-of-file.oxr", "`one-module.oxr` whose entry's payload starts 1 TiB into the payload region.",
            "Opens; decoding the entry fails (payload outside the file); verify fails.",
            opens_but("payload outside the file", "payload outside the file"), b);
    }
    {
        Bytes b = one;
        set64(b, entry_at(0) + ent::kStoredSize, ~0ull - 8);
        reseal(b);
        add("payload-size-overflow.oxr",
            "`one-module.oxr` whose entry's stored size is 2^64 - 9 (offset + size overflows).",
            "Opens; decoding the entry fails (payload outside the file); verify fails.",
            opens_but("payload outside the file", "payload outside the file"), b);
    }
    {
        WriteOptions wo = no_pages();
        wo.compression = Compression::Zstd;
        Bytes b = build(base_info(), {ent(Space::Module, Kind::Source, "big", "big.py", text_block(40))}, wo);
        set64(b, entry_at(0) + ent::kRawSize, get64(b, entry_at(0) + ent::kRawSize) + 1000);
        reseal(b);
        add("zstd-raw-size-lie.oxr",
            "Module `big`, zstd-compressed, whose entry claims 1000 raw bytes more than its frame records.",
            "Opens; reading `big` fails (the frame does not record the raw size); verify fails.",
            opens_but("zstd frame does not record the raw size", "zstd frame does not record the raw size"), b);
    }
    {
        Bytes b = build(base_info(),
                        {ent(Space::Module, Kind::Source, "bomb", "bomb.py", zstd_rle_frame(1ull << 40, 16, 'A'))});
        b[entry_at(0) + ent::kCompression] = static_cast<unsigned char>(Compression::Zstd);
        set64(b, entry_at(0) + ent::kRawSize, 1ull << 40);
        reseal(b);
        add("zstd-bomb.oxr",
            "Module `bomb`: a hand-made 17-byte zstd frame and entry both claiming 1 TiB of content.",
            "Opens; reading `bomb` is refused before any allocation (implausible raw size); verify fails.",
            opens_but("implausible raw size", "implausible raw size"), b);
    }
    {
        Bytes b = build(base_info(),
                        {ent(Space::Module, Kind::Source, "short", "short.py", zstd_rle_frame(100000, 10, 'A'))});
        b[entry_at(0) + ent::kCompression] = static_cast<unsigned char>(Compression::Zstd);
        set64(b, entry_at(0) + ent::kRawSize, 100000);
        reseal(b);
        add("zstd-short-frame.oxr",
            "Module `short`: a hand-made zstd frame claiming 100000 bytes whose only block holds 10.",
            "Opens; reading `short` fails (zstd reports the frame corrupt); verify fails.",
            opens_but("zstd:", "zstd:"), b);
    }
    {
        WriteOptions wo = no_pages();
        wo.compression = Compression::Zstd;
        Bytes b = build(base_info(), {ent(Space::Module, Kind::Source, "big", "big.py", text_block(40))}, wo);
        uint64_t at = get64(b, hdr::kPayloadOffset) + get64(b, entry_at(0) + ent::kPayloadOffset);
        uint64_t stored = get64(b, entry_at(0) + ent::kStoredSize);
        std::string frame(b.begin() + static_cast<long>(at), b.begin() + static_cast<long>(at + stored));
        std::string skippable("\x50\x2A\x4D\x18\x00\x00\x00\x00", 8);  // an empty skippable frame
        Bytes c = build(base_info(), {ent(Space::Module, Kind::Source, "big", "big.py", frame + skippable)});
        c[entry_at(0) + ent::kCompression] = static_cast<unsigned char>(Compression::Zstd);
        set64(c, entry_at(0) + ent::kRawSize, get64(b, entry_at(0) + ent::kRawSize));
        reseal(c);
        add("zstd-two-frames.oxr", "Module `big`: a valid zstd frame followed by an empty skippable frame.",
            "Opens; reading `big` fails (not exactly one zstd frame); verify fails.",
            opens_but("not exactly one zstd frame", "not exactly one zstd frame"), c);
    }
    {
        Bytes b = one;
        b[entry_at(0) + ent::kCompression] = 7;
        reseal(b);
        add("unknown-compression.oxr",
            "`one-module.oxr` whose entry says compression 7 (no required feature bit announces it).",
            "Opens; reading `hello` fails (unsupported compression 7); verify fails.",
            opens_but("unknown compression 7", "unknown compression 7"), b);
    }
    {
        Bytes b = one;  // one group, one slot: full
        uint64_t slots = get64(b, hdr::kSlotsOffset);
        uint32_t count = get32(b, hdr::kSlotCount);
        size_t used = slot_of(b, Space::Module, "hello");
        uint32_t idx = get32(b, used), high = get32(b, used + 4);
        std::fill(b.begin() + static_cast<long>(slots), b.begin() + static_cast<long>(slots + count * kSlotSize), 0);
        set32(b, hdr::kSlotCount, 1);
        set32(b, slots, idx);
        set32(b, slots + 4, high);
        reseal(b);
        Expect e = opens_but("", "hash table has no empty slot");
        e.contents = {hello};
        e.absent = {{Space::Module, "missing"}, {Space::Module, "hello.x"}};
        add("slots-full.oxr", "`one-module.oxr` with a 1-slot hash table holding `hello`: no empty slot.",
            "Opens; `hello` is found and misses end after one probe; verify fails (no empty slot).", e, b);
    }
    {
        Bytes b = one;
        set32(b, get64(b, hdr::kMetaOffset) + 4, 0xFFFF0000u);
        reseal(b);
        add("meta-overrun.oxr", "`one-module.oxr` whose first meta record claims 4 GiB of value.",
            "Opens; decoding the meta section fails (record runs past the end); verify fails.",
            opens_but("record runs past the end", "record runs past the end"), b);
    }
    {
        Bytes b = pkg;
        std::swap_ranges(b.begin() + static_cast<long>(entry_at(0)), b.begin() + static_cast<long>(entry_at(1)),
                         b.begin() + static_cast<long>(entry_at(1)));
        reseal(b);
        add("unsorted.oxr", "`package.oxr` with its first two entry records swapped.",
            "Opens; a lookup that meets a swapped record reports the slot and entry disagreeing; verify fails (entries "
            "out of order).",
            opens_but("disagree", "entries out of order"), b);
    }

    // ---- format 1.3: the index page-checksum table ----
    const Bytes paged = build(package_info(), package_entries(), index_pages(512));
    add("index-pages.oxr",
        "`package.oxr`'s entries written with the index page-checksum table (format 1.3) at 512-byte pages: "
        "an `IndexPages` meta record, the table after the meta section.",
        "Opens (a reader that knows 1.3 may check it page by page; one that does not reads it as a 1.2 blob); "
        "verify passes; every entry found with its bytes.",
        ok(package_contents(), {{Space::Module, "pkg.nope"}}), paged);
    {
        Bytes b = paged;
        const uint64_t meta = get64(b, hdr::kMetaOffset);
        const std::string root = "/opt/example";
        auto at = std::search(b.begin() + static_cast<long>(meta), b.end(), root.begin(), root.end());
        at[4] = 'T';  // "/opT/example/...": the meta section, covered by its page's checksum
        reseal(b);    // the index checksum agrees: only the page table tells
        add("index-page-flip.oxr",
            "`index-pages.oxr` with one byte of its first root's path changed (`/opT/example`), the index and "
            "header checksums recomputed; the page table left as written.",
            "Opens when the whole index checksum is checked; refused (corrupt: the meta section's page fails its "
            "checksum) when the index is checked page by page; verify fails (the page holding the root path fails its checksum).",
            opens_but("", "index checksum mismatch in page"), b);
    }
    return v;
}

std::string readme(const std::vector<Vector>& vectors) {
    std::string s =
        "# .oxr test vectors\n\n"
        "Small blobs for readers of format 1.0 (`../oxr-format.md`): valid ones, ones using additions a later\n"
        "1.x may make (which a 1.0 reader must accept), damaged ones and hostile ones whose checksums are valid\n"
        "so that only the structural checks stand between them and the reader.\n\n"
        "**Generated, do not edit.** `generate.cpp` (built by CMake as `oxpack_vector_gen`) writes every file\n"
        "here, this README included, from `vectors.cpp`:\n\n"
        "    cmake --build build --target oxpack_vector_gen && build/format-spec/vectors/oxpack_vector_gen format-spec/vectors\n\n"
        "The unit test `tests/unit/test_format_vectors.cpp` regenerates them and fails if a byte differs from the\n"
        "committed files (the writer must be deterministic), then checks each outcome below with the reference\n"
        "reader. `compressed.oxr` and the other zstd vectors hold zstd 1.5.4 output; another zstd release may\n"
        "compress differently, and the test then names the vector that changed.\n\n"
        "Outcomes: *refused* means `Blob::open` fails with the error category shown (section 10 of the spec);\n"
        "*opens* means it succeeds, and then what reading entries and `verify` give.\n\n"
        "All valid vectors target CPython 3.11.7 (`pyc_magic` 0x0A0D0DA7, `hexversion` 0x030B07F0) with the\n"
        "root `/opt/example/lib/python3.11/site-packages`.\n\n"
        "| File | Bytes | Holds | Expected outcome |\n"
        "| --- | ---: | --- | --- |\n";
    for (const auto& v : vectors)
        s += "| `" + v.name + "` | " + std::to_string(v.bytes.size()) + " | " + v.holds + " | " + v.outcome + " |\n";
    return s;
}

}  // namespace oxpack::vectors
