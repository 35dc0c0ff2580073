// Which classified items a scan keeps: --include/--exclude globs on module
// names and paths, and the stdlib's own test suite (left out by default).
#pragma once

#include <string>
#include <vector>

#include "scan/scanner.hpp"

namespace oxpack::scan {

// fnmatch(3) without FNM_PATHNAME: '*' also matches '.' and '/'.
bool glob_match(const std::string& pattern, const std::string& text);

// The module names an item belongs to, outermost first: "a", "a.b", "a.b.c"
// for module a.b.c or for a resource of package a.b.c.
std::vector<std::string> module_prefixes(const Item& item);

// True when `name` (dotted) is part of the stdlib's test suite: test,
// test.*, *.test(s), *.test(s).*, idlelib.idle_test.
bool stdlib_test_module(const std::string& name);

// Sets Item::excluded on the items the options leave out.
void apply_filters(ScanResult& result, const ScanOptions& options);

}  // namespace oxpack::scan
