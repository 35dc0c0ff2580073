#include "runtime/core/path_index.hpp"

#include <algorithm>

namespace oxpack::runtime {

format::Result<PathIndex> PathIndex::build(const format::Blob& blob) {
    PathIndex idx;
    idx.records_.reserve(blob.entry_count());
    for (uint32_t i = 0; i < blob.entry_count(); ++i) {
        auto e = blob.entry(i);
        if (!e) return e.error();
        if (e->path.empty()) continue;
        bool marker = e->kind == static_cast<uint8_t>(format::Kind::Namespace);
        idx.records_.push_back({e->path, e->root, marker, format::is_bytecode(e->kind), i});
    }
    // Bytecode compiled during freeze carries its source's path (the spec,
    // section 11): at one path the file itself comes first, so reading
    // "pkg/mod.py" gives the source, never the bytecode.
    std::sort(idx.records_.begin(), idx.records_.end(), [](const Record& a, const Record& b) {
        if (a.path != b.path) return a.path < b.path;
        if (a.root != b.root) return a.root < b.root;
        return a.bytecode != b.bytecode ? !a.bytecode : a.entry < b.entry;
    });
    return idx;
}

size_t PathIndex::lower(std::string_view p) const {
    auto it = std::lower_bound(records_.begin(), records_.end(), p,
                               [](const Record& r, std::string_view v) { return r.path < v; });
    return static_cast<size_t>(it - records_.begin());
}

std::optional<uint32_t> PathIndex::find_file(std::string_view path, uint32_t root) const {
    for (size_t i = lower(path); i < records_.size() && records_[i].path == path; ++i)
        if (!records_[i].marker && root_ok(records_[i], root)) return records_[i].entry;
    return std::nullopt;
}

bool PathIndex::is_dir(std::string_view path, uint32_t root) const {
    if (path.empty()) return true;
    for (size_t i = lower(path); i < records_.size() && records_[i].path == path; ++i)
        if (records_[i].marker && root_ok(records_[i], root)) return true;
    std::string prefix(path);
    prefix += '/';
    for (size_t i = lower(prefix); i < records_.size(); ++i) {
        if (records_[i].path.substr(0, prefix.size()) != prefix) break;
        if (root_ok(records_[i], root)) return true;
    }
    return false;
}

std::optional<std::vector<DirChild>> PathIndex::list_dir(std::string_view path, uint32_t root) const {
    if (!is_dir(path, root)) return std::nullopt;
    std::string prefix(path);
    if (!prefix.empty()) prefix += '/';
    std::vector<DirChild> out;
    size_t i = lower(prefix);
    while (i < records_.size()) {
        const Record& r = records_[i];
        if (r.path.substr(0, prefix.size()) != prefix) break;
        std::string_view rest = r.path.substr(prefix.size());
        size_t slash = rest.find('/');
        std::string_view name = rest.substr(0, slash);
        bool dir = slash != std::string_view::npos || r.marker;
        bool match = !name.empty() && root_ok(r, root);
        if (match) {
            if (!out.empty() && out.back().name == name) out.back().is_dir |= dir;
            else out.push_back({std::string(name), dir});
        }
        if (match && slash != std::string_view::npos) {
            // Skip everything below this child: "<prefix><name>/" .. "<prefix><name>0".
            size_t next = lower(prefix + std::string(name) + "0");
            i = std::max(next, i + 1);
        } else {
            ++i;
        }
    }
    // "x" (a file), "x-y", "x/..." (a dir) sort apart: merge equal names.
    std::stable_sort(out.begin(), out.end(), [](const DirChild& a, const DirChild& b) { return a.name < b.name; });
    std::vector<DirChild> merged;
    for (auto& c : out) {
        if (!merged.empty() && merged.back().name == c.name) merged.back().is_dir |= c.is_dir;
        else merged.push_back(std::move(c));
    }
    return merged;
}

std::vector<std::pair<std::string, uint32_t>> PathIndex::files_below(std::string_view path, uint32_t root) const {
    std::string prefix(path);
    if (!prefix.empty()) prefix += '/';
    std::vector<std::pair<std::string, uint32_t>> out;
    for (size_t i = lower(prefix); i < records_.size(); ++i) {
        const Record& r = records_[i];
        if (r.path.substr(0, prefix.size()) != prefix) break;
        if (r.marker || !root_ok(r, root)) continue;
        if (!out.empty() && out.back().first == r.path) continue;  // a later root's copy
        out.emplace_back(std::string(r.path), r.entry);
    }
    return out;
}

std::vector<uint32_t> PathIndex::files_in(std::string_view path, uint32_t root) const {
    std::string prefix(path);
    if (!prefix.empty()) prefix += '/';
    std::vector<uint32_t> out;
    for (size_t i = lower(prefix); i < records_.size(); ++i) {
        const Record& r = records_[i];
        if (r.path.substr(0, prefix.size()) != prefix) break;
        if (r.marker || r.root != root || r.path.find('/', prefix.size()) != std::string_view::npos) continue;
        out.push_back(r.entry);
    }
    return out;
}

}  // namespace oxpack::runtime
