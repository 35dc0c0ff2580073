// Which modules execute lazily (install(lazy=...)): a set of fnmatch(3)
// globs over full module names (`*` crosses dots: "sympy*" is sympy and all
// below it; as --materialize and freeze's filters match). No Python here:
// the binding asks contains() once per module it executes, and only when the
// set is not empty.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace oxpack::runtime {

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
