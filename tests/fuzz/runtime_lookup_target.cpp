// Body of the runtime open+lookup fuzz target: what oxpack_runtime.install()
// and its finder do with a blob, through lib/runtime/core (no Python).
//
// Opened as install() opens it: without the index check, then with it
// (verify="index"), or trusting the index (verify="header"); each input also
// resealed (checksums recomputed), as a hostile file would be. Then, for
// every entry: resolve_module() of its name (and of the names around it:
// parents, a missing child, the implicit-namespace path) at each optimize
// level, the .pyc header check of the bytecode chosen, list_children() of
// its package, and the PathIndex lookups get_data() and
// importlib.resources use (find_file, is_dir, list_dir, files_in).
//
// Invariants on a blob that verify() passes: a module name with code
// resolves to a choice naming its origin entry; every file entry (at a
// relative path without empty components) is found at its path and root,
// and listed in its directory; every code module (a dotted name without
// empty components) is listed among its package's children.
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "format/bytes.hpp"
#include "format/reader.hpp"
#include "runtime/core/module_index.hpp"
#include "runtime/core/path_index.hpp"
#include "targets.hpp"

namespace oxpack::fuzz {
namespace {

using namespace oxpack::format;
using namespace oxpack::runtime;

void reseal(std::vector<unsigned char>& b) {
    if (b.size() < kHeaderSize) return;
    uint64_t po = load_le<uint64_t>(b.data() + hdr::kPayloadOffset);
    if (po >= kHeaderSize && po <= b.size())
        store_le<uint64_t>(b.data() + hdr::kIndexChecksum, checksum(b.data() + kHeaderSize, po - kHeaderSize));
    store_le<uint64_t>(b.data() + hdr::kHeaderChecksum, checksum(b.data(), hdr::kHeaderChecksum));
}

// "a.b.c": no empty component. The invariants speak of such names only.
bool dotted(std::string_view k) {
    return !k.empty() && k.front() != '.' && k.back() != '.' && k.find("..") == std::string_view::npos;
}
// "a/b/c": relative, no empty component.
bool normal_path(std::string_view p) {
    return !p.empty() && p.front() != '/' && p.back() != '/' && p.find("//") == std::string_view::npos;
}

bool is_code(uint8_t kind) {
    return kind >= static_cast<uint8_t>(Kind::Source) && kind <= static_cast<uint8_t>(Kind::Extension);
}

// What the loader does with a resolved module: its origin, and the header
// check of the bytecode it would run.
void use_choice(const Blob& blob, const ModuleChoice& c, bool intact) {
    if (c.type == ModuleType::Namespace) {
        for (const Entry& p : c.portions) (void)module_dir(p.path);
        return;
    }
    switch (c.type) {
        case ModuleType::Source: fuzz_check(c.source.has_value()); break;
        case ModuleType::Bytecode: fuzz_check(c.bytecode.has_value()); break;
        case ModuleType::Extension: fuzz_check(c.extension.has_value()); break;
        case ModuleType::Namespace: break;
    }
    const Entry* origin = c.origin_entry();
    fuzz_check(origin != nullptr);
    (void)module_dir(origin->path);
    if (c.bytecode && c.bytecode->raw_size <= (16u << 20)) {
        auto p = blob.payload(*c.bytecode);
        if (intact) fuzz_check(static_cast<bool>(p));
        if (p) {
            std::optional<uint64_t> source_size;
            if (c.source) source_size = c.source->raw_size;
            (void)check_pyc_header(p->bytes(), blob.header().pyc_magic, source_size);
        }
    }
}

void lookups(const Blob& blob, bool intact) {
    auto idx = PathIndex::build(blob);
    if (intact) fuzz_check(static_cast<bool>(idx));
    (void)list_children(blob, "");
    for (int opt = 0; opt <= 2; ++opt) (void)resolve_module(blob, "os", opt);
    (void)resolve_module(blob, "", 0);
    const uint32_t n = std::min<uint32_t>(blob.entry_count(), 4096);
    std::map<std::string_view, std::set<std::string>> children;  // each package's, listed once
    std::map<std::pair<std::string_view, uint16_t>, std::optional<std::set<std::string>>> listings;
    for (uint32_t i = 0; i < n; ++i) {
        auto e = blob.entry(i);
        if (!e) {
            fuzz_check(!intact);
            continue;
        }
        if (e->space == static_cast<uint8_t>(Space::Module)) {
            const bool code = is_code(e->kind) && !e->is_namespace();
            for (int opt = 0; opt <= 2; ++opt) {
                auto r = resolve_module(blob, e->key, opt, opt != 1);
                if (intact) fuzz_check(static_cast<bool>(r));
                if (r && *r) use_choice(blob, **r, intact);
                if (intact && code) fuzz_check(r && r->has_value() && (*r)->type != ModuleType::Namespace);
            }
            // A child that is not there: the implicit-namespace search below the name.
            (void)resolve_module(blob, std::string(e->key) + ".zz", 0);
            const size_t dot = e->key.rfind('.');
            const std::string_view parent = dot == std::string_view::npos ? std::string_view() : e->key.substr(0, dot);
            auto listed = children.find(parent);
            if (listed == children.end()) {
                if (!parent.empty()) {
                    auto r = resolve_module(blob, parent, 0);
                    if (r && *r) use_choice(blob, **r, intact);
                }
                auto kids = list_children(blob, parent);
                if (intact) fuzz_check(static_cast<bool>(kids));
                std::set<std::string> names;
                if (kids)
                    for (const auto& k : *kids) names.insert(k.name);
                listed = children.emplace(parent, std::move(names)).first;
            }
            // Every code module is among its package's children.
            if (intact && code && dotted(e->key))
                fuzz_check(listed->second.count(std::string(e->key.substr(dot == std::string_view::npos ? 0 : dot + 1))));
        }
        if (!idx) continue;
        const std::string_view dir = parent_dir(e->path);
        const bool marker = e->kind == static_cast<uint8_t>(Kind::Namespace);
        auto found = idx->find_file(e->path, e->root);
        (void)idx->find_file(e->path);
        (void)idx->is_dir(e->path);
        auto listed = listings.find({dir, e->root});
        if (listed == listings.end()) {  // each directory listed once
            (void)idx->files_in(dir, e->root);
            (void)idx->list_dir(dir);
            std::optional<std::set<std::string>> names;
            if (auto listing = idx->list_dir(dir, e->root)) {
                names.emplace();
                for (const auto& c : *listing) names->insert(c.name);
            }
            listed = listings.emplace(std::pair(dir, e->root), std::move(names)).first;
        }
        if (intact && !marker && normal_path(e->path)) {
            fuzz_check(found.has_value());
            auto other = blob.entry(*found);
            fuzz_check(other && other->path == e->path && other->root == e->root);
            fuzz_check(idx->is_dir(dir, e->root));
            fuzz_check(listed->second.has_value());
            fuzz_check(listed->second->count(std::string(e->path.substr(dir.empty() ? 0 : dir.size() + 1))));
        }
    }
}

}  // namespace

void runtime_lookup_one(const uint8_t* data, size_t size) {
    for (int pass = 0; pass < 3; ++pass) {
        std::vector<unsigned char> bytes(data, data + size);  // exact size: ASan sees any overrun
        if (pass == 1) reseal(bytes);
        // install(): the header and the sections at open, the index checksum
        // by verify mode. "header" mode goes on whatever the index holds;
        // "pages" (pass 2, the bytes as given) checks each index page as read.
        auto blob = Blob::from_memory(bytes.data(), bytes.size(), "fuzz.oxr",
                                      OpenOptions{.check_index = pass == 2, .index_pages = pass == 2});
        if (!blob) continue;
        const bool index_ok = blob->index_checksum_ok();
        if (!blob->info()) continue;  // install() refuses a blob whose meta does not decode
        const bool intact = index_ok && blob->entry_count() < 100000 && blob->verify(1).empty();
        lookups(*blob, intact);
    }
}

}  // namespace oxpack::fuzz
