// runtime/core/module_index: resolving names as FileFinder would (package
// before module, extension before source, first root wins, namespace
// portions explicit and implicit), listing children, .pyc header checks.
#include <doctest/doctest.h>

#include "format/bytes.hpp"
#include "helpers.hpp"
#include "runtime/core/module_index.hpp"

using namespace oxpack;
using namespace oxpack::format;
using namespace oxpack::runtime;
using test::module;

namespace {

InputEntry at(InputEntry e, std::string path, uint16_t root = 0) {
    e.path = std::move(path);
    e.root = root;
    return e;
}

Blob open(std::vector<unsigned char>& bytes, std::vector<InputEntry> entries, size_t roots = 1) {
    BlobInfo info = test::sample_info();
    while (info.roots.size() < roots) info.roots.push_back({"/root" + std::to_string(info.roots.size()), 0, 0, RootType::Directory});
    bytes = test::must_build(info, std::move(entries));
    return test::must_open(bytes);
}

ModuleChoice must_resolve(const Blob& blob, std::string_view name, int optimize = 0, bool implicit = true) {
    auto r = resolve_module(blob, name, optimize, implicit);
    REQUIRE(r.ok());
    REQUIRE(r->has_value());
    return **r;
}

bool absent(const Blob& blob, std::string_view name, bool implicit = true) {
    auto r = resolve_module(blob, name, 0, implicit);
    REQUIRE(r.ok());
    return !r->has_value();
}

}  // namespace

TEST_CASE("resolve_module: source, bytecode per optimisation level, sourceless") {
    std::vector<unsigned char> bytes;
    auto blob = open(bytes, {
        at(module("m", "x = 1"), "m.py"),
        at(module("m", "pyc0", Kind::Bytecode0), "__pycache__/m.cpython-311.pyc"),
        at(module("m", "pyc1", Kind::Bytecode1), "__pycache__/m.cpython-311.opt-1.pyc"),
        at(module("legacy", "pyc2", Kind::Bytecode2), "legacy.pyc"),
    });
    auto m = must_resolve(blob, "m");
    CHECK(m.type == ModuleType::Source);
    CHECK_FALSE(m.package);
    REQUIRE(m.bytecode);
    CHECK(m.bytecode->kind == static_cast<uint8_t>(Kind::Bytecode0));
    CHECK(must_resolve(blob, "m", 1).bytecode->kind == static_cast<uint8_t>(Kind::Bytecode1));
    CHECK_FALSE(must_resolve(blob, "m", 2).bytecode);  // no level-2 bytecode: the source gets compiled
    CHECK(m.origin_entry()->path == "m.py");

    auto legacy = must_resolve(blob, "legacy");
    CHECK(legacy.type == ModuleType::Bytecode);
    REQUIRE(legacy.bytecode);  // sourceless modules take whatever level they have
    CHECK(legacy.origin_entry()->path == "legacy.pyc");
    CHECK(absent(blob, "missing"));
}

TEST_CASE("resolve_module: packages, extensions, first root wins") {
    const uint16_t P = kFlagPackage;
    std::vector<unsigned char> bytes;
    auto blob = open(bytes, {
        at(module("pkg", "", Kind::Source, P), "pkg/__init__.py", 1),
        at(module("pkg", "pyc", Kind::Bytecode0, P), "pkg/__pycache__/__init__.cpython-311.pyc", 0),
        at(module("fast", "src"), "fast.py"),
        at(module("fast", "ELF", Kind::Extension), "fast.cpython-311-x86_64-linux-gnu.so"),
    }, 2);
    auto pkg = must_resolve(blob, "pkg");
    // root 0 holds only the bytecode of pkg: it wins, sourceless
    CHECK(pkg.root == 0);
    CHECK(pkg.package);
    CHECK(pkg.type == ModuleType::Bytecode);
    CHECK_FALSE(pkg.source);
    auto fast = must_resolve(blob, "fast");
    CHECK(fast.type == ModuleType::Extension);
    CHECK(fast.origin_entry()->path == "fast.cpython-311-x86_64-linux-gnu.so");
}

TEST_CASE("resolve_module: namespace markers and implicit portions") {
    const uint16_t NS = kFlagPackage | kFlagNamespace;
    std::vector<unsigned char> bytes;
    auto blob = open(bytes, {
        at(module("ns", "", Kind::Namespace, NS), "ns"),
        at(module("ns.mod", "x"), "ns/mod.py"),
        at(module("plain.deep.leaf", "y"), "plain/deep/leaf.py"),
        at(module("odd.leaf", "z"), "elsewhere.py"),  // a path that does not mirror the name
    });
    auto ns = must_resolve(blob, "ns");
    CHECK(ns.type == ModuleType::Namespace);
    CHECK(ns.package);
    REQUIRE(ns.portions.size() == 1);
    CHECK(ns.portions[0].path == "ns");
    CHECK(ns.origin_entry() == nullptr);

    auto plain = must_resolve(blob, "plain");
    CHECK(plain.type == ModuleType::Namespace);
    CHECK(plain.portions.at(0).path == "plain");
    CHECK(must_resolve(blob, "plain.deep").portions.at(0).path == "plain/deep");
    CHECK(absent(blob, "plain", false));  // only when asked for
    CHECK(absent(blob, "odd"));
    CHECK(absent(blob, "pla"));           // a prefix of a name is not a package
}

TEST_CASE("resolve_module: a namespace package split across roots has a portion per root") {
    // One marker (the format keeps one entry per name and kind); the second
    // root's portion shows in its children's paths.
    const uint16_t NS = kFlagPackage | kFlagNamespace;
    std::vector<unsigned char> bytes;
    auto blob = open(bytes,
                     {
                         at(module("nsp", "", Kind::Namespace, NS), "nsp", 0),
                         at(module("nsp.a", "a"), "nsp/a.py", 0),
                         at(module("nsp.b", "b"), "nsp/b.py", 2),
                         at(module("nsp.c.deep", "c"), "nsp/c/deep.py", 1),
                         at(module("imp.x", "x"), "imp/x.py", 2),
                         at(module("imp.y", "y"), "imp/y.py", 1),
                     },
                     3);
    auto nsp = must_resolve(blob, "nsp");
    REQUIRE(nsp.portions.size() == 3);
    CHECK(nsp.portions[0].root == 0);
    CHECK(nsp.portions[1].root == 1);
    CHECK(nsp.portions[2].root == 2);
    for (const auto& p : nsp.portions) CHECK(p.path == "nsp");
    CHECK(nsp.root == 0);
    auto imp = must_resolve(blob, "imp");  // no marker at all: implicit portions, root order
    REQUIRE(imp.portions.size() == 2);
    CHECK(imp.portions[0].root == 1);
    CHECK(imp.portions[1].root == 2);
    CHECK(imp.root == 1);
}

TEST_CASE("list_children: direct children only, namespace-only children left out") {
    const uint16_t P = kFlagPackage;
    const uint16_t NS = kFlagPackage | kFlagNamespace;
    std::vector<unsigned char> bytes;
    auto blob = open(bytes, {
        at(module("a", "", Kind::Source, P), "a/__init__.py"),
        at(module("a.b", "", Kind::Source, P), "a/b/__init__.py"),
        at(module("a.b.c", ""), "a/b/c.py"),
        at(module("a.b.c", "pyc", Kind::Bytecode0), "a/b/__pycache__/c.cpython-311.pyc"),
        at(module("a.d", ""), "a/d.py"),
        at(module("a.ns", "", Kind::Namespace, NS), "a/ns"),
        at(module("a.ns.x", ""), "a/ns/x.py"),
        at(module("a-b", ""), "a-b.py"),
        at(module("ab", ""), "ab.py"),
        test::entry(Space::Resource, Kind::Resource, "a/data.txt", "d"),
    });
    auto top = list_children(blob, "");
    REQUIRE(top.ok());
    std::vector<std::string> names;
    for (auto& c : *top) names.push_back(c.name + (c.package ? "/" : ""));
    CHECK(names == std::vector<std::string>{"a/", "a-b", "ab"});
    auto kids = list_children(blob, "a");
    REQUIRE(kids.ok());
    names.clear();
    for (auto& c : *kids) names.push_back(c.name + (c.package ? "/" : ""));
    CHECK(names == std::vector<std::string>{"b/", "d"});
    CHECK(list_children(blob, "nothing")->empty());
}

TEST_CASE("check_pyc_header") {
    const uint32_t magic = 0x0A0D0DA7;
    std::vector<unsigned char> pyc(20, 0);
    store_le<uint32_t>(pyc.data(), magic);
    store_le<uint32_t>(pyc.data() + 12, 1234);
    CHECK(check_pyc_header(pyc, magic, 1234) == PycCheck::Ok);
    CHECK(check_pyc_header(pyc, magic, std::nullopt) == PycCheck::Ok);
    CHECK(check_pyc_header(pyc, magic, 1235) == PycCheck::Stale);
    CHECK(check_pyc_header(pyc, magic, 1234 + (1ull << 32)) == PycCheck::Ok);  // the field is the size mod 2^32
    CHECK(check_pyc_header(pyc, magic + 1, 1234) == PycCheck::BadMagic);
    CHECK(check_pyc_header(std::span(pyc).first(15), magic, 1234) == PycCheck::TooShort);
    store_le<uint32_t>(pyc.data() + 4, 3);  // checked hash-based: the size field is a hash, not compared
    CHECK(check_pyc_header(pyc, magic, 1) == PycCheck::Ok);
    store_le<uint32_t>(pyc.data() + 4, 4);
    CHECK(check_pyc_header(pyc, magic, 1234) == PycCheck::BadFlags);
}

TEST_CASE("parent_dir and module_dir") {
    CHECK(parent_dir("a/b/c.py") == "a/b");
    CHECK(parent_dir("c.py").empty());
    CHECK(module_dir("a/__pycache__/b.cpython-311.pyc") == "a");
    CHECK(module_dir("a/b/__init__.py") == "a/b");
    CHECK(module_dir("__pycache__/m.pyc").empty());
}
