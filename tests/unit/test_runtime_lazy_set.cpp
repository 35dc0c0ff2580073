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
