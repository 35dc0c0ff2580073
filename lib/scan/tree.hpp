// A root's files as a tree of names: the one shape the classifier works on,
// whatever the root is (a directory on disk, a wheel, a .zip). Children are
// sorted by name (bytes), so everything built from a tree is deterministic.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace oxpack::scan {

struct Node {
    std::string name;       // one path component, raw bytes
    bool is_dir = false;
    uint64_t size = 0;      // files: bytes
    int64_t mtime_ns = 0;
    int64_t member = -1;    // archives: the member's index; -1 on disk
    std::string origin;     // archives: the member's full name in the archive
    std::string head;       // .pyc files: their first 16 bytes (read while walking)
    std::vector<Node> children;  // directories only, sorted by name

    const Node* child(std::string_view n) const;
    const Node* file(std::string_view n) const {
        const Node* c = child(n);
        return c && !c->is_dir ? c : nullptr;
    }
    const Node* dir(std::string_view n) const {
        const Node* c = child(n);
        return c && c->is_dir ? c : nullptr;
    }
    void sort_children();  // sorts recursively
};

}  // namespace oxpack::scan
