// oxpack info: header, target interpreter, provenance, totals by kind.
#include <iostream>
#include <map>

#include "blob_tree.hpp"
#include "format/shared_libraries.hpp"
#include "commands.hpp"
#include "util/error.hpp"
#include "output.hpp"

namespace oxpack::cli {

Action setup_info(CLI::App& app) {
    struct Opts {
        std::string blob;
        bool json = false;
        bool tree = false;
        bool lazy = false;
        int depth = 0;
    };
    auto o = std::make_shared<Opts>();
    app.add_option("BLOB", o->blob, "The blob to describe")->required();
    app.add_flag("--json", o->json, "Machine-readable output");
    app.add_flag("--tree", o->tree,
                 "The file's bytes as a tree: roots, packages, kinds; sorted by size, with percentages of the file "
                 "(a payload several entries share counts for the first)");
    app.add_option("--depth", o->depth, "With --tree: levels to show below the file (1 roots, 2 packages, 3 kinds; "
                                        "default: all)")
        ->check(CLI::Range(0, 3));
    app.add_flag("--lazy", o->lazy,
                 "Only the blob's lazy set, one module name or glob a line (freeze --lazy auto, --lazy-include; "
                 "oxpack lazy-report says why each was chosen)");
    return [o] {
        auto blob = open_blob(o->blob);
        if (o->lazy) {
            auto info = unwrap(blob.info(), Exit::BadInput);
            if (o->json)
                print_json({{"file", o->blob}, {"lazy", info.lazy}});
            else
                for (const auto& m : info.lazy) std::cout << m << "\n";
            return 0;
        }
        if (o->tree) {
            BlobAnalysis a = analyse_blob(blob, o->blob, 0, 0);
            if (o->json)
                print_json({{"file", o->blob}, {"file_size", a.file_size}, {"tree", tree_json(a.tree, a.file_size)}});
            else
                std::cout << tree_text(a.tree, a.file_size, o->depth);
            return 0;
        }
        const auto& h = blob.header();
        auto info = unwrap(blob.info(), Exit::BadInput);
        struct Totals {
            uint64_t count = 0, stored = 0, raw = 0;
        };
        std::map<std::string, Totals> by_kind;
        Totals all;
        for (uint32_t i = 0; i < blob.entry_count(); ++i) {
            auto e = entry_at(blob, i);
            auto& t = by_kind[kind_name(e.kind)];
            ++t.count, t.stored += e.stored_size, t.raw += e.raw_size;
            ++all.count, all.stored += e.stored_size, all.raw += e.raw_size;
        }
        nlohmann::json roots = nlohmann::json::array();
        for (const auto& r : info.roots)
            roots.push_back({{"path", r.path}, {"mtime_ns", r.mtime_ns}, {"size", r.size},
                             {"type", r.type == format::RootType::Directory ? std::string("directory")
                                      : r.type == format::RootType::Wheel   ? std::string("wheel")
                                      : r.type == format::RootType::Zip     ? std::string("zip")
                                      : "unknown(" + std::to_string(static_cast<int>(r.type)) + ")"}});
        nlohmann::json kinds = nlohmann::json::object();
        for (const auto& [k, t] : by_kind) kinds[k] = {{"entries", t.count}, {"stored_bytes", t.stored}, {"raw_bytes", t.raw}};
        // Format 1.5's SharedLibraries record, decoded (null without one).
        nlohmann::json shared = nullptr;
        if (!info.shared_libraries.empty()) {
            auto sl = unwrap(format::decode_shared_libraries(info.shared_libraries, o->blob), Exit::BadInput);
            nlohmann::json guards = nlohmann::json::array(), modules = nlohmann::json::object();
            for (const auto& g : sl.guards)
                guards.push_back({{"path", g.path}, {"mtime_ns", g.mtime_ns}, {"size", g.size}});
            for (const auto& m : sl.modules) {
                nlohmann::json libs = nlohmann::json::array();
                for (uint32_t i : m.libraries) libs.push_back(sl.libraries[i]);
                modules[m.name] = libs;
            }
            shared = {{"libraries", sl.libraries}, {"modules", modules}, {"guards", guards}};
        }
        const auto& t = info.target;
        nlohmann::json j = {
            {"file", o->blob},
            {"format_version", std::to_string(h.version_major) + "." + std::to_string(h.version_minor)},
            {"file_size", h.file_size},
            {"target",
             {{"implementation", t.implementation},
              {"version", t.python_version},
              {"hexversion", h.hexversion},
              {"pyc_magic", hex32(__builtin_bswap32(h.pyc_magic))},
              {"cache_tag", t.cache_tag},
              {"platform", t.platform},
              {"source_suffixes", t.source_suffixes},
              {"bytecode_suffixes", t.bytecode_suffixes},
              {"extension_suffixes", t.extension_suffixes}}},
            {"oxpack_version", info.oxpack_version},
            {"created", info.created ? nlohmann::json(*info.created) : nlohmann::json(nullptr)},
            {"origin", info.origin == format::OriginMode::Blob       ? std::string("blob")
                       : info.origin == format::OriginMode::Original ? std::string("original")
                       : "unknown(" + std::to_string(static_cast<int>(info.origin)) + ")"},
            {"roots", roots},
            {"materialize", info.materialize},
            {"lazy", info.lazy},
            {"absent", info.absent},
            {"shared_libraries", shared},
            {"index_pages", info.index_pages ? nlohmann::json{{"page_size", info.index_pages->page_size},
                                                               {"pages", info.index_pages->page_count}}
                                             : nlohmann::json(nullptr)},
            {"entries", all.count},
            {"stored_bytes", all.stored},
            {"raw_bytes", all.raw},
            {"kinds", kinds},
        };
        if (o->json) {
            print_json(j);
            return 0;
        }
        std::cout << "file:            " << o->blob << " (" << h.file_size << " bytes)\n"
                  << "format:          oxr " << j["format_version"].get<std::string>() << "\n"
                  << "target:          " << t.implementation << " " << t.python_version << " (" << t.cache_tag
                  << ", " << t.platform << ")\n"
                  << "bytecode magic:  " << j["target"]["pyc_magic"].get<std::string>() << "\n"
                  << "extensions:      ";
        for (size_t i = 0; i < t.extension_suffixes.size(); ++i) std::cout << (i ? " " : "") << t.extension_suffixes[i];
        std::cout << "\n"
                  << "built by:        oxpack " << info.oxpack_version << "\n"
                  << "created:         " << (info.created ? std::to_string(*info.created) : "(not recorded)") << "\n"
                  << "origin mode:     " << j["origin"].get<std::string>() << "\n";
        for (const auto& r : info.roots) std::cout << "root:            " << r.path << "\n";
        for (const auto& m : info.materialize) std::cout << "materialize:     " << m << "\n";
        for (const auto& a : info.absent) std::cout << "absent:          " << a << " (answered without the disk)\n";
        if (!shared.is_null())
            std::cout << "shared libs:     " << shared["libraries"].size() << " loaded by path before "
                      << shared["modules"].size() << " extension module(s), while " << shared["guards"].size()
                      << " path(s) are unchanged (oxpack info --json lists them)\n";
        // A set chosen from a profile is hundreds of names: a few, and the count.
        constexpr size_t kShown = 8;
        for (size_t i = 0; i < info.lazy.size() && i < kShown; ++i)
            std::cout << "lazy:            " << info.lazy[i] << "\n";
        if (info.lazy.size() > kShown)
            std::cout << "lazy:            ... " << info.lazy.size() << " in all (oxpack info --lazy lists them)\n";
        if (info.index_pages)
            std::cout << "index pages:     " << info.index_pages->page_count << " x " << info.index_pages->page_size
                      << " bytes, each checked on first use\n";
        std::cout << "entries:         " << all.count << " (" << all.stored << " bytes stored, " << all.raw
                  << " bytes raw)\n";
        for (const auto& [k, v] : by_kind)
            std::cout << "  " << k << std::string(k.size() < 16 ? 16 - k.size() : 1, ' ') << v.count << " entries, "
                      << v.stored << " stored, " << v.raw << " raw\n";
        return 0;
    };
}

}  // namespace oxpack::cli
