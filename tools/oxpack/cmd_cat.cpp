// oxpack cat: one entry's payload, raw, to stdout.
#include <algorithm>
#include <optional>

#include "commands.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "output.hpp"

namespace oxpack::cli {
namespace {

// --kind takes the names of lib/format (format::to_string), every kind with a payload.
std::vector<std::string> kind_names() {
    std::vector<std::string> names;
    for (uint8_t k = 1; k <= format::kMaxKnownKind; ++k)
        if (static_cast<format::Kind>(k) != format::Kind::Namespace) names.push_back(format::kind_name(k));
    std::sort(names.begin(), names.end());
    return names;
}

// NAME is a module, a "package/resource", a metadata or root-file key, or
// else an entry's original path. For a module, the first of source,
// bytecode, extension is taken unless --kind says which.
std::optional<format::Entry> resolve(const format::Blob& blob, const std::string& name,
                                     std::optional<format::Kind> kind) {
    using format::Space;
    for (Space space : {Space::Module, Space::Resource, Space::Distribution, Space::File}) {
        auto g = unwrap(blob.find(space, name), Exit::BadInput);
        for (uint32_t i = g.first; i < g.first + g.count; ++i) {
            auto e = entry_at(blob, i);
            if (e.kind == static_cast<uint8_t>(format::Kind::Namespace)) continue;
            if (!kind || e.kind == static_cast<uint8_t>(*kind)) return e;
        }
    }
    for (uint32_t i = 0; i < blob.entry_count(); ++i) {
        auto e = entry_at(blob, i);
        if (e.path == name && (!kind || e.kind == static_cast<uint8_t>(*kind))) return e;
    }
    return std::nullopt;
}

}  // namespace

Action setup_cat(CLI::App& app) {
    struct Opts {
        std::string blob, name, kind;
    };
    auto o = std::make_shared<Opts>();
    app.add_option("BLOB", o->blob, "The blob to read")->required();
    app.add_option("NAME", o->name, "Module name, package/resource, metadata key, or original path")->required();
    const std::vector<std::string> kinds = kind_names();
    app.add_option("--kind", o->kind,
                   "Which entry of a module (or any entry): source, bytecode, bytecode-opt1, bytecode-opt2, "
                   "extension, resource, metadata, file (default: the first of source, bytecode, extension)")
        ->check(CLI::IsMember(kinds));
    return [o] {
        auto blob = open_blob(o->blob);
        std::optional<format::Kind> kind;
        if (!o->kind.empty()) kind = format::kind_from_string(o->kind);
        auto e = resolve(blob, o->name, kind);
        if (!e) throw Failure(Exit::BadInput, o->blob + ": no entry named '" + o->name + "'");
        auto p = unwrap(blob.payload(*e), Exit::BadInput);
        std::span<const unsigned char> piece[] = {{p.data(), p.size()}};
        util::write_all_fd(1, piece, "standard output");
        return 0;
    };
}

}  // namespace oxpack::cli
