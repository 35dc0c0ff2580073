// The .oxr on-disk layout: constants, stored enums and record offsets.
//
// format-spec/oxr-format.md is the normative description; this header is its
// implementation and must agree with it. All integers are little-endian.
//
//   file     = header  index-region  payload-region
//   header   = 128 bytes (fixed layout below), checksummed by header_checksum
//   index    = entries  slots  strings  meta      (each 16-byte aligned,
//              zero padding between them), checksummed by index_checksum
//   payloads = payload*                           (each 16-byte aligned,
//              zero padding), checksummed by payload_checksum
//
//   entries  = entry_count x 64-byte entry records, strictly increasing in
//              (space, key bytes, kind) -- the ordered view
//   slots    = slot_count x 8-byte open-addressing hash slots (linear probing)
//              keyed by xxh3-64(key, seed = space); one slot per key group
//   strings  = UTF-8 bytes referenced by (offset, length) pairs
//   meta     = tag/length/value records describing target and provenance
//
// Format history (format_major.format_minor):
//   1.0: first version.
//   1.1: the Materialize meta record (a writer writes 1.1 only when it writes
//        one: a blob without one is byte for byte a 1.0 blob).
//   1.2: the Lazy meta record.
//   1.3: the IndexPages meta record and its page-checksum table after the
//        meta section: a reader may check the index page by page, on first
//        use, instead of all of it at open. Older readers skip the record;
//        the index checksum still covers the table.
//   1.4: the Absent meta record (a writer writes 1.4 only when it writes one).
//   1.5: the SharedLibraries meta record (likewise).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace oxpack::format {

// "\x89OXR\r\n\x1a\n": a non-ASCII first byte (catches 7-bit channels), then
// CR LF (catches newline conversion), ^Z (stops DOS `type`), LF.
inline constexpr unsigned char kMagic[8] = {0x89, 'O', 'X', 'R', '\r', '\n', 0x1a, '\n'};

inline constexpr uint16_t kVersionMajor = 1;  // readers refuse any other major
inline constexpr uint16_t kVersionMinor = 5;  // the newest minor this code writes; readers accept any minor

inline constexpr uint32_t kHeaderSize = 128;
inline constexpr uint32_t kEntrySize = 64;
inline constexpr uint32_t kSlotSize = 8;
inline constexpr uint32_t kAlign = 16;
inline constexpr uint32_t kEmptySlot = 0xFFFFFFFFu;
inline constexpr uint16_t kNoRoot = 0xFFFF;

// Required feature bits: a reader refuses a blob with a bit it does not know.
// None are defined in 1.0.
inline constexpr uint32_t kKnownRequiredFeatures = 0;
// Optional feature bits: unknown ones are ignored. None are defined in 1.0.

// Header field offsets.
namespace hdr {
inline constexpr size_t kMagic = 0;             // u8[8]
inline constexpr size_t kVersionMajor = 8;      // u16
inline constexpr size_t kVersionMinor = 10;     // u16
inline constexpr size_t kHeaderSize = 12;       // u32
inline constexpr size_t kFileSize = 16;         // u64
inline constexpr size_t kRequiredFeatures = 24; // u32
inline constexpr size_t kOptionalFeatures = 28; // u32
inline constexpr size_t kPycMagic = 32;         // u32: first 4 bytes of the target's .pyc header
inline constexpr size_t kHexVersion = 36;       // u32: the target's sys.hexversion
inline constexpr size_t kEntryCount = 40;       // u32
inline constexpr size_t kSlotCount = 44;        // u32, a power of two
inline constexpr size_t kEntriesOffset = 48;    // u64
inline constexpr size_t kSlotsOffset = 56;      // u64
inline constexpr size_t kStringsOffset = 64;    // u64
inline constexpr size_t kStringsSize = 72;      // u64
inline constexpr size_t kMetaOffset = 80;       // u64
inline constexpr size_t kMetaSize = 88;         // u64
inline constexpr size_t kPayloadOffset = 96;    // u64: start of the payload region, end of the index region
inline constexpr size_t kIndexChecksum = 104;   // u64: xxh3-64 of [128, payload_offset)
inline constexpr size_t kPayloadChecksum = 112; // u64: xxh3-64 of [payload_offset, file_size)
inline constexpr size_t kHeaderChecksum = 120;  // u64: xxh3-64 of [0, 120)
}  // namespace hdr

// Entry record field offsets.
namespace ent {
inline constexpr size_t kKeyHash = 0;        // u64: xxh3-64 of key with seed = space
inline constexpr size_t kKeyOffset = 8;      // u32: into strings
inline constexpr size_t kKeyLength = 12;     // u32
inline constexpr size_t kPathOffset = 16;    // u32: into strings
inline constexpr size_t kPathLength = 20;    // u32
inline constexpr size_t kKind = 24;          // u8: Kind
inline constexpr size_t kCompression = 25;   // u8: Compression
inline constexpr size_t kFlags = 26;         // u16: EntryFlags
inline constexpr size_t kRoot = 28;          // u16: index of a ROOT meta record, or kNoRoot
inline constexpr size_t kSpace = 30;         // u8: Space
inline constexpr size_t kReserved = 31;      // u8: written 0, ignored by readers
inline constexpr size_t kPayloadOffset = 32; // u64: relative to the payload region
inline constexpr size_t kStoredSize = 40;    // u64
inline constexpr size_t kRawSize = 48;       // u64
inline constexpr size_t kChecksum = 56;      // u64: xxh3-64 of the stored bytes
}  // namespace ent

// Slot field offsets.
namespace slot {
inline constexpr size_t kEntryIndex = 0;  // u32: first entry of the key group, or kEmptySlot
inline constexpr size_t kHashHigh = 4;    // u32: upper 32 bits of the key hash
}  // namespace slot

// Stored enums. Values may be added, never changed or removed.

// The namespace a key lives in; the hash seed of its key.
enum class Space : uint8_t {
    Module = 1,        // key: dotted module name ("email.mime.text")
    Resource = 2,      // key: package + '/' + package-relative path ("certifi/cacert.pem")
    Distribution = 3,  // key: metadata dir + '/' + file ("six-1.16.0.dist-info/METADATA")
    File = 4,          // key: root-relative path of a file that belongs to no package
};

enum class Kind : uint8_t {
    Source = 1,        // module source (.py)
    Bytecode0 = 2,     // whole .pyc file, optimisation level 0
    Bytecode1 = 3,     // level 1 (-O)
    Bytecode2 = 4,     // level 2 (-OO)
    Extension = 5,     // extension module (.so / .pyd)
    Resource = 6,      // package resource
    Metadata = 7,      // distribution-metadata file
    Namespace = 8,     // namespace package marker; no payload
    File = 9,          // a file at a root that belongs to no package (.pth, stray files)
};
inline constexpr uint8_t kMaxKnownKind = 9;

// Kind predicates, for a Kind or a stored (possibly unknown) kind byte.
constexpr bool is_bytecode(Kind k) { return k == Kind::Bytecode0 || k == Kind::Bytecode1 || k == Kind::Bytecode2; }
constexpr bool is_bytecode(uint8_t k) { return is_bytecode(static_cast<Kind>(k)); }
// Code a module can be loaded from: source, bytecode at any level, an extension.
constexpr bool is_code(Kind k) { return k == Kind::Source || is_bytecode(k) || k == Kind::Extension; }
constexpr bool is_code(uint8_t k) { return is_code(static_cast<Kind>(k)); }

enum class Compression : uint8_t {
    None = 0,
    Zstd = 1,  // one zstd frame holding raw_size bytes
};
inline constexpr uint8_t kMaxKnownCompression = 1;

// Entry flag bits. Unknown bits are ignored by readers.
enum EntryFlags : uint16_t {
    kFlagPackage = 1u << 0,    // the module is a package (has __path__)
    kFlagNamespace = 1u << 1,  // the package is a namespace package
};

// Meta record tags (0 is never used). Unknown tags are ignored by readers. Each record is
//   u16 tag, u16 reserved (0), u32 length, u8 value[length]
enum class MetaTag : uint16_t {
    Implementation = 1,   // utf8: sys.implementation.name ("cpython")
    PythonVersion = 2,    // utf8: "3.11.7"
    CacheTag = 3,         // utf8: sys.implementation.cache_tag ("cpython-311")
    SourceSuffix = 4,     // utf8, repeated, in the target's order
    BytecodeSuffix = 5,   // utf8, repeated
    ExtensionSuffix = 6,  // utf8, repeated
    OxpackVersion = 7,    // utf8
    Created = 8,          // u64: seconds since the epoch, only from SOURCE_DATE_EPOCH
    Root = 9,             // repeated; see kRootFixedSize
    OriginMode = 10,      // u8: 0 original, 1 blob; readers treat other values as 0
    Platform = 11,        // utf8: the target's platform tag ("x86_64-linux-gnu")
    Materialize = 12,     // utf8, repeated (1.1): a glob of top-level module names whose files a blob-mode
                          // loader writes to a local directory and reports as their __file__
    Lazy = 13,            // utf8, repeated (1.2): a glob of full module names whose bodies a loader asked
                          // for the blob's lazy set runs on first attribute access
    IndexPages = 14,      // (1.3) where the index's page-checksum table is; see idx_pages below
    Absent = 15,          // utf8, repeated (1.4): an absolute path that did not exist when the blob was
                          // frozen and that the target's programs look for (gettext's catalogs in
                          // <base_prefix>/share/locale); a loader serving files may answer "no such
                          // file" for it and below while it still does not exist when the blob is installed
    SharedLibraries = 16, // (1.5) once: the shared libraries each extension module's DT_NEEDED resolved
                          // to when frozen, outside the roots, in load order, and the paths whose state
                          // must be unchanged for that to hold (format/shared_libraries.hpp)
};
inline constexpr size_t kMetaRecordHeader = 8;

// The IndexPages record (1.3): exactly 16 bytes,
//   u32 page_size (a power of two, 512 .. 16 MiB), u32 page_count, u64 table_offset
// The table, at table_offset (16-aligned, at or after the meta section's end,
// ending at or before payload_offset), is page_count u64 checksums and then
// one u64, xxh3-64 of those page_count x 8 bytes. Page i covers the file bytes
// [max(i x page_size, 128), min((i + 1) x page_size, table_offset)): pages are
// aligned to file offsets (an entry or slot never straddles two), and
// page_count = ceil(table_offset / page_size). Checksum i is xxh3-64 of page i.
namespace idx_pages {
inline constexpr size_t kRecordSize = 16;
inline constexpr size_t kPageSize = 0;     // u32
inline constexpr size_t kPageCount = 4;    // u32
inline constexpr size_t kTableOffset = 8;  // u64
inline constexpr uint32_t kMinPageSize = 512;
inline constexpr uint32_t kMaxPageSize = 1u << 24;
inline constexpr uint32_t kDefaultPageSize = 4096;  // what oxpack's writer uses
}  // namespace idx_pages

// A Root record: u64 mtime_ns, u64 size, u8 type (RootType), u8[7] reserved,
// then the root's absolute path (utf8) to the end of the record.
inline constexpr size_t kRootFixedSize = 24;
enum class RootType : uint8_t {
    Directory = 1,
    Wheel = 2,
    Zip = 3,
};

enum class OriginMode : uint8_t {
    Original = 0,
    Blob = 1,
};

std::string_view to_string(Kind kind);
std::string_view to_string(Space space);
std::string_view to_string(Compression compression);

}  // namespace oxpack::format
