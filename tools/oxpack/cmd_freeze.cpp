// oxpack freeze: scan a Python environment for a target interpreter and pack
// it into one blob (written atomically).
#include <algorithm>
#include <fnmatch.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <unordered_set>

#include "commands.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"
#include "util/size.hpp"
#include "freeze/freezer.hpp"
#include "freeze/lazy_choice.hpp"
#include "output.hpp"
#include "lazy_check.hpp"
#include "profile_options.hpp"
#include "scan_options.hpp"

namespace oxpack::cli {
namespace {

struct CompressSpec {
    format::Compression compression = format::Compression::None;
    int level = 3;
};

CompressSpec parse_compress(const std::string& s) {
    if (s == "none") return {};
    if (s == "zstd") return {format::Compression::Zstd, 3};
    if (s.rfind("zstd:", 0) == 0) {
        try {
            size_t used = 0;
            int level = std::stoi(s.substr(5), &used);
            if (used == s.size() - 5 && level >= 1 && level <= 22) return {format::Compression::Zstd, level};
        } catch (const std::exception&) {
        }
    }
    throw Failure(Exit::Usage, "--compress: '" + s + "' is not none, zstd or zstd:LEVEL (1-22)");
}

std::set<int> parse_levels(const std::string& s) {
    std::set<int> levels;
    size_t start = 0;
    for (;;) {
        size_t comma = s.find(',', start);
        std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (part != "0" && part != "1" && part != "2")
            throw Failure(Exit::Usage, "--optimize: '" + s + "' is not a list of levels 0, 1, 2 (e.g. 0 or 0,1,2)");
        levels.insert(part[0] - '0');
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return levels;
}

std::optional<uint64_t> source_date_epoch() {
    const char* v = std::getenv("SOURCE_DATE_EPOCH");
    if (v == nullptr || *v == '\0') return std::nullopt;
    char* end = nullptr;
    unsigned long long n = std::strtoull(v, &end, 10);
    if (*end != '\0') throw Failure(Exit::Usage, std::string("SOURCE_DATE_EPOCH='") + v + "' is not a number of seconds");
    return n;
}

// A --materialize glob that names no top-level module is most likely a typo.
void warn_unmatched_materialize(const std::vector<std::string>& globs, const scan::ScanResult& r) {
    for (const auto& g : globs) {
        bool hit = false;
        for (const auto& it : r.items) {
            if (it.space != format::Space::Module || it.key.find('.') != std::string::npos) continue;
            if (::fnmatch(g.c_str(), it.key.c_str(), 0) == 0) {
                hit = true;
                break;
            }
        }
        if (!hit) spdlog::warn("--materialize '{}': matches no top-level module or package", g);
    }
}

// Likewise a --lazy-include glob that names no module.
void warn_unmatched_lazy(const std::vector<std::string>& globs, const scan::ScanResult& r) {
    for (const auto& g : globs) {
        bool hit = std::any_of(r.items.begin(), r.items.end(), [&](const auto& it) {
            return it.space == format::Space::Module && ::fnmatch(g.c_str(), it.key.c_str(), 0) == 0;
        });
        if (!hit) spdlog::warn("--lazy-include '{}': matches no module", g);
    }
}

// The blob's lazy set from the profile (--lazy auto) and the globs, as
// exact names; a summary of the choice on stderr (-v: every module's reason).
std::vector<std::string> choose_lazy_set(const std::vector<freeze::ProfileEvent>& profile, const scan::ScanResult& r,
                                         const std::vector<std::string>& include,
                                         const std::vector<std::string>& exclude, bool from_profile) {
    std::unordered_set<std::string> code;
    freeze::LazyChoiceOptions lo;
    lo.include = include;
    lo.exclude = exclude;
    for (const auto& it : r.items)
        if (it.space == format::Space::Module && it.excluded.empty() && it.kind != format::Kind::Extension &&
            it.kind != format::Kind::Namespace && code.insert(it.key).second)
            lo.candidates.push_back(it.key);
    lo.deferrable = [&](const std::string& name) { return code.count(name) != 0; };
    auto decisions = freeze::choose_lazy(profile, lo, from_profile);
    std::map<std::string, size_t> why_not;
    for (const auto& d : decisions) {
        spdlog::debug("lazy: {} {}: {}", d.lazy ? "yes" : "no ", d.module, d.reason);
        if (!d.lazy) ++why_not[d.reason.substr(0, d.reason.find(':'))];
    }
    auto names = freeze::lazy_names(decisions);
    std::string not_chosen;
    for (const auto& [why, n] : why_not) not_chosen += "; " + std::to_string(n) + " " + why;
    spdlog::info("lazy: {} module(s) chosen{} (oxpack lazy-report says why for each)", names.size(), not_chosen);
    if (from_profile && names.empty())
        spdlog::warn("--lazy auto: the profile leaves no module to defer: everything the run imported was used or "
                     "had effects");
    return names;
}

}  // namespace

Action setup_freeze(CLI::App& app) {
    struct Opts {
        ScanArgs scan;
        ProfileArgs profile;
        std::string out;
        std::string compress = "none";
        std::string origin = "original";
        std::string optimize = "0";
        std::string sources = "keep";
        std::vector<std::string> materialize;
        std::vector<std::string> lazy_include;
        std::vector<std::string> lazy_exclude;
        std::string lazy = "off";
        bool strict = false;
        bool json = false;
        bool no_progress = false;
    };
    auto o = std::make_shared<Opts>();
    add_scan_options(app, o->scan);
    app.add_option("-o,--output", o->out,
                   "The blob to write (atomically; a symlink is written through; '-' for standard output). "
                   "An existing path that is not a regular file is refused")
        ->required();
    app.add_option("--compress", o->compress, "none, zstd or zstd:LEVEL (default: none)");
    app.add_option("--optimize", o->optimize, "Bytecode levels to store: 0, 1, 2 or a list like 0,1,2 (default: 0)");
    app.add_option("--sources", o->sources, "keep (for tracebacks and inspect; default) or drop")
        ->check(CLI::IsMember({"keep", "drop"}));
    app.add_flag("--strict", o->strict, "Fail (exit 3) if a source does not compile, instead of reporting it");
    app.add_option("--origin", o->origin, "Default __file__ mode at run time: original or blob")
        ->check(CLI::IsMember({"original", "blob"}));
    app.add_option("--materialize", o->materialize,
                   "GLOB of top-level module or package names (repeatable) whose files blob mode puts on disk, in "
                   "the private cache, and reports as their __file__: for packages that hand their own files to C "
                   "libraries or other processes (a helper script run by path, a library loaded with ctypes)");
    app.add_option("--lazy", o->lazy,
                   "Choose the blob's lazy set from the profile: off (default), auto (modules the profiled run "
                   "imported and never used after, whose import had no effects outside themselves; needs --profile, "
                   "--profile-script or a profile saved with them) or check (auto, then run the profiled command "
                   "eagerly and lazily and refuse the set, exit 1, if its output differs)")
        ->check(CLI::IsMember({"off", "auto", "check"}));
    app.add_option("--lazy-include", o->lazy_include,
                   "GLOB of full module names (repeatable; 'sympy*', 'docutils.parsers.*') put in the blob's lazy "
                   "set: a loader asked for it (install(lazy=True), OXPACK_LAZY=1, oxpack run --lazy auto) runs "
                   "their bodies on first use (format 1.2)");
    app.add_option("--lazy-exclude", o->lazy_exclude,
                   "GLOB of full module names (repeatable) never put in the lazy set, whatever --lazy auto or "
                   "--lazy-include say");
    add_profile_options(app, o->profile);
    app.add_flag("--json", o->json, "Print a JSON summary on stdout");
    app.add_flag("--no-progress", o->no_progress, "No progress bar even on a terminal");
    return [o] {
        const bool to_stdout = o->out == "-";
        if (to_stdout && o->json) throw Failure(Exit::Usage, "-o - and --json both write to standard output; pick one");
        if (to_stdout && ::isatty(1))
            throw Failure(Exit::Usage, "-o -: standard output is a terminal; redirect it to a file or a pipe");
        if (!to_stdout) util::resolve_output_path(o->out);  // refuse a device, FIFO or directory before the work
        auto spec = parse_compress(o->compress);
        freeze::FreezeOptions fo;
        fo.optimize = parse_levels(o->optimize);
        fo.keep_sources = o->sources == "keep";
        fo.strict = o->strict;
        fo.compression = spec.compression;
        fo.level = spec.level;
        fo.origin = o->origin == "blob" ? format::OriginMode::Blob : format::OriginMode::Original;
        fo.created = source_date_epoch();
        fo.threads = o->scan.jobs;
        fo.materialize = o->materialize;
        fo.lazy = o->lazy_include;
        util::Progress progress(!o->json && !o->no_progress && !quiet());
        fo.progress = &progress;

        auto t0 = std::chrono::steady_clock::now();
        // The interpreter is probed while the PATHs are walked.
        auto probe = scan::probe_interpreter_async(o->scan.python);
        scan::Report report;
        if (progress.active()) progress.phase("scanning", 0);
        scan::ScanOptions so = scan_options(o->scan);
        so.check_archive_members = false;  // the freeze reads and CRC-checks every member it packs
        scan::ScanResult r = scan::scan_environment(probe, so, report);
        const scan::Interpreter& py = probe.get();
        spdlog::info("target: {}", py.describe());
        const bool lazy_auto = o->lazy != "off";
        if (lazy_auto && o->profile.command.empty() && o->profile.script.empty() && o->profile.from.empty())
            throw Failure(Exit::Usage, "--lazy " + o->lazy +
                                           " chooses from a profile: give --profile CMD, --profile-script FILE or "
                                           "--profile-from FILE (a profile saved with --lazy auto --profile-out)");
        if (o->lazy == "check" && o->profile.command.empty() && o->profile.script.empty())
            throw Failure(Exit::Usage, "--lazy check runs the profiled command again: give --profile or --profile-script");
        fo.profile = load_profile(o->profile, py, lazy_auto);
        warn_unmatched_materialize(o->materialize, r);
        warn_unmatched_lazy(o->lazy_include, r);
        if (lazy_auto || !o->lazy_exclude.empty())
            fo.lazy = choose_lazy_set(fo.profile, r, o->lazy_include, o->lazy_exclude, lazy_auto);
        else
            fo.lazy = o->lazy_include;  // the globs themselves: the runtime matches them
        auto t1 = std::chrono::steady_clock::now();
        freeze::FreezeOutput out = freeze::freeze_scan(py, r, fo, report);
        if (o->lazy == "check") {
            auto pieces = out.image.pieces();
            check_lazy_set({profile_argv(o->profile, py), profile_what(o->profile), o->profile.timeout}, py, pieces,
                           fo.lazy);
        }
        auto t_write = std::chrono::steady_clock::now();
        if (to_stdout)
            util::write_all_fd(1, out.image.pieces(), "standard output");
        else
            util::write_file_atomic(o->out, out.image.pieces());
        auto t2 = std::chrono::steady_clock::now();
        progress.done();
        print_problems(report);
        for (const auto& sh : r.shadowed)
            spdlog::info("{}: shadowed by {} (not packed, as Python would not import it)", sh.path, sh.by);
        const auto& s = out.stats;
        auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
        if (o->json) {
            nlohmann::json roots = nlohmann::json::array();
            for (const auto& root : r.roots) roots.push_back(root.path);
            print_json({{"output", o->out},
                        {"target", py.target.python_version},
                        {"roots", roots},
                        {"entries", s.entries},
                        {"bytes", s.blob_bytes},
                        {"files_read", s.files_read},
                        {"bytes_read", s.bytes_read},
                        {"largest_file", s.largest_file.empty() ? nlohmann::json(nullptr)
                                                                : nlohmann::json({{"path", s.largest_file},
                                                                                  {"bytes", s.largest_file_bytes}})},
                        {"warnings", report.warning_count()},
                        {"bytecode_reused", s.bytecode_reused},
                        {"bytecode_compiled", s.bytecode_compiled},
                        {"compile_errors", s.compile_errors},
                        {"profiled_entries", s.profiled_entries},
                        {"lazy", fo.lazy.size()},
                        {"shadowed", r.shadowed.size()},
                        {"skipped", report.skipped_count()},
                        {"excluded", r.stats.excluded_files},
                        {"scan_seconds", secs(t0, t1)},
                        {"read_seconds", s.read_seconds},
                        {"compile_seconds", s.compile_seconds},
                        {"build_seconds", s.build_seconds},
                        {"write_seconds", secs(t_write, t2)},
                        {"total_seconds", secs(t0, t2)}});
        } else if (!quiet()) {
            std::cerr << "oxpack: " << (to_stdout ? std::string("standard output") : o->out) << ": " << s.entries << " entries, " << s.blob_bytes << " bytes from "
                      << r.roots.size() << " root(s); bytecode " << s.bytecode_reused << " reused, "
                      << s.bytecode_compiled << " compiled";
            if (!s.largest_file.empty())
                std::cerr << "; " << util::human_size(s.bytes_read) << " read, the largest file "
                          << util::human_size(s.largest_file_bytes) << " (" << s.largest_file << ")";
            if (report.skipped_count()) std::cerr << "; " << report.skipped_count() << " input(s) skipped (see warnings)";
            std::cerr << "\n";
        }
        return report.skipped_count() ? static_cast<int>(Exit::Partial) : 0;
    };
}

}  // namespace oxpack::cli
