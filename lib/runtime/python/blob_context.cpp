#include "runtime/python/blob_context.hpp"

#include <algorithm>
#include <cstring>

#include "runtime/core/mapping_guard.hpp"

namespace oxpack::runtime {

const std::string& BlobContext::prefix(uint16_t root) const {
    if (origin == format::OriginMode::Original && root < info.roots.size()) return info.roots[root].path;
    return path;
}

std::string BlobContext::location(uint16_t root, std::string_view rel) const {
    const std::string& p = prefix(root);
    std::string s;
    s.reserve(p.size() + 1 + rel.size());  // one allocation on the find_spec path
    s += p;
    s += '/';
    s += rel;
    return s;
}

BlobContext::BlobContext(format::Blob b) : blob(std::move(b)) {
    auto bytes = blob.bytes();
    std::memcpy(header_at_install, bytes.data(), std::min<size_t>(bytes.size(), sizeof header_at_install));
    guard = MappingGuard::watch(bytes.data(), bytes.size());
}

BlobContext::~BlobContext() { MappingGuard::unwatch(guard); }

bool blob_intact(State* st, BlobContext& ctx, PyObject* blob_path) {
    auto bytes = ctx.blob.bytes();
    if (MappingGuard::faults(ctx.guard) == 0 &&
        std::memcmp(bytes.data(), ctx.header_at_install, sizeof ctx.header_at_install) == 0)
        return true;
    raise_blob_error(st,
                     ctx.path + ": the blob file changed on disk after it was installed (truncated or overwritten "
                                "in place); its modules and files cannot be served any more. Replace a blob in use "
                                "by renaming a new file over it (as oxpack freeze does), and restart the process to "
                                "use the new one",
                     Py_None, blob_path);
    return false;
}

bool index_trusted(State* st, BlobContext& ctx, PyObject* blob_path) {
    using Check = BlobContext::IndexCheck;
    if (ctx.index_check == Check::Pending)
        ctx.index_check = ctx.blob.index_checksum_ok() ? Check::Passed : Check::Failed;
    if (ctx.index_check == Check::Passed) return true;
    raise_blob_error(st, ctx.path + ": index checksum mismatch (the blob is damaged)", Py_None, blob_path);
    return false;
}

bool BlobContext::unchanged_directory_root(uint32_t i) const {
    return i < info.roots.size() && info.roots[i].type == format::RootType::Directory &&
           std::find(stale_roots.begin(), stale_roots.end(), info.roots[i].path) == stale_roots.end();
}

std::string BlobContext::module_location(std::string_view key, uint16_t root, std::string_view rel) const {
    if (!materialized.empty()) {
        auto it = materialized.find(key.substr(0, key.find('.')));
        if (it != materialized.end() && !it->second.empty()) return it->second + "/" + std::string(rel);
    }
    return location(root, rel);
}

const PathIndex* BlobContext::path_index(State* st) {
    if (!paths) {
        auto built = PathIndex::build(blob);
        if (!built) {
            raise_format_error(st, built.error(), Py_None, Py_None);
            return nullptr;
        }
        paths = std::make_unique<PathIndex>(std::move(*built));
    }
    return paths.get();
}

const std::vector<std::pair<std::string, uint16_t>>* BlobContext::distributions(State* st, PyObject* blob_path) {
    if (dists_built) return &dists;
    auto pos = blob.lower_bound(format::Space::Distribution, "");
    if (!pos) {
        raise_format_error(st, pos.error(), Py_None, blob_path);
        return nullptr;
    }
    std::vector<std::pair<std::string, uint16_t>> found;
    for (uint32_t i = *pos; i < blob.entry_count(); ++i) {
        auto e = blob.entry(i);
        if (!e) {
            raise_format_error(st, e.error(), Py_None, blob_path);
            return nullptr;
        }
        if (e->space != static_cast<uint8_t>(format::Space::Distribution)) break;
        std::string_view dir = e->key.substr(0, e->key.find('/'));
        if (found.empty() || found.back().first != dir || found.back().second != e->root)
            found.emplace_back(std::string(dir), e->root);
    }
    dists = std::move(found);
    dists_built = true;
    return &dists;
}

void raise_blob_error(State* st, const std::string& message, PyObject* name, PyObject* path) {
    py::Ref msg = py::str(message);
    if (!msg) return;
    PyErr_SetImportErrorSubclass(st->BlobError, msg.get(), name ? name : Py_None, path ? path : Py_None);
}

void raise_format_error(State* st, const format::Error& e, PyObject* name, PyObject* path) {
    raise_blob_error(st, e.message, name, path);
}

}  // namespace oxpack::runtime
