// Tests for lib/scan/names: module names, suffix matching, UTF-8.
#include <doctest/doctest.h>

#include "scan/names.hpp"

using namespace oxpack::scan;

TEST_CASE("is_module_name is FileFinder's rule: no '.', not an identifier rule") {
    CHECK(is_module_name("six"));
    CHECK(is_module_name("_distutils_hack"));
    CHECK(is_module_name("__init__"));
    CHECK(is_module_name("caf\xc3\xa9"));                  // café
    CHECK(is_module_name("81d243bd2c585b0f4821__mypyc"));  // mypyc's shared runtime
    CHECK(is_module_name("__pip-runner__"));
    CHECK(is_module_name("1abc"));
    CHECK_FALSE(is_module_name(""));
    CHECK_FALSE(is_module_name("six-1.16.0.dist-info"));
    CHECK_FALSE(is_module_name("a.b"));
    CHECK_FALSE(is_module_name("bad\xff"));
}

TEST_CASE("valid_utf8 refuses malformed sequences") {
    CHECK(valid_utf8("plain"));
    CHECK(valid_utf8("\xe2\x82\xac"));             // euro sign
    CHECK_FALSE(valid_utf8("\xc0\xaf"));           // overlong '/'
    CHECK_FALSE(valid_utf8("\xed\xa0\x80"));       // surrogate
    CHECK_FALSE(valid_utf8("\xe2\x82"));           // truncated
    CHECK_FALSE(valid_utf8("name\x80"));
}

TEST_CASE("match_suffix picks the longest suffix") {
    std::vector<std::string> ext = {".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so", ".py"};
    CHECK(match_suffix("_rust.abi3.so", ext) == ".abi3.so");
    CHECK(match_suffix("md.cpython-311-x86_64-linux-gnu.so", ext) == ".cpython-311-x86_64-linux-gnu.so");
    CHECK(match_suffix("x.so", ext) == ".so");
    CHECK(match_suffix(".py", ext).empty());  // a stem is required
    CHECK(match_suffix("README", ext).empty());
}

TEST_CASE("join helpers") {
    CHECK(join_dotted("", "a") == "a");
    CHECK(join_dotted("a.b", "c") == "a.b.c");
    CHECK(join_path("", "x") == "x");
    CHECK(join_path("a/b", "x") == "a/b/x");
}
