// Shared scan/freeze options and problem printing.
#include "scan_options.hpp"

#include <spdlog/spdlog.h>

#include <cstdint>

#include "util/error.hpp"

namespace oxpack::cli {

void add_scan_options(CLI::App& app, ScanArgs& a) {
    app.add_option("PATH", a.paths,
                   "sys.path entries to scan: directories, .whl files, directories of wheels, .zip files "
                   "(default: the target interpreter's sys.path)");
    app.add_option("--python", a.python, "Target interpreter (default: python3 on PATH)");
    app.add_flag("--include-tests", a.include_tests, "Keep the stdlib's own test suite (left out by default)");
    app.add_option("--include", a.include, "Keep only modules/paths matching this glob (repeatable)");
    app.add_option("--exclude", a.exclude, "Leave out modules/paths matching this glob, e.g. '*.tests' (repeatable)");
    app.add_option("--max-file-size", a.max_file_size, "Skip (and report) files bigger than this (default 1G)");
    app.add_option("--warn-file-size", a.warn_file_size,
                   "Warn about each file bigger than this that is packed (default 100M)");
    app.add_option("-j,--jobs", a.jobs, "Threads and helper processes (default: one per core)");
}

uint64_t parse_size(const std::string& s, const std::string& option) {
    try {
        size_t used = 0;
        unsigned long long v = std::stoull(s, &used);
        std::string unit = s.substr(used);
        uint64_t mult = unit.empty() ? 1 : unit == "K" ? 1ull << 10 : unit == "M" ? 1ull << 20 : unit == "G" ? 1ull << 30 : 0;
        if (mult && v <= UINT64_MAX / mult) return v * mult;
    } catch (const std::exception&) {
    }
    throw Failure(Exit::Usage, option + ": '" + s + "' is not a size (e.g. 512, 64K, 100M, 2G)");
}

scan::ScanOptions scan_options(const ScanArgs& a) {
    scan::ScanOptions o;
    o.paths = a.paths;
    o.include_tests = a.include_tests;
    o.include = a.include;
    o.exclude = a.exclude;
    o.threads = a.jobs;
    o.max_file_size = parse_size(a.max_file_size, "--max-file-size");
    o.warn_file_size = parse_size(a.warn_file_size, "--warn-file-size");
    return o;
}

void print_problems(const scan::Report& report) {
    for (const auto& p : report.sorted()) {
        if (p.skipped || p.warning) spdlog::warn("{}", p.text());
        else spdlog::info("{}", p.text());
    }
}

}  // namespace oxpack::cli
