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
    std::vector<MetaRecord> unknown;  // written after the known records, in order

    // The format minor version these records need: 2 with a Lazy record, 1
    // with a Materialize record, else 0 (a blob that uses nothing of 1.1 stays
    // a 1.0 blob).
    uint16_t minor_version() const { return !lazy.empty() ? 2 : !materialize.empty() ? 1 : 0; }
};

// Encodes the meta records for `info` (target.pyc_magic and hexversion live in
// the fixed header, not here).
std::vector<unsigned char> encode_meta(const BlobInfo& info);

// Decodes meta records; records with unknown tags land in BlobInfo::unknown. `where` names the blob in errors.
Result<BlobInfo> decode_meta(const unsigned char* data, size_t size, const std::string& where);

}  // namespace oxpack::format
