// Tests for lib/scan/filters: globs, module prefixes, the stdlib test suite.
#include <doctest/doctest.h>

#include "scan/filters.hpp"

using namespace oxpack::scan;

TEST_CASE("glob_match lets '*' cross dots and slashes") {
    CHECK(glob_match("*.tests", "foo.tests"));
    CHECK_FALSE(glob_match("*.tests", "foo.tests.test_x"));
    CHECK(glob_match("*/tests/*", "foo/tests/data.json"));
    CHECK(glob_match("requests*", "requests.adapters"));
}

TEST_CASE("module_prefixes of modules and resources") {
    Item m;
    m.space = oxpack::format::Space::Module;
    m.key = "a.b.c";
    CHECK(module_prefixes(m) == std::vector<std::string>{"a", "a.b", "a.b.c"});
    Item r;
    r.space = oxpack::format::Space::Resource;
    r.key = "certifi/cacert.pem";
    r.package = "certifi";
    CHECK(module_prefixes(r) == std::vector<std::string>{"certifi"});
    Item f;
    f.space = oxpack::format::Space::File;
    f.key = "x.pth";
    CHECK(module_prefixes(f).empty());
}

TEST_CASE("stdlib_test_module") {
    CHECK(stdlib_test_module("test"));
    CHECK(stdlib_test_module("test.test_os"));
    CHECK(stdlib_test_module("ctypes.test"));
    CHECK(stdlib_test_module("lib2to3.tests.data"));
    CHECK(stdlib_test_module("idlelib.idle_test"));
    CHECK_FALSE(stdlib_test_module("unittest"));
    CHECK_FALSE(stdlib_test_module("testing"));
    CHECK_FALSE(stdlib_test_module("idlelib"));
    CHECK_FALSE(stdlib_test_module("doctest"));
}
