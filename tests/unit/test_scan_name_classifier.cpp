// classify_by_name: file names to entries, and the first root winning.
#include <doctest/doctest.h>

#include <map>

#include "helpers.hpp"
#include "scan/name_classifier.hpp"

using namespace oxpack;
using namespace oxpack::format;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& p, const std::string& data) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
}

}  // namespace

TEST_CASE("name classifier: kinds, keys and flags from file names") {
    test::TempDir d;
    put(d / "mod.py", "m");
    put(d / "pkg/__init__.py", "i");
    put(d / "pkg/__pycache__/__init__.cpython-311.pyc", "c");
    put(d / "pkg/__pycache__/__init__.cpython-311.opt-2.pyc", "c2");
    put(d / "pkg/__pycache__/__init__.cpython-310.pyc", "other interpreter");
    put(d / "pkg/_c.cpython-311-x86_64-linux-gnu.so", "so");
    put(d / "pkg/data/x.txt", "x");
    put(d / "pkg-1.0.dist-info/METADATA", "md");
    put(d / "extra.pth", "pth");
    auto target = test::sample_info().target;
    std::vector<InputEntry> out;
    scan::NameScanReport report;
    scan::classify_by_name(d.path().string(), 0, target, out, report);
    CHECK(report.problems.empty());
    std::map<std::string, const InputEntry*> by_path;
    for (const auto& e : out) by_path[e.path] = &e;
    REQUIRE(by_path.size() == 8);  // the 3.10 bytecode is not ours
    auto is = [&](const std::string& path, Space s, Kind k, const std::string& key, uint16_t flags) {
        CAPTURE(path);
        REQUIRE(by_path.count(path));
        const InputEntry& e = *by_path[path];
        CHECK(e.space == s);
        CHECK(e.kind == k);
        CHECK(e.key == key);
        CHECK(e.flags == flags);
        CHECK(e.root == 0);
    };
    is("mod.py", Space::Module, Kind::Source, "mod", 0);
    is("pkg/__init__.py", Space::Module, Kind::Source, "pkg", kFlagPackage);
    is("pkg/__pycache__/__init__.cpython-311.pyc", Space::Module, Kind::Bytecode0, "pkg", kFlagPackage);
    is("pkg/__pycache__/__init__.cpython-311.opt-2.pyc", Space::Module, Kind::Bytecode2, "pkg", kFlagPackage);
    is("pkg/_c.cpython-311-x86_64-linux-gnu.so", Space::Module, Kind::Extension, "pkg._c", 0);
    is("pkg/data/x.txt", Space::Resource, Kind::Resource, "pkg/data/x.txt", 0);
    is("pkg-1.0.dist-info/METADATA", Space::Distribution, Kind::Metadata, "pkg-1.0.dist-info/METADATA", 0);
    is("extra.pth", Space::File, Kind::File, "extra.pth", 0);
    CHECK(by_path["pkg/data/x.txt"]->data == "x");
}

TEST_CASE("name classifier: the first root wins, later duplicates are reported, not fatal") {
    test::TempDir a, b;
    put(a / "same.py", "from a");
    put(b / "same.py", "from b");
    put(b / "only_b.py", "b");
    auto target = test::sample_info().target;
    std::vector<InputEntry> out;
    scan::NameScanReport report;
    scan::classify_by_name(a.path().string(), 0, target, out, report);
    scan::classify_by_name(b.path().string(), 1, target, out, report);
    REQUIRE(out.size() == 2);
    REQUIRE(report.problems.size() == 1);
    CHECK(report.problems[0].find("same.py: shadowed") != std::string::npos);
    auto info = test::sample_info();
    info.roots.push_back({b.path().string(), 0, 0, RootType::Directory});
    auto blob_bytes = test::must_build(info, out);  // no duplicate left for the writer to refuse
    auto blob = test::must_open(blob_bytes);
    CHECK(test::payload_of(blob, Space::Module, "same", 1) == "from a");
}
