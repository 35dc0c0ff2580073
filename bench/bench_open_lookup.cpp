// Benchmark: the cost of opening a 40,000-entry blob and of 10,000 lookups
// in it (half hits, half misses), against a baseline measured in the same
// run: stat() of the same names on the file system, which is what a path
// based importer pays per probe.
//
//   bench_open_lookup [--entries N] [--repeat R] [--json] DIR...
//
// Entry names are the real file names under DIR... (the machine's stdlib and
// site-packages, normally): .py files become module sources with their dotted
// names, __pycache__/*.pyc their bytecode (same key group), other files
// resources keyed "top-directory/path". Lookups probe random keys. Payloads are small (the
// relative path, repeated to 256 bytes): open and lookup do not depend on
// payload bytes. The blob is written to a temporary file and read once so
// that it is in the page cache, as it is for a process that starts often.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <tuple>
#include <string>
#include <vector>

#include "format/reader.hpp"
#include "format/writer.hpp"

namespace fs = std::filesystem;
using namespace oxpack::format;
using Clock = std::chrono::steady_clock;

namespace {

struct Name {
    Space space;
    Kind kind;
    std::string key;
    std::string file;  // the real file, for the stat() baseline
};

std::vector<Name> collect(const std::vector<std::string>& dirs, size_t want) {
    std::vector<Name> names;
    std::set<std::tuple<Space, std::string, Kind>> seen;
    for (const auto& dir : dirs) {
        std::error_code ec;
        std::vector<fs::path> files;
        for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
             it != end; it.increment(ec)) {
            if (ec) break;
            if (it->is_regular_file(ec)) files.push_back(it->path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& p : files) {
            if (names.size() >= want) return names;
            std::string rel = p.lexically_relative(dir).generic_string();
            // A directory nested in another given one (site-packages inside
            // pyenv's stdlib) is named from its own root, not as a package.
            bool nested = false;
            for (const auto& other : dirs)
                if (other != dir && other.size() > dir.size() && p.string().rfind(other + "/", 0) == 0) nested = true;
            if (nested) continue;
            Name n;
            n.file = p.string();
            auto module_key = [](std::string m) {
                if (m == "__init__") return std::string("_");
                if (m.size() > 9 && m.compare(m.size() - 9, 9, "/__init__") == 0) m.resize(m.size() - 9);
                std::replace(m.begin(), m.end(), '/', '.');
                return m;
            };
            const std::string pycache = "__pycache__/";
            size_t pc = rel.find(pycache);
            if (pc != std::string::npos) {
                // pkg/__pycache__/mod.cpython-311.pyc: bytecode in mod's group.
                std::string file = rel.substr(pc + pycache.size());
                size_t dot = file.find('.');
                if (file.size() < 4 || file.compare(file.size() - 4, 4, ".pyc") != 0 || file.find(".opt-") != std::string::npos)
                    continue;
                n.space = Space::Module;
                n.kind = Kind::Bytecode0;
                n.key = module_key(rel.substr(0, pc) + file.substr(0, dot));
            } else if (rel.size() > 3 && rel.compare(rel.size() - 3, 3, ".py") == 0) {
                n.space = Space::Module;
                n.kind = Kind::Source;
                n.key = module_key(rel.substr(0, rel.size() - 3));
            } else {
                n.space = Space::Resource;
                n.kind = Kind::Resource;
                size_t slash = rel.find('/');
                n.key = slash == std::string::npos ? "_/" + rel : rel.substr(0, slash) + "/" + rel.substr(slash + 1);
            }
            if (seen.emplace(n.space, n.key, n.kind).second) names.push_back(std::move(n));
        }
    }
    return names;
}

struct Stats {
    double median, min, max;
};

Stats stats(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return {v[v.size() / 2], v.front(), v.back()};
}

template <typename F>
double time_us(F&& f) {
    auto t0 = Clock::now();
    f();
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

volatile uint64_t g_sink;

}  // namespace

int main(int argc, char** argv) {
    size_t want = 40000, lookups = 10000;
    int repeat = 21;
    bool json = false;
    std::vector<std::string> dirs;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--entries" && i + 1 < argc) want = std::stoul(argv[++i]);
        else if (a == "--repeat" && i + 1 < argc) repeat = std::stoi(argv[++i]);
        else if (a == "--json") json = true;
        else if (a == "-h" || a == "--help") {
            std::puts("usage: bench_open_lookup [--entries N] [--repeat R] [--json] DIR...");
            return 0;
        } else dirs.push_back(a);
    }
    if (dirs.empty()) {
        std::fprintf(stderr, "bench_open_lookup: give the directories to take names from\n");
        return 2;
    }
    auto names = collect(dirs, want);
    if (names.size() < want) {
        std::fprintf(stderr, "bench_open_lookup: only %zu names under the directories (want %zu)\n", names.size(), want);
        return 3;
    }

    BlobInfo info;
    info.target.implementation = "cpython";
    info.oxpack_version = "bench";
    std::vector<InputEntry> entries;
    for (const auto& n : names) {
        InputEntry e;
        e.space = n.space;
        e.kind = n.kind;
        e.key = n.key;
        e.path = n.file;
        while (e.data.size() < 256) e.data += n.file;
        entries.push_back(std::move(e));
    }
    auto built = build_blob(info, std::move(entries));
    if (!built) {
        std::fprintf(stderr, "bench_open_lookup: %s\n", built.error().message.c_str());
        return 70;
    }
    std::string path = (fs::temp_directory_path() / ("oxpack-bench-" + std::to_string(getpid()) + ".oxr")).string();
    {
        std::ofstream f(path, std::ios::binary);
        f.write(reinterpret_cast<const char*>(built->data()), static_cast<std::streamsize>(built->size()));
    }
    auto warm = Blob::open(path);  // reads the index once: page cache
    if (!warm || !warm->verify().empty()) {
        std::fprintf(stderr, "bench_open_lookup: the blob does not verify\n");
        return 70;
    }

    // Probes: half hits (random names), half misses (names that exist nowhere).
    std::mt19937 rng(12345);
    std::vector<std::pair<Space, std::string>> probes;
    std::vector<std::string> stat_paths;
    for (size_t i = 0; i < lookups; ++i) {
        const Name& n = names[rng() % names.size()];
        if (i % 2 == 0) {
            probes.push_back({n.space, n.key});
            stat_paths.push_back(n.file);
        } else {
            probes.push_back({n.space, n.key + "_missing"});
            stat_paths.push_back(n.file + "_missing");
        }
    }

    std::vector<double> open_checked, open_unchecked, lookup, open_and_lookup, stat_base;
    std::vector<double> open_pages, lookup_pages_first, lookup_pages_again;
    const OpenOptions pages{.check_index = true, .index_pages = true};
    size_t hits = 0;
    auto run_lookups = [&](const Blob& b) {
        size_t h = 0;
        for (const auto& [space, key] : probes) {
            auto g = b.find(space, key);
            if (g && g->found()) {
                auto e = b.entry(g->first);
                h += e ? 1 : 0;
                g_sink = g_sink + (e ? e->raw_size : 0);
            }
        }
        return h;
    };
    for (int r = 0; r < repeat; ++r) {
        open_checked.push_back(time_us([&] { g_sink = Blob::open(path)->entry_count(); }));
        open_unchecked.push_back(time_us([&] { g_sink = Blob::open(path, OpenOptions{false})->entry_count(); }));
        auto b = Blob::open(path);
        lookup.push_back(time_us([&] { hits = run_lookups(*b); }));
        open_and_lookup.push_back(time_us([&] {
            auto b2 = Blob::open(path);
            hits = run_lookups(*b2);
        }));
        // Format 1.3's page table: open checks the table and the meta pages;
        // the first lookups check each page they read, later ones find it checked.
        open_pages.push_back(time_us([&] { g_sink = Blob::open(path, pages)->entry_count(); }));
        auto bp = Blob::open(path, pages);
        if (!bp->checks_index_pages()) {
            std::fprintf(stderr, "bench_open_lookup: the blob has no index page table\n");
            std::exit(70);
        }
        lookup_pages_first.push_back(time_us([&] { hits = run_lookups(*bp); }));
        lookup_pages_again.push_back(time_us([&] { hits = run_lookups(*bp); }));
        stat_base.push_back(time_us([&] {
            struct stat st;
            size_t h = 0;
            for (const auto& p : stat_paths) h += ::stat(p.c_str(), &st) == 0;
            g_sink = h;
        }));
    }
    ::unlink(path.c_str());
    if (hits != lookups / 2) {
        std::fprintf(stderr, "bench_open_lookup: %zu hits, expected %zu\n", hits, lookups / 2);
        return 70;
    }

    const auto& h = warm->header();
    struct Row {
        const char* name;
        Stats s;
    } rows[] = {
        {"open, index checksum checked", stats(open_checked)},
        {"open, no index check", stats(open_unchecked)},
        {"10,000 lookups (5,000 hits, 5,000 misses)", stats(lookup)},
        {"open (checked) + 10,000 lookups", stats(open_and_lookup)},
        {"baseline: 10,000 stat() of the same names", stats(stat_base)},
        {"open, index checked page by page", stats(open_pages)},
        {"10,000 lookups, checking pages on first read", stats(lookup_pages_first)},
        {"10,000 lookups, pages already checked", stats(lookup_pages_again)},
    };
    const double ratio = rows[4].s.median / rows[2].s.median;
    if (json) {
        std::printf("{\"entries\": %zu, \"file_bytes\": %llu, \"index_bytes\": %llu, \"repeat\": %d, \"results_us\": {",
                    names.size(), static_cast<unsigned long long>(h.file_size),
                    static_cast<unsigned long long>(h.payload_offset), repeat);
        for (size_t i = 0; i < std::size(rows); ++i)
            std::printf("%s\"%s\": {\"median\": %.2f, \"min\": %.2f, \"max\": %.2f}", i ? ", " : "", rows[i].name,
                        rows[i].s.median, rows[i].s.min, rows[i].s.max);
        std::printf("}, \"stat_over_lookup_ratio\": %.2f}\n", ratio);
        return 0;
    }
    std::printf("blob: %zu entries (names from", names.size());
    for (const auto& d : dirs) std::printf(" %s", d.c_str());
    std::printf("), index region %.2f MiB, file %.2f MiB, in the page cache\n", h.payload_offset / 1048576.0,
                h.file_size / 1048576.0);
    std::printf("%d runs each; median [min - max] in microseconds\n", repeat);
    for (const auto& row : rows)
        std::printf("  %-44s %10.1f  [%.1f - %.1f]\n", row.name, row.s.median, row.s.min, row.s.max);
    std::printf("  per lookup: %.0f ns; stat() baseline / blob lookups: %.1fx\n", rows[2].s.median * 1000 / lookups,
                ratio);
    return 0;
}
