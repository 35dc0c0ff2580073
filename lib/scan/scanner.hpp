// The import-system-aware scanner: from sys.path entries (directories,
// wheels, directories of wheels, .zip files) to the classified items a blob
// holds, resolved exactly as CPython's PathFinder/FileFinder (and zipimport)
// would resolve them for the target interpreter.
//
// Rules in one place (see also the content conventions in the brief):
// - a name resolves to the first regular package or module found along the
//   search path; namespace portions only count when nothing regular is found
//   (PathFinder); later hits are reported as shadowed, not packed;
// - in one directory: NAME/__init__<suffix> first, then NAME<suffix> for
//   extension, source, bytecode suffixes in the target's order, then a
//   namespace directory (FileFinder); .zip roots follow zipimport (no
//   extension modules, NAME.pyc beside NAME.py is its bytecode);
// - a namespace package needs importable content somewhere below it, or its
//   directory is plain data belonging to the enclosing package (or the root);
// - every other file inside a package is a resource of the nearest package;
//   files at a root outside any package are "files"; *.dist-info/*.egg-info
//   at a root are distribution metadata.
#pragma once

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "format/layout.hpp"
#include "format/meta.hpp"
#include "scan/interpreter.hpp"
#include "scan/report.hpp"
#include "scan/tree.hpp"
#include "scan/wheel.hpp"

namespace oxpack::scan {

struct ScanRoot {
    std::string path;  // absolute: a directory, or the wheel/zip file
    format::RootType type = format::RootType::Directory;
    uint64_t mtime_ns = 0;
    uint64_t size = 0;
    bool stdlib = false;        // the target's stdlib directory
    std::string added_by;       // "sys.path", "argument", "<file>.pth", "wheel directory <dir>"
    std::optional<WheelName> wheel;
    Node tree;                  // the installed layout (wheels: .data/purelib etc. mapped)
};

struct Item {
    format::Space space = format::Space::Module;
    format::Kind kind = format::Kind::Source;
    uint16_t flags = 0;
    std::string key;        // see the Space: module name, package/resource, dist-dir/file, root-relative path
    std::string path;       // original path relative to the root (archives: the member name)
    uint16_t root = 0;      // index into ScanResult::roots
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t member = -1;    // archives: member index
    std::string package;    // resources: the package; modules: empty
    std::string distribution, version;  // metadata: the distribution it belongs to
    std::string excluded;   // non-empty: left out by a filter, and why
};

struct Shadowed {
    std::string name;        // module name (or key of the shadowed resource / file)
    std::string path;        // the shadowed file/dir: absolute (or archive!member)
    std::string by;          // the winner: absolute path
};

struct ScanStats {
    uint64_t pyc_valid = 0;       // reused as is
    uint64_t pyc_stale = 0;       // source changed since: not used
    uint64_t pyc_foreign = 0;     // other interpreters' cache files: ignored
    uint64_t pyc_orphan = 0;      // in __pycache__ without a source: not importable, ignored
    uint64_t excluded_files = 0;  // left out by filters (incl. the stdlib test suite)
    uint64_t excluded_bytes = 0;
};

struct ScanOptions {
    std::vector<std::string> paths;    // empty: the interpreter's sys.path
    bool include_tests = false;        // keep the stdlib's test suite
    std::vector<std::string> include;  // globs on module names and paths; empty = everything
    std::vector<std::string> exclude;
    unsigned threads = 0;              // 0: one per core
    uint64_t max_file_size = 1ull << 30;  // bigger files are reported and skipped
    uint64_t warn_file_size = 100ull << 20;  // bigger files (up to max_file_size) are packed with a warning
    // Read every archive member through once to check its CRC: a damaged
    // member is reported and left out (in a wheel: the whole wheel). A
    // freeze reads (and CRC-checks) every member it packs anyway, and does
    // the same there (freeze_scan), so it turns this off.
    bool check_archive_members = true;
};

struct ScanResult {
    std::vector<ScanRoot> roots;
    std::vector<Item> items;           // sorted by (space, key, kind); excluded ones included, marked
    std::vector<Shadowed> shadowed;
    ScanStats stats;
};

// Throws oxpack::Failure(BadInput) when an explicit path does not exist.
ScanResult scan_environment(const Interpreter& python, const ScanOptions& options, Report& report);

// The same while the interpreter is still being probed (see
// probe_interpreter_async): the explicit directory PATHs are walked
// meanwhile, then corrected for what the interpreter says (its sys.path
// entries inside them are not walked), so the result is the same.
ScanResult scan_environment(const std::shared_future<Interpreter>& python, const ScanOptions& options,
                            Report& report);

// Where an item's bytes live, for messages: "/abs/path" or "/x.whl!member".
std::string item_location(const ScanResult& scan, const Item& item);

}  // namespace oxpack::scan
