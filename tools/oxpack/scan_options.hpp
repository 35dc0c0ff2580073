// The options `scan` and `freeze` share (PATHs, --python, filters) and the
// way both report problems: each once on stderr, "oxpack: warning: PATH: what".
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "scan/interpreter.hpp"
#include "scan/report.hpp"
#include "scan/scanner.hpp"

namespace oxpack::cli {

struct ScanArgs {
    std::vector<std::string> paths;
    std::string python = "python3";
    bool include_tests = false;
    std::vector<std::string> include, exclude;
    std::string max_file_size = "1G";
    std::string warn_file_size = "100M";
    unsigned jobs = 0;
};

// Declares the shared options on `app`.
void add_scan_options(CLI::App& app, ScanArgs& args);

// Parses "512", "64K", "100M", "2G"; throws Failure(Usage).
uint64_t parse_size(const std::string& s, const std::string& option);

// Builds scan::ScanOptions from the arguments.
scan::ScanOptions scan_options(const ScanArgs& args);

// Prints problems and warnings as warnings and, with verbose, notes, to stderr.
void print_problems(const scan::Report& report);

}  // namespace oxpack::cli
