// oxpack scan: classify a Python environment as the target's import system
// sees it, and summarise (or list, with --json) what a freeze would pack.
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>

#include "commands.hpp"
#include "util/error.hpp"
#include "output.hpp"
#include "scan_options.hpp"

namespace oxpack::cli {
namespace {

const char* root_type(format::RootType t) {
    return t == format::RootType::Directory ? "directory" : t == format::RootType::Wheel ? "wheel" : "zip";
}

nlohmann::json item_json(const scan::Item& it) {
    nlohmann::json flags = nlohmann::json::array();
    if (it.flags & format::kFlagPackage) flags.push_back("package");
    if (it.flags & format::kFlagNamespace) flags.push_back("namespace");
    nlohmann::json j = {{"kind", std::string(format::to_string(it.kind))},
                        {"space", std::string(format::to_string(it.space))},
                        {"name", it.key},
                        {"path", it.path},
                        {"root", it.root},
                        {"size", it.size},
                        {"flags", flags}};
    if (!it.package.empty()) j["package"] = it.package;
    if (!it.distribution.empty()) j["distribution"] = it.distribution, j["version"] = it.version;
    if (!it.excluded.empty()) j["excluded"] = it.excluded;
    return j;
}

std::string human(uint64_t bytes) {
    char buf[32];
    if (bytes >= 10ull << 20) std::snprintf(buf, sizeof buf, "%.1f MB", bytes / 1048576.0);
    else if (bytes >= 10ull << 10) std::snprintf(buf, sizeof buf, "%.1f KB", bytes / 1024.0);
    else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    return buf;
}

}  // namespace

Action setup_scan(CLI::App& app) {
    struct Opts {
        ScanArgs scan;
        bool json = false;
    };
    auto o = std::make_shared<Opts>();
    add_scan_options(app, o->scan);
    app.add_flag("--json", o->json, "Every classified item, the roots, shadowed names and problems as one JSON object");
    return [o] {
        // The interpreter is probed while the PATHs are walked.
        auto probe = scan::probe_interpreter_async(o->scan.python);
        scan::Report report;
        scan::ScanResult r = scan::scan_environment(probe, scan_options(o->scan), report);
        const scan::Interpreter& py = probe.get();
        const auto problems = report.sorted();
        const int rc = report.skipped_count() ? static_cast<int>(Exit::Partial) : 0;

        struct Totals {
            uint64_t count = 0, bytes = 0;
        };
        std::map<std::string, Totals> by_kind;
        std::vector<Totals> by_root(r.roots.size());
        std::map<uint16_t, uint64_t> modules_by_root;
        Totals excluded;
        for (const auto& it : r.items) {
            if (!it.excluded.empty()) {
                ++excluded.count, excluded.bytes += it.size;
                continue;
            }
            auto& k = by_kind[std::string(format::to_string(it.kind))];
            ++k.count, k.bytes += it.size;
            ++by_root[it.root].count, by_root[it.root].bytes += it.size;
            if (it.space == format::Space::Module && !format::is_bytecode(it.kind))
                ++modules_by_root[it.root];
        }

        if (o->json) {
            nlohmann::json roots = nlohmann::json::array();
            for (size_t i = 0; i < r.roots.size(); ++i) {
                const auto& root = r.roots[i];
                roots.push_back({{"index", i}, {"path", root.path}, {"type", root_type(root.type)},
                                 {"added_by", root.added_by}, {"stdlib", root.stdlib}, {"mtime_ns", root.mtime_ns},
                                 {"size", root.size}, {"items", by_root[i].count}, {"bytes", by_root[i].bytes}});
            }
            nlohmann::json shadowed = nlohmann::json::array();
            for (const auto& s : r.shadowed) shadowed.push_back({{"name", s.name}, {"path", s.path}, {"by", s.by}});
            nlohmann::json probs = nlohmann::json::array(), warnings = nlohmann::json::array(),
                           notes = nlohmann::json::array();
            for (const auto& p : problems)
                (p.skipped ? probs : p.warning ? warnings : notes).push_back({{"path", p.path}, {"what", p.what}});
            nlohmann::json kinds = nlohmann::json::object();
            for (const auto& [k, t] : by_kind) kinds[k] = {{"count", t.count}, {"bytes", t.bytes}};
            std::cout << "{\"target\": "
                      << nlohmann::json({{"python", py.sys_executable},
                                         {"version", py.target.python_version},
                                         {"cache_tag", py.target.cache_tag},
                                         {"extension_suffixes", py.target.extension_suffixes}})
                             .dump()
                      << ",\n \"roots\": " << roots.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                      << ",\n \"kinds\": " << kinds.dump()
                      << ",\n \"stats\": "
                      << nlohmann::json({{"pyc_valid", r.stats.pyc_valid},
                                         {"pyc_stale", r.stats.pyc_stale},
                                         {"pyc_foreign", r.stats.pyc_foreign},
                                         {"excluded_files", r.stats.excluded_files},
                                         {"excluded_bytes", r.stats.excluded_bytes}})
                             .dump()
                      << ",\n \"shadowed\": " << shadowed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                      << ",\n \"problems\": " << probs.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                      << ",\n \"warnings\": " << warnings.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                      << ",\n \"notes\": " << notes.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                      << ",\n \"items\": [";
            for (size_t i = 0; i < r.items.size(); ++i)
                std::cout << (i ? ",\n  " : "\n  ")
                          << item_json(r.items[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
            std::cout << "\n]}\n";
            return rc;
        }

        std::cout << "target: " << py.describe() << "\n\nroots:\n";
        for (size_t i = 0; i < r.roots.size(); ++i) {
            const auto& root = r.roots[i];
            std::cout << "  [" << i << "] " << root.path << "  (" << root_type(root.type)
                      << (root.stdlib ? ", stdlib" : "") << ", from " << root.added_by << ")\n"
                      << "      " << modules_by_root[static_cast<uint16_t>(i)] << " modules, " << by_root[i].count
                      << " items, " << human(by_root[i].bytes) << "\n";
        }
        std::cout << "\nby kind:\n";
        for (const auto& [k, t] : by_kind)
            std::cout << "  " << k << std::string(k.size() < 16 ? 16 - k.size() : 1, ' ') << t.count << "  "
                      << human(t.bytes) << "\n";
        std::cout << "\nbytecode: " << r.stats.pyc_valid << " valid .pyc reused, " << r.stats.pyc_stale
                  << " stale (recompiled at freeze), " << r.stats.pyc_foreign << " for other interpreters ignored\n";
        if (excluded.count)
            std::cout << "excluded: " << excluded.count << " files, " << human(excluded.bytes)
                      << " (stdlib test suite and filters; --include-tests keeps the tests)\n";
        std::cout << "\nshadowed names (" << r.shadowed.size() << ", not packed, as Python would not import them):\n";
        for (const auto& s : r.shadowed) std::cout << "  " << s.name << ": " << s.path << " (shadowed by " << s.by << ")\n";
        std::cout << "\nproblems (" << report.skipped_count() << ", inputs skipped):\n";
        for (const auto& p : problems)
            if (p.skipped) std::cout << "  " << p.text() << "\n";
        std::cout << "\nwarnings (" << report.warning_count() << ", packed anyway):\n";
        for (const auto& p : problems)
            if (p.warning) std::cout << "  " << p.text() << "\n";
        std::cout << "\nnotes (" << report.note_count() << "):\n";
        for (const auto& p : problems)
            if (!p.skipped && !p.warning) std::cout << "  " << p.text() << "\n";
        return rc;
    };
}

}  // namespace oxpack::cli
