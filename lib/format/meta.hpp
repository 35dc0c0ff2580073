// The meta section: what interpreter a blob targets and where it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "format/layout.hpp"
#include "format/result.hpp"

namespace oxpack::format {

struct Root {
    std::string path;       // absolute path of the sys.path entry when frozen
    uint64_t mtime_ns = 0;  // its modification time then, for staleness checks
    uint64_t size = 0;      // its size then (files: bytes; directories: st_size)
    RootType type = RootType::Directory;
};

struct Target {
    std::string implementation;  // "cpython"
    std::string python_version;  // "3.11.7"
    std::string cache_tag;       // "cpython-311"
    std::string platform;        // "x86_64-linux-gnu"
    uint32_t pyc_magic = 0;      // first 4 bytes of a .pyc, as a little-endian u32
    uint32_t hexversion = 0;     // sys.hexversion
    std::vector<std::string> source_suffixes;
    std::vector<std::string> bytecode_suffixes;
    std::vector<std::string> extension_suffixes;
};

// A meta record whose tag this version does not know: kept as is, so that a
// tool rewriting a blob written by a later version keeps it.
struct MetaRecord {
    uint16_t tag = 0;
    std::string value;
};

// Where the index's page-checksum table is (the IndexPages record, format
// 1.3; layout.hpp's idx_pages). Decoded as found, not yet checked against
// the file: Blob::open checks it when asked to check the index page by page.
struct IndexPagesRecord {
    uint32_t page_size = 0;
    uint32_t page_count = 0;
    uint64_t table_offset = 0;
};

struct BlobInfo {
    Target target;
    std::string oxpack_version;
    std::optional<uint64_t> created;  // from SOURCE_DATE_EPOCH only
    OriginMode origin = OriginMode::Original;  // may hold a value a later version defined
    std::vector<Root> roots;
    // Globs of top-level module names whose files a loader in blob mode puts
    // on disk (freeze --materialize; format 1.1).
    std::vector<std::string> materialize;
    // Globs of full module names a loader asked for the blob's lazy set
    // executes on first attribute access (freeze --lazy-include; format 1.2).
    std::vector<std::string> lazy;
    // Absolute paths absent when frozen that the target interpreter's own
    // code probes (format 1.4): a runtime serving files answers for them.
    std::vector<std::string> absent;
    // The SharedLibraries record's value as stored (format 1.5; empty when
    // there is none): decoded on demand by format/shared_libraries.hpp, so
    // that opening a blob copies it once and parses nothing.
    std::string shared_libraries;
    std::vector<MetaRecord> unknown;  // written after the known records, in order
    // The IndexPages record as read (format 1.3). encode_meta() never writes
    // it: the writer makes its own for the blob it builds (WriteOptions).
    std::optional<IndexPagesRecord> index_pages;

    // The format minor version these records need: 5 with a SharedLibraries
    // record, 4 with an Absent record, 2 with a Lazy record, 1 with a
    // Materialize record, else 0 (a blob that uses nothing of 1.1 stays a
    // 1.0 blob). The writer raises it to 3 for its index page table.
    uint16_t minor_version() const {
        return !shared_libraries.empty() ? 5
               : !absent.empty()         ? 4
               : !lazy.empty()           ? 2
               : !materialize.empty()    ? 1
                                         : 0;
    }
};

// Encodes the meta records for `info` (target.pyc_magic and hexversion live in
// the fixed header, not here).
std::vector<unsigned char> encode_meta(const BlobInfo& info);

// The last IndexPages record of a meta section, walking the records'
// headers only (no copies); nullopt without one. Corrupt when the records
// do not fill the section exactly or the record is not 16 bytes.
Result<std::optional<IndexPagesRecord>> find_index_pages(const unsigned char* data, size_t size,
                                                         const std::string& where);

// Decodes meta records; records with unknown tags land in BlobInfo::unknown. `where` names the blob in errors.
Result<BlobInfo> decode_meta(const unsigned char* data, size_t size, const std::string& where);

}  // namespace oxpack::format
