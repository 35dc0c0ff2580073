// The blob seen as a file tree: every entry at its original path (relative to
// its root). Serves get_data(), importlib.resources Traversables and
// extension neighbours. Built once, lazily, from the ordered entry view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/reader.hpp"

namespace oxpack::runtime {

struct DirChild {
    std::string name;
    bool is_dir = false;
};

class PathIndex {
public:
    // Any root: the merged tree where the first root wins (blob mode).
    static constexpr uint32_t kAnyRoot = 0xFFFFFFFFu;

    static format::Result<PathIndex> build(const format::Blob& blob);

    // The entry holding the file at `path` ('/'-separated, relative).
    std::optional<uint32_t> find_file(std::string_view path, uint32_t root = kAnyRoot) const;
    // True when some entry lies below `path` (or a namespace marker names it).
    // The empty path (the root itself) is a directory.
    bool is_dir(std::string_view path, uint32_t root = kAnyRoot) const;
    // The immediate children of directory `path`, sorted by name; nullopt when
    // `path` is not a directory.
    std::optional<std::vector<DirChild>> list_dir(std::string_view path, uint32_t root = kAnyRoot) const;
    // Every file below directory `path` (recursively): (path relative to the
    // root, entry), sorted by path; with kAnyRoot, the first root holding a
    // path wins.
    std::vector<std::pair<std::string, uint32_t>> files_below(std::string_view path, uint32_t root = kAnyRoot) const;
    // Entries of files directly inside directory `path` of `root`.
    std::vector<uint32_t> files_in(std::string_view path, uint32_t root) const;

    size_t size() const { return records_.size(); }

private:
    struct Record {
        std::string_view path;  // into the mapping
        uint16_t root;
        bool marker;            // a namespace marker: `path` is a directory
        bool bytecode;          // bytecode compiled during freeze, at its source's path: after the file
        uint32_t entry;
    };
    // First record whose path is not less than `p`.
    size_t lower(std::string_view p) const;
    static bool root_ok(const Record& r, uint32_t root) { return root == kAnyRoot || r.root == root; }

    std::vector<Record> records_;  // sorted by (path, root)
};

}  // namespace oxpack::runtime
