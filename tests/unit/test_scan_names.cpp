// Tests for lib/scan/names: identifiers, suffix matching, UTF-8.
#include <doctest/doctest.h>

#include "scan/names.hpp"

using namespace oxpack::scan;

TEST_CASE("is_identifier follows str.isidentifier for ASCII names") {
    CHECK(is_identifier("six"));
    CHECK(is_identifier("_distutils_hack"));
    CHECK(is_identifier("__init__"));
    CHECK(is_identifier("caf\xc3\xa9"));  // café
    CHECK_FALSE(is_identifier(""));
    CHECK_FALSE(is_identifier("1abc"));
    CHECK_FALSE(is_identifier("foo-bar"));
    CHECK_FALSE(is_identifier("six-1.16.0.dist-info"));
    CHECK_FALSE(is_identifier("lib-dynload"));
    CHECK_FALSE(is_identifier("bad\xff"));
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
