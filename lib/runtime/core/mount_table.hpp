// Which file-system paths the installed blobs serve as files (the virtual
// file layer's routing, runtime/python/vfs.cpp). A mount maps an absolute
// directory prefix onto one blob's file tree: the blob path itself in blob
// mode ("<blob>/pkg/data.json"), or a frozen root ("/usr/lib/python3/site-
// packages/pkg/data.json", files='blob'). Pure C++ (no Python), unit-tested.
//
// Paths are matched as given, byte for byte: a mount prefix, then '/' (or
// the end, for a mount whose prefix is itself a directory), then the rest,
// which is lexically normalised ("a/./b/../c" -> "a/c"). A rest that climbs
// above the mount ("<blob>/../x") leaves it: `outside` then holds the
// normalised absolute path. Relative paths are resolved against `cwd`, but
// only when they could reach a mount (they name a mount's last component),
// so the common case never calls getcwd(). When mounts nest (a stdlib root
// holding the site-packages root), the longest prefix wins.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oxpack::runtime {

struct Mount {
    std::string prefix;        // absolute, no trailing '/'
    const void* owner = nullptr;  // what serves it (the binding's BlobContext)
    uint32_t root = 0;         // PathIndex root filter (PathIndex::kAnyRoot: every root, first wins)
    bool prefix_is_dir = true; // false: the prefix is a file (the blob), only paths strictly inside match
    bool fallthrough = false;  // names the blob does not hold go to the disk (frozen roots)
    bool absent = false;       // a path the freeze found absent (the Absent record): nothing here, nothing below
};

struct MountHit {
    const Mount* mount = nullptr;
    std::string rel;           // normalised, relative to the mount ("" for the mount itself)
    bool trailing_slash = false;  // the path ended in '/' (only a directory can match)
};

class MountTable {
public:
    void add(Mount m);
    // Drops every mount of `owner`.
    void remove_owner(const void* owner);
    bool empty() const { return mounts_.empty(); }
    size_t size() const { return mounts_.size(); }
    const std::vector<Mount>& mounts() const { return mounts_; }

    // The mount serving `path`, or nullopt. For a path that starts inside a
    // mount but climbs out of it, nullopt with `outside` set to the
    // normalised absolute path (otherwise `outside` is left empty).
    // `cwd` is called (at most once) for relative paths that might reach a
    // mount; it returns "" when the working directory is unknown.
    template <typename Cwd>
    std::optional<MountHit> find(std::string_view path, Cwd&& cwd, std::string* outside = nullptr) const {
        if (mounts_.empty() || path.empty()) return std::nullopt;
        if (path[0] == '/') return find_absolute(path, outside);
        if (!may_reach(path)) return std::nullopt;
        std::string dir = cwd();
        if (dir.empty()) return std::nullopt;
        std::string joined = dir + "/" + std::string(path);
        return find_absolute(joined, outside);
    }

    // find() for an absolute path.
    std::optional<MountHit> find_absolute(std::string_view path, std::string* outside = nullptr) const;

private:
    bool may_reach(std::string_view relative) const;

    std::vector<Mount> mounts_;  // longest prefix first
};

// Lexically normalised '/'-separated relative path ("" for the start
// itself); false when it climbs above its start.
bool normalize_relative(std::string_view in, std::string& out);

}  // namespace oxpack::runtime
