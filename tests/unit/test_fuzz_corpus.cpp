// Replays the fuzz corpus kept in the repository (tests/fuzz/corpus/<target>/,
// minimised by `tests/fuzz/run --update-corpus`) and the spec's vectors
// through the fuzz targets' own bodies (tests/fuzz/*_target.cpp), built
// normally: every input that once found a bug, or new coverage, is run in
// CI without clang. A crash or a broken invariant (abort) fails the run.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "../fuzz/targets.hpp"
#include "helpers.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

size_t replay(const std::string& target, void (*one)(const uint8_t*, size_t)) {
    const fs::path source(OXPACK_SOURCE_DIR);
    std::vector<fs::path> inputs = files_in(source / "tests/fuzz/corpus" / target);
    for (const auto& v : files_in(source / "format-spec/vectors"))
        if (v.extension() == ".oxr") inputs.push_back(v);
    for (const auto& p : inputs) {
        INFO(p.string());
        auto bytes = oxpack::test::read_bytes(p);
        one(bytes.data(), bytes.size());
    }
    return inputs.size();
}

}  // namespace

TEST_CASE("fuzz corpus: blob reader") {
    CHECK(replay("reader", oxpack::fuzz::reader_one) > 100);
}

TEST_CASE("fuzz corpus: runtime open and lookup") {
    CHECK(replay("runtime_lookup", oxpack::fuzz::runtime_lookup_one) > 100);
}
