#include "runtime/core/mount_table.hpp"

#include <algorithm>

namespace oxpack::runtime {

namespace {

// Splits '/'-separated `in` into its components with "." and ".." resolved.
// A ".." above the start is an error, or (clamp: an absolute path, where
// "/.." is "/") ignored.
bool resolve_parts(std::string_view in, bool clamp, std::vector<std::string_view>& parts) {
    size_t start = 0;
    while (start <= in.size()) {
        size_t s = in.find('/', start);
        if (s == std::string_view::npos) s = in.size();
        std::string_view c = in.substr(start, s - start);
        start = s + 1;
        if (c.empty() || c == ".") continue;
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
            else if (!clamp) return false;
            continue;
        }
        parts.push_back(c);
    }
    return true;
}

std::string join_parts(const std::vector<std::string_view>& parts, std::string_view lead) {
    std::string out;
    for (auto p : parts) {
        if (!out.empty() || !lead.empty()) out += '/';
        out += p;
    }
    return out;
}

}  // namespace

bool normalize_relative(std::string_view in, std::string& out) {
    std::vector<std::string_view> parts;
    if (!resolve_parts(in, false, parts)) return false;
    out = join_parts(parts, "");
    return true;
}

void MountTable::add(Mount m) {
    while (m.prefix.size() > 1 && m.prefix.back() == '/') m.prefix.pop_back();
    for (const auto& have : mounts_)
        if (have.prefix == m.prefix && have.owner == m.owner && have.root == m.root) return;
    auto at = std::find_if(mounts_.begin(), mounts_.end(),
                           [&](const Mount& x) { return x.prefix.size() < m.prefix.size(); });
    mounts_.insert(at, std::move(m));
}

void MountTable::remove_owner(const void* owner) {
    mounts_.erase(std::remove_if(mounts_.begin(), mounts_.end(), [&](const Mount& m) { return m.owner == owner; }),
                  mounts_.end());
}

bool MountTable::may_reach(std::string_view relative) const {
    // A relative path reaches a mount only through the mount point's own
    // name ("app.oxr/pkg/x" from the blob's directory), or through "..".
    if (relative.find("..") != std::string_view::npos) return true;
    for (const auto& m : mounts_) {
        size_t slash = m.prefix.rfind('/');
        std::string_view last = std::string_view(m.prefix).substr(slash == std::string::npos ? 0 : slash + 1);
        if (last.empty()) continue;
        for (size_t at = relative.find(last); at != std::string_view::npos; at = relative.find(last, at + 1)) {
            bool starts = at == 0 || relative[at - 1] == '/';
            size_t end = at + last.size();
            bool ends = end == relative.size() || relative[end] == '/';
            if (starts && ends) return true;
        }
    }
    return false;
}

std::optional<MountHit> MountTable::find_absolute(std::string_view path, std::string* outside) const {
    for (const auto& m : mounts_) {
        const std::string& p = m.prefix;
        if (path.size() < p.size() || path.compare(0, p.size(), p) != 0) continue;
        std::string_view rest;
        if (path.size() == p.size()) {
            if (!m.prefix_is_dir) continue;  // the blob file itself
        } else if (path[p.size()] == '/') {
            rest = path.substr(p.size() + 1);
        } else {
            continue;  // "/a/site-packages2" is not inside "/a/site-packages"
        }
        MountHit hit;
        hit.mount = &m;
        hit.trailing_slash = !rest.empty() && rest.back() == '/';
        if (path.size() > p.size() && rest.empty()) hit.trailing_slash = true;  // "<prefix>/"
        if (!normalize_relative(rest, hit.rel)) {
            // Climbs out of this mount: an enclosing one may still hold it
            // (mounts are longest first); else the normalised absolute path
            // is for the caller to hand to the file system.
            if (outside != nullptr && outside->empty()) {
                std::vector<std::string_view> parts;
                resolve_parts(path, true, parts);
                *outside = parts.empty() ? "/" : join_parts(parts, "/");
            }
            continue;
        }
        if (outside != nullptr) outside->clear();
        return hit;
    }
    return std::nullopt;
}

}  // namespace oxpack::runtime
