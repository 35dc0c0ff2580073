// One installed blob as the binding sees it: the mapped file, its decoded
// meta section, the mode it serves in, and the parts built on first use
// (the path index, the distribution list, extracted extensions). Owned by
// its Finder; immutable after install except the lazily built parts, which
// are only touched with the GIL held. Also: raising BlobError.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/reader.hpp"
#include "runtime/core/lazy_set.hpp"
#include "runtime/core/library_preload.hpp"
#include "runtime/core/path_index.hpp"
#include "runtime/python/state.hpp"

namespace oxpack::runtime {

struct BlobContext {
    format::Blob blob;
    format::BlobInfo info;
    std::string path;                     // absolute path of the blob file
    format::OriginMode origin = format::OriginMode::Original;
    // Whether the frozen directory roots serve their files from the blob
    // (the virtual file layer; roots that changed since the freeze are left
    // to the disk). In blob mode the blob path itself always does.
    enum class Files { Disk, Blob } files = Files::Disk;
    std::vector<std::string> stale_roots;  // roots found changed at install (never mounted)
    int optimize = 0;
    uint32_t magic = 0;
    LazySet lazy;                         // modules whose bodies run on first use (install(lazy=...))
    std::unique_ptr<PathIndex> paths;     // built on first use
    std::vector<std::pair<std::string, uint16_t>> dists;  // metadata dirs, built on first use
    bool dists_built = false;
    std::vector<int> memfds;              // never closed: dlopen matches libraries by path name
    std::string cache_dir;                // extraction directory, created on first use
    std::map<std::string, std::string> ext_paths;  // module key -> file it was loaded from
    LibraryPreload preload;               // the SharedLibraries record: extensions' libraries by path
    uintptr_t ra_start = 0, ra_end = 0;   // the payload read-ahead window last asked for (payload.cpp)
    // Top-level names looked up against info.materialize (blob mode): the
    // cache tree holding the files of those that matched, "" for the others.
    std::map<std::string, std::string, std::less<>> materialized;

    // What the file held at install: the header (any change to the file
    // in place changes it first: a writer starts at offset 0) and the
    // mapping guard's handle (pages lost to a truncation read as zeros and
    // are counted). intact() compares both on every use.
    unsigned char header_at_install[format::kHeaderSize] = {};
    int guard = -1;
    // The index checksum: checked at install (verify 'index', or 'once' now
    // or before), else on the first answer that would send an import away
    // from a name the blob holds (index_trusted()).
    enum class IndexCheck { Pending, Passed, Failed } index_check = IndexCheck::Pending;

    explicit BlobContext(format::Blob b);
    ~BlobContext();
    BlobContext(const BlobContext&) = delete;
    BlobContext& operator=(const BlobContext&) = delete;
    bool serves_files() const { return files == Files::Blob || origin == format::OriginMode::Blob; }
    // Root i is a directory not found changed at install: the freeze's
    // snapshot (its files served with files='blob', its listing trusted).
    bool unchanged_directory_root(uint32_t i) const;
    // "<root>/<path>" (original) or "<blob>/<path>" (blob mode).
    std::string location(uint16_t root, std::string_view rel) const;
    // location() for a file of module `key`: inside the cache tree when its
    // top-level package was materialized (freeze --materialize).
    std::string module_location(std::string_view key, uint16_t root, std::string_view rel) const;
    // The root path of `root`, or the blob path in blob mode / unknown roots.
    const std::string& prefix(uint16_t root) const;
    // Builds the path index if needed; nullptr with an exception set on error.
    const PathIndex* path_index(State* st);
    // The distribution metadata directories (name, root), built on first use;
    // nullptr with BlobError (path=blob_path) set on error.
    const std::vector<std::pair<std::string, uint16_t>>* distributions(State* st, PyObject* blob_path);
};

// True while the blob file is what was installed; else false with
// BlobError set, naming the blob: a blob changed in place under a running
// process (truncated, overwritten) is refused from then on. No system call:
// a compare of the mapped header with its copy, and the guard's count.
bool blob_intact(State* st, BlobContext& ctx, PyObject* blob_path);

// True when the index checksum holds (checked now if install did not);
// else false with BlobError set, naming the blob. For verify='header': an
// answer built on fields no lookup checks (a path, a flag) is confirmed
// before the import is handed to another finder (the disk).
bool index_trusted(State* st, BlobContext& ctx, PyObject* blob_path);

// Raises BlobError(message) with name= and path= (the blob).
void raise_blob_error(State* st, const std::string& message, PyObject* name, PyObject* path);
// Raises BlobError from a format error.
void raise_format_error(State* st, const format::Error& e, PyObject* name, PyObject* path);

}  // namespace oxpack::runtime
