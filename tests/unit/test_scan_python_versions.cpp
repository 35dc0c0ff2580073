// python_versions: the table's lookups, and its expected values against the
// interpreter the tests run (python3; tests/python/test_cli_programs.py holds
// every installed one to it).
#include <doctest/doctest.h>

#include "scan/interpreter.hpp"
#include "scan/python_versions.hpp"

using namespace oxpack::scan;

TEST_CASE("python_versions: one row per version, outside the table the nearest row") {
    CHECK(kOldestMinor == 8);
    CHECK(python_version(8).minor == 8);
    CHECK(python_version(11).minor == 11);
    CHECK(python_version(kNewestMinor).minor == kNewestMinor);
    CHECK(python_version(kNewestMinor + 5).minor == kNewestMinor);
    CHECK(python_version(0).minor == kOldestMinor);
    CHECK(python_version(10).source_hash == SourceHash::SipHash24);
    CHECK(python_version(11).source_hash == SourceHash::SipHash13);
    CHECK(version_name(12) == "3.12");
    CHECK(cpython_cache_tag(9) == "cpython-39");
}

TEST_CASE("python_versions: python3's magic number and cache tag are the table's") {
    Interpreter py = probe_interpreter("python3");
    const PythonVersion& v = python_version(py.version_minor);
    REQUIRE(v.minor == py.version_minor);
    const std::string magic{static_cast<char>(v.magic & 0xFF), static_cast<char>(v.magic >> 8), '\r', '\n'};
    CHECK(py.magic_bytes == magic);
    CHECK(py.target.cache_tag == cpython_cache_tag(v.minor));
}
