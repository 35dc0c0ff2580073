// LazySet: which modules install(lazy=...) defers (fnmatch(3) globs, as the
// CLI's --lazy-include warning matches them), and $OXPACK_LAZY's list form.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "runtime/core/lazy_set.hpp"

using namespace oxpack::runtime;

TEST_CASE("LazySet: fnmatch's forms on module names") {
    auto in = [](const char* glob, const char* name) { return LazySet({glob}).contains(name); };
    CHECK(in("sympy", "sympy"));
    CHECK_FALSE(in("sympy", "sympy.core"));
    CHECK(in("sympy*", "sympy"));
    CHECK(in("sympy*", "sympy.core.numbers"));  // '*' crosses dots
    CHECK(in("sympy.*", "sympy.core"));
    CHECK_FALSE(in("sympy.*", "sympy"));
    CHECK(in("*.tests", "pkg.sub.tests"));
    CHECK(in("m[0-9]", "m7"));
    CHECK_FALSE(in("m[!0-9]", "m7"));
    CHECK(in("a?c", "abc"));
}

TEST_CASE("LazySet and split_globs") {
    LazySet none;
    CHECK(none.empty());
    CHECK_FALSE(none.contains("anything"));
    LazySet s({"sympy.*", "", "docutils.parsers*"});
    CHECK_FALSE(s.empty());
    CHECK(s.globs().size() == 2);  // the empty glob dropped
    CHECK(s.contains("sympy.core"));
    CHECK_FALSE(s.contains("sympy"));
    CHECK(s.contains("docutils.parsers.rst"));
    CHECK(split_globs(" a.* , b,,\tc ") == std::vector<std::string>{"a.*", "b", "c"});
    CHECK(split_globs("").empty());
    CHECK(split_globs(" , ").empty());
}

TEST_CASE("LazySet: plain names (a set chosen from a profile) beside patterns, copies and moves") {
    std::vector<std::string> names;
    for (int i = 0; i < 500; ++i) names.push_back("pkg.mod" + std::to_string(i));
    names.push_back("other.*");
    LazySet s(names);
    CHECK(s.contains("pkg.mod0"));
    CHECK(s.contains("pkg.mod499"));
    CHECK_FALSE(s.contains("pkg.mod500"));
    CHECK_FALSE(s.contains("pkg.mod"));  // a plain name is not a prefix
    CHECK(s.contains("other.x"));
    LazySet copy = s;
    LazySet moved = std::move(s);
    CHECK(copy.contains("pkg.mod7"));
    CHECK(moved.contains("pkg.mod7"));
    CHECK(moved.contains("other.y"));
    LazySet assigned;
    assigned = copy;
    CHECK(assigned.contains("pkg.mod42"));
    CHECK(assigned.globs().size() == 501);
    CHECK(LazySet({"a[b]"}).contains("ab"));  // brackets make a pattern
    CHECK_FALSE(LazySet({"a[b]"}).contains("a[b]"));
}
