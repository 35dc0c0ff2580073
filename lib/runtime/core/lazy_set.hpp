// Which modules execute lazily (install(lazy=...)): a set of fnmatch(3)
// globs over full module names (`*` crosses dots: "sympy*" is sympy and all
// below it; as --materialize and freeze's filters match). No Python here:
// the binding asks contains() once per module it executes, and only when the
// set is not empty. A set chosen from a profile (freeze --lazy auto) is
// hundreds of plain names: those are looked up in a hash set, and only the
// patterns are matched one by one.
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace oxpack::runtime {

class LazySet {
public:
    LazySet() = default;
    explicit LazySet(std::vector<std::string> globs);
    LazySet(const LazySet& other) : LazySet(other.globs_) {}
    LazySet& operator=(const LazySet& other) {
        if (this != &other) *this = LazySet(other.globs_);
        return *this;
    }
    LazySet(LazySet&&) = default;  // the views stay valid: the strings' buffers move with the vector
    LazySet& operator=(LazySet&&) = default;
    bool empty() const { return globs_.empty(); }
    bool contains(std::string_view module) const;
    const std::vector<std::string>& globs() const { return globs_; }

private:
    std::vector<std::string> globs_;                 // as given
    std::unordered_set<std::string_view> names_;     // the plain names among them (views into globs_)
    std::vector<const std::string*> patterns_;       // the others
};

// "a.*, b ,c" -> {"a.*", "b", "c"}: the form $OXPACK_LAZY and a string
// argument take (comma-separated, blanks around items ignored, empty items
// dropped).
std::vector<std::string> split_globs(std::string_view list);

}  // namespace oxpack::runtime
