// Which modules execute lazily (install(lazy=...)): a set of fnmatch-style
// globs over full module names. No Python here: the binding asks contains()
// once per module it executes, and only when the set is not empty.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace oxpack::runtime {

// fnmatch(3) without flags, on a module name: `*` matches any run of
// characters (dots too: "sympy*" is sympy and all below it), `?` one
// character, `[abc]` / `[!abc]` / `[a-z]` one of a set. No escapes (module
// names hold none of the special characters).
bool glob_match(std::string_view pattern, std::string_view name);

class LazySet {
public:
    LazySet() = default;
    explicit LazySet(std::vector<std::string> globs);
    bool empty() const { return globs_.empty(); }
    bool contains(std::string_view module) const;
    const std::vector<std::string>& globs() const { return globs_; }

private:
    std::vector<std::string> globs_;
};

// "a.*, b ,c" -> {"a.*", "b", "c"}: the form $OXPACK_LAZY and a string
// argument take (comma-separated, blanks around items ignored, empty items
// dropped).
std::vector<std::string> split_globs(std::string_view list);

}  // namespace oxpack::runtime
