// Small string rules of the import system: what is a module name, which
// suffix a file name carries, UTF-8 validity of names found on disk.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace oxpack::scan {

bool ends_with(std::string_view s, std::string_view suffix);
bool starts_with(std::string_view s, std::string_view prefix);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates).
bool valid_utf8(std::string_view s);

// A name FileFinder takes for a module, package or namespace portion: any
// non-empty, valid UTF-8 name without '.' (the import system does not ask for
// identifiers: mypyc's "81d243bd2c585b0f4821__mypyc" and pip's
// "__pip-runner__" are modules; "six-1.16.0.dist-info" is not).
bool is_module_name(std::string_view s);

// The longest of `suffixes` that `name` ends with and that leaves a non-empty
// stem, or an empty view.
std::string_view match_suffix(std::string_view name, const std::vector<std::string>& suffixes);

// Joins a dotted module name: join_dotted("a.b", "c") == "a.b.c", join_dotted("", "c") == "c".
std::string join_dotted(std::string_view prefix, std::string_view name);
// Joins a '/'-separated relative path the same way.
std::string join_path(std::string_view prefix, std::string_view name);

}  // namespace oxpack::scan
