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

// str.isidentifier() for the names found on disk: ASCII letters, digits and
// '_' (not leading with a digit); non-ASCII characters are accepted when the
// name is valid UTF-8 (Python accepts most letters; oxpack does not carry the
// Unicode tables, see the scan notes).
bool is_identifier(std::string_view s);

// The longest of `suffixes` that `name` ends with and that leaves a non-empty
// stem, or an empty view.
std::string_view match_suffix(std::string_view name, const std::vector<std::string>& suffixes);

// Joins a dotted module name: join_dotted("a.b", "c") == "a.b.c", join_dotted("", "c") == "c".
std::string join_dotted(std::string_view prefix, std::string_view name);
// Joins a '/'-separated relative path the same way.
std::string join_path(std::string_view prefix, std::string_view name);

}  // namespace oxpack::scan
