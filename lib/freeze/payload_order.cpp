#include "freeze/payload_order.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace oxpack::freeze {
namespace {

using format::is_bytecode;
using format::Kind;
using format::Space;

// After the profiled payloads, by kind.
uint32_t kind_rank(Kind k) {
    if (is_bytecode(k)) return 0;
    switch (k) {
        case Kind::Extension: return 1;
        case Kind::Metadata: return 2;
        case Kind::Resource:
        case Kind::File: return 3;
        case Kind::Source: return 4;
        default: return 5;
    }
}

}  // namespace

LayoutStats order_payloads(std::vector<format::InputEntry>& entries, const std::vector<std::string>& roots,
                           const std::vector<ProfileEvent>& profile, format::OriginMode origin) {
    LayoutStats stats;
    const uint32_t unprofiled = static_cast<uint32_t>(profile.size());
    // By kind, then by root in sys.path order: a program's imports from one
    // root (the stdlib above all) read one stretch of the payload region,
    // not pages scattered among every other root's modules of nearby names.
    const uint32_t per_kind = static_cast<uint32_t>(roots.size()) + 1;
    for (auto& e : entries)
        e.order_hint = unprofiled + kind_rank(e.kind) * per_kind + std::min<uint32_t>(e.root, per_kind - 1);
    if (profile.empty()) return stats;

    // Where each module's payloads and each file are.
    std::unordered_map<std::string_view, std::vector<size_t>> modules;
    std::unordered_map<std::string, size_t> files;  // "<root>\0<path>" -> entry
    std::unordered_map<std::string_view, bool> has_bytecode;
    for (size_t i = 0; i < entries.size(); ++i) {
        const auto& e = entries[i];
        if (e.space == Space::Module) {
            modules[e.key].push_back(i);
            if (is_bytecode(e.kind)) has_bytecode[e.key] = true;
        } else if (e.root < roots.size()) {
            files.emplace(std::to_string(e.root) + '\0' + e.path, i);
        }
    }
    auto place = [&](size_t i, uint32_t hint) {
        if (entries[i].order_hint >= unprofiled) {
            entries[i].order_hint = hint;
            ++stats.profiled_entries;
        }
    };
    const bool blob_mode = origin == format::OriginMode::Blob;
    for (uint32_t ev = 0; ev < profile.size(); ++ev) {
        const ProfileEvent& p = profile[ev];
        if (p.kind == ProfileEvent::Import) {
            auto it = modules.find(p.name);
            if (it == modules.end()) continue;
            bool used = false;
            bool bytecode = has_bytecode.count(p.name) != 0;
            for (size_t i : it->second) {
                Kind k = entries[i].kind;
                if (is_bytecode(k) || (k == Kind::Source && !bytecode) || (k == Kind::Extension && blob_mode)) {
                    place(i, ev);
                    used = true;
                }
            }
            stats.profile_events += used;
            continue;
        }
        if (p.kind != ProfileEvent::Open) continue;  // the lazy analysis's events
        // A file: the longest root it lies under.
        size_t best = roots.size();
        for (size_t r = 0; r < roots.size(); ++r) {
            const std::string& root = roots[r];
            if (p.name.size() > root.size() + 1 && p.name.compare(0, root.size(), root) == 0 &&
                p.name[root.size()] == '/' && (best == roots.size() || root.size() > roots[best].size()))
                best = r;
        }
        if (best == roots.size()) continue;
        auto it = files.find(std::to_string(best) + '\0' + p.name.substr(roots[best].size() + 1));
        if (it == files.end()) continue;
        Kind k = entries[it->second].kind;
        if (k == Kind::Metadata || (blob_mode && (k == Kind::Resource || k == Kind::File))) {
            place(it->second, ev);
            ++stats.profile_events;
        }
    }
    return stats;
}

}  // namespace oxpack::freeze
