// layout.hpp: the header and entry field tables tile their records exactly,
// and every stored enum value has its name.
#include <doctest/doctest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "format/layout.hpp"

namespace hdr = oxpack::format::hdr;
namespace ent = oxpack::format::ent;
namespace slot = oxpack::format::slot;
using oxpack::format::Compression;
using oxpack::format::Kind;
using oxpack::format::kEntrySize;
using oxpack::format::kMaxKnownKind;
using oxpack::format::kSlotSize;
using oxpack::format::Space;
using oxpack::format::to_string;

namespace {

// (offset, size) fields must cover [0, total) without gap or overlap.
bool tiles(std::vector<std::pair<size_t, size_t>> fields, size_t total) {
    std::sort(fields.begin(), fields.end());
    size_t at = 0;
    for (auto [off, size] : fields) {
        if (off != at) return false;
        at += size;
    }
    return at == total;
}

}  // namespace

TEST_CASE("layout: header fields tile 128 bytes, checksum last") {
    CHECK(tiles({{hdr::kMagic, 8}, {hdr::kVersionMajor, 2}, {hdr::kVersionMinor, 2}, {hdr::kHeaderSize, 4},
                 {hdr::kFileSize, 8}, {hdr::kRequiredFeatures, 4}, {hdr::kOptionalFeatures, 4}, {hdr::kPycMagic, 4},
                 {hdr::kHexVersion, 4}, {hdr::kEntryCount, 4}, {hdr::kSlotCount, 4}, {hdr::kEntriesOffset, 8},
                 {hdr::kSlotsOffset, 8}, {hdr::kStringsOffset, 8}, {hdr::kStringsSize, 8}, {hdr::kMetaOffset, 8},
                 {hdr::kMetaSize, 8}, {hdr::kPayloadOffset, 8}, {hdr::kIndexChecksum, 8},
                 {hdr::kPayloadChecksum, 8}, {hdr::kHeaderChecksum, 8}},
                oxpack::format::kHeaderSize));
    CHECK(hdr::kHeaderChecksum + 8 == oxpack::format::kHeaderSize);
    // 64-bit fields are naturally aligned.
    for (size_t f : {hdr::kFileSize, hdr::kEntriesOffset, hdr::kSlotsOffset, hdr::kStringsOffset, hdr::kStringsSize,
                     hdr::kMetaOffset, hdr::kMetaSize, hdr::kPayloadOffset, hdr::kIndexChecksum,
                     hdr::kPayloadChecksum, hdr::kHeaderChecksum})
        CHECK(f % 8 == 0);
}

TEST_CASE("layout: entry fields tile 64 bytes, slot fields 8") {
    CHECK(tiles({{ent::kKeyHash, 8}, {ent::kKeyOffset, 4}, {ent::kKeyLength, 4}, {ent::kPathOffset, 4},
                 {ent::kPathLength, 4}, {ent::kKind, 1}, {ent::kCompression, 1}, {ent::kFlags, 2}, {ent::kRoot, 2},
                 {ent::kSpace, 1}, {ent::kReserved, 1}, {ent::kPayloadOffset, 8}, {ent::kStoredSize, 8},
                 {ent::kRawSize, 8}, {ent::kChecksum, 8}},
                kEntrySize));
    CHECK(tiles({{slot::kEntryIndex, 4}, {slot::kHashHigh, 4}}, kSlotSize));
}

TEST_CASE("layout: the magic catches 7-bit and newline damage") {
    using oxpack::format::kMagic;
    CHECK(kMagic[0] >= 0x80);
    CHECK(kMagic[4] == '\r');
    CHECK(kMagic[5] == '\n');
    CHECK(kMagic[7] == '\n');
}

TEST_CASE("layout: names of stored enum values") {
    CHECK(to_string(Kind::Source) == "source");
    CHECK(to_string(Kind::Bytecode0) == "bytecode");
    CHECK(to_string(Kind::Bytecode1) == "bytecode-opt1");
    CHECK(to_string(Kind::Bytecode2) == "bytecode-opt2");
    CHECK(to_string(Kind::Extension) == "extension");
    CHECK(to_string(Kind::Resource) == "resource");
    CHECK(to_string(Kind::Metadata) == "metadata");
    CHECK(to_string(Kind::Namespace) == "namespace");
    CHECK(to_string(Kind::File) == "file");
    CHECK(to_string(static_cast<Kind>(77)) == "unknown");
    CHECK(to_string(Space::Module) == "module");
    CHECK(to_string(Space::Resource) == "resource");
    CHECK(to_string(Space::Distribution) == "distribution");
    CHECK(to_string(Space::File) == "file");
    CHECK(to_string(static_cast<Space>(0)) == "unknown");
    CHECK(to_string(Compression::None) == "none");
    CHECK(to_string(Compression::Zstd) == "zstd");
    CHECK(to_string(static_cast<Compression>(5)) == "unknown");
    CHECK(static_cast<int>(kMaxKnownKind) == static_cast<int>(Kind::File));
}
