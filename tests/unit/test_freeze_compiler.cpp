// Tests for lib/freeze/compiler: the helper compiles with the real target
// (python3 on PATH) and reports syntax errors with file and line.
#include <doctest/doctest.h>

#include "freeze/compiler.hpp"
#include "scan/interpreter.hpp"

using namespace oxpack;

TEST_CASE("compile_all: valid pycs from the target, errors with file and line") {
    scan::Interpreter py = scan::probe_interpreter("python3");
    std::string good = "def f():\n    \"doc\"\n    assert f\n    return 42\n", bad = "x = 1\ndef broken(:\n";
    std::vector<freeze::CompileJob> jobs;
    for (int i = 0; i < 40; ++i) jobs.push_back({"/src/good.py", &good, i % 3});
    jobs.push_back({"/src/bad.py", &bad, 0});
    auto res = freeze::compile_all("python3", jobs, 2);
    REQUIRE(res.size() == jobs.size());
    for (int i = 0; i < 40; ++i) {
        REQUIRE(res[i].ok);
        CHECK(res[i].pyc.substr(0, 4) == py.magic_bytes);
        CHECK(res[i].pyc[4] == '\x01');  // hash-based, unchecked
        CHECK(res[i].pyc.size() > 16);
    }
    for (int i = 3; i < 40; i += 3) CHECK(res[0].pyc == res[i].pyc);  // same input: same bytes, whichever helper
    CHECK(res[0].pyc != res[2].pyc);                               // level 2 differs (no docstrings/asserts)
    CHECK_FALSE(res[40].ok);
    CHECK(res[40].error.find("/src/bad.py:2:") != std::string::npos);
    CHECK(res[40].error.find("SyntaxError") != std::string::npos);
}
