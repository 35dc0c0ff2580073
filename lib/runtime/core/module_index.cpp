#include "runtime/core/module_index.hpp"

#include <algorithm>

#include "format/bytes.hpp"

namespace oxpack::runtime {
using format::Entry;
using format::Kind;

const Entry* ModuleChoice::origin_entry() const {
    switch (type) {
        case ModuleType::Source: return &*source;
        case ModuleType::Bytecode: return &*bytecode;
        case ModuleType::Extension: return &*extension;
        case ModuleType::Namespace: return nullptr;
    }
    return nullptr;
}

Kind bytecode_kind(int optimize) {
    return optimize <= 0 ? Kind::Bytecode0 : optimize == 1 ? Kind::Bytecode1 : Kind::Bytecode2;
}

using format::is_code;

namespace {

// The directory of `e` (an entry of a module below `name`) that stands for
// `name`: its path cut to as many components as `name` has dotted ones
// ("a.b" + "a/b/c/d.py" -> "a/b"); nullopt when the path does not mirror the
// name.
std::optional<Entry> portion_of(const Entry& e, std::string_view name) {
    size_t parts = static_cast<size_t>(std::count(name.begin(), name.end(), '.')) + 1;
    size_t cut = 0;
    for (size_t i = 0; i < parts; ++i) {
        cut = e.path.find('/', cut == 0 && i == 0 ? 0 : cut + 1);
        if (cut == std::string_view::npos) return std::nullopt;
    }
    Entry portion = e;
    portion.path = e.path.substr(0, cut);
    portion.kind = static_cast<uint8_t>(Kind::Namespace);
    portion.flags = format::kFlagPackage | format::kFlagNamespace;
    return portion;
}

// Adds to `portions` the namespace portion of every root that holds modules
// directly below `name` and has no portion there yet: a namespace package
// split across roots has one marker in the blob (the format keeps one entry
// per name and kind), its other portions show in its children's paths.
// Visits one entry per child module, not their descendants.
format::Result<void> add_child_portions(const format::Blob& blob, std::string_view name, std::vector<Entry>& portions) {
    std::string prefix(name);
    prefix += '.';
    auto pos = blob.lower_bound(format::Space::Module, prefix);
    if (!pos) return pos.error();
    for (uint32_t i = *pos; i < blob.entry_count();) {
        auto e = blob.entry(i);
        if (!e) return e.error();
        if (e->space != static_cast<uint8_t>(format::Space::Module) || e->key.substr(0, prefix.size()) != prefix) break;
        bool have = std::any_of(portions.begin(), portions.end(), [&](const Entry& p) { return p.root == e->root; });
        if (!have)
            if (auto p = portion_of(*e, name)) portions.push_back(*p);
        std::string_view rest = e->key.substr(prefix.size());
        size_t dot = rest.find('.');
        if (dot != std::string_view::npos) {  // a deeper module: on to the next child ('/' follows '.')
            auto next = blob.lower_bound(format::Space::Module, prefix + std::string(rest.substr(0, dot)) + "/");
            if (!next) return next.error();
            i = std::max(*next, i + 1);
        } else {
            ++i;
        }
    }
    std::stable_sort(portions.begin(), portions.end(), [](const Entry& a, const Entry& b) { return a.root < b.root; });
    return {};
}

}  // namespace

format::Result<std::optional<ModuleChoice>> resolve_module(const format::Blob& blob, std::string_view name,
                                                           int optimize, bool implicit_namespaces) {
    auto group = blob.find_module(name);
    if (!group) return group.error();
    if (!group->found()) {
        if (!implicit_namespaces || name.empty()) return std::optional<ModuleChoice>{};
        ModuleChoice c;
        if (auto r = add_child_portions(blob, name, c.portions); !r) return r.error();
        if (c.portions.empty()) return std::optional<ModuleChoice>{};
        c.type = ModuleType::Namespace;
        c.package = true;
        c.root = c.portions.front().root;
        return std::optional<ModuleChoice>{std::move(c)};
    }

    // A group is small (a handful of entries): decode it once.
    Entry local[8];
    std::vector<Entry> heap;
    Entry* entries = local;
    if (group->count > std::size(local)) {
        heap.resize(group->count);
        entries = heap.data();
    }
    for (uint32_t i = 0; i < group->count; ++i) {
        auto e = blob.entry(group->first + i);
        if (!e) return e.error();
        entries[i] = *e;
    }
    std::span<Entry> all(entries, group->count);

    // The winning root: the smallest root index holding code; packages beat
    // modules inside it.
    std::optional<uint16_t> root;
    for (const Entry& e : all)
        if (is_code(e.kind) && !e.is_namespace() && (!root || e.root < *root)) root = e.root;

    ModuleChoice c;
    if (!root) {
        for (const Entry& e : all)
            if (e.kind == static_cast<uint8_t>(Kind::Namespace)) c.portions.push_back(e);
        if (c.portions.empty()) return std::optional<ModuleChoice>{};
        if (auto r = add_child_portions(blob, name, c.portions); !r) return r.error();
        c.type = ModuleType::Namespace;
        c.package = true;
        c.root = c.portions.front().root;
        return std::optional<ModuleChoice>{std::move(c)};
    }
    c.root = *root;
    c.package = std::any_of(all.begin(), all.end(), [&](const Entry& e) {
        return e.root == *root && is_code(e.kind) && e.is_package() && !e.is_namespace();
    });
    const Kind wanted = bytecode_kind(optimize);
    std::optional<Entry> any_bytecode;
    for (const Entry& e : all) {
        if (e.root != *root || !is_code(e.kind) || e.is_namespace() || e.is_package() != c.package) continue;
        if (e.kind == static_cast<uint8_t>(Kind::Source)) c.source = e;
        else if (e.kind == static_cast<uint8_t>(Kind::Extension)) c.extension = e;
        else if (e.kind == static_cast<uint8_t>(wanted)) c.bytecode = e;
        else if (!any_bytecode || e.kind < any_bytecode->kind) any_bytecode = e;
    }
    if (c.extension) c.type = ModuleType::Extension;
    else if (c.source) c.type = ModuleType::Source;
    else {
        // Sourceless modules load whatever optimisation level they have.
        if (!c.bytecode) c.bytecode = any_bytecode;
        c.type = ModuleType::Bytecode;
    }
    return std::optional<ModuleChoice>{std::move(c)};
}

format::Result<std::vector<ChildModule>> list_children(const format::Blob& blob, std::string_view package) {
    using format::Space;
    std::string prefix(package);
    if (!prefix.empty()) prefix += '.';
    std::vector<ChildModule> out;
    auto pos = blob.lower_bound(Space::Module, prefix);
    if (!pos) return pos.error();
    uint32_t i = *pos;
    const uint32_t n = blob.entry_count();
    while (i < n) {
        auto e = blob.entry(i);
        if (!e) return e.error();
        if (e->space != static_cast<uint8_t>(Space::Module) || e->key.substr(0, prefix.size()) != prefix) break;
        std::string_view rest = e->key.substr(prefix.size());
        size_t dot = rest.find('.');
        if (dot != std::string_view::npos) {
            // A deeper module: skip the whole "<prefix><child>." range ('/' follows '.').
            auto next = blob.lower_bound(Space::Module, prefix + std::string(rest.substr(0, dot)) + "/");
            if (!next) return next.error();
            i = std::max(*next, i + 1);
            continue;
        }
        if (is_code(e->kind) && !e->is_namespace()) {
            if (!out.empty() && out.back().name == rest) out.back().package |= e->is_package();
            else out.push_back({std::string(rest), e->is_package()});
        }
        ++i;
    }
    return out;
}

PycCheck check_pyc_header(std::span<const unsigned char> pyc, uint32_t magic, std::optional<uint64_t> source_size) {
    if (pyc.size() < 16) return PycCheck::TooShort;
    if (format::load_le<uint32_t>(pyc.data()) != magic) return PycCheck::BadMagic;
    uint32_t flags = format::load_le<uint32_t>(pyc.data() + 4);
    if ((flags & ~3u) != 0) return PycCheck::BadFlags;
    if ((flags & 1u) == 0 && source_size &&
        format::load_le<uint32_t>(pyc.data() + 12) != static_cast<uint32_t>(*source_size & 0xFFFFFFFFu))
        return PycCheck::Stale;
    return PycCheck::Ok;
}

std::string_view parent_dir(std::string_view path) {
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view module_dir(std::string_view path) {
    std::string_view d = parent_dir(path);
    std::string_view base = d.substr(d.rfind('/') == std::string_view::npos ? 0 : d.rfind('/') + 1);
    return base == "__pycache__" ? parent_dir(d) : d;
}

}  // namespace oxpack::runtime
