// From a scan to blob bytes: choose what each module keeps (sources,
// reused bytecode, freshly compiled bytecode, extensions), read everything
// in parallel, compile what is missing with the target interpreter, and
// build the blob. The output depends only on the inputs and options.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "util/progress.hpp"
#include "format/layout.hpp"
#include "format/writer.hpp"
#include "freeze/frame_arena.hpp"
#include "freeze/profile.hpp"
#include "scan/interpreter.hpp"
#include "scan/report.hpp"
#include "scan/scanner.hpp"

namespace oxpack::freeze {

struct FreezeOptions {
    std::set<int> optimize{0};  // bytecode levels stored (0, 1, 2)
    bool keep_sources = true;   // --sources keep|drop
    bool strict = false;        // a source that does not compile fails the freeze
    format::Compression compression = format::Compression::None;
    int level = 3;
    format::OriginMode origin = format::OriginMode::Original;
    std::optional<uint64_t> created;  // SOURCE_DATE_EPOCH
    unsigned threads = 0;             // 0: one per core
    util::Progress* progress = nullptr;
    std::vector<ProfileEvent> profile;  // a start-up profile: its payloads first (payload_order.hpp)
    std::vector<std::string> materialize;  // --materialize: globs of top-level names put on disk in blob mode
    std::vector<std::string> lazy;         // --lazy-include: globs of module names recorded as the lazy set
};

struct FreezeStats {
    uint64_t entries = 0;
    uint64_t files_read = 0, bytes_read = 0;
    uint64_t largest_file_bytes = 0;  // the biggest file read, and where it is (scan::item_location)
    std::string largest_file;
    uint64_t bytecode_reused = 0, bytecode_compiled = 0;
    uint64_t compile_errors = 0;
    uint64_t blob_bytes = 0;
    uint64_t profiled_entries = 0;  // entries the start-up profile placed first
    uint64_t preload_modules = 0, preload_libraries = 0;  // the SharedLibraries record (needed_libraries.hpp)
    double read_seconds = 0, compile_seconds = 0, build_seconds = 0;  // wall clock per phase
};

struct FreezeOutput {
    std::unique_ptr<FrameArena> frames;  // compressed payloads the image refers to
    format::BlobImage image;
    FreezeStats stats;
};

// Throws oxpack::Failure: BadInput for --strict compile errors, Internal
// for helper failures. Problems go to `report`.
FreezeOutput freeze_scan(const scan::Interpreter& python, const scan::ScanResult& scan, const FreezeOptions& options,
                         scan::Report& report);

}  // namespace oxpack::freeze
