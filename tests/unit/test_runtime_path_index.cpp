// runtime/core/path_index: the blob as a file tree (files, directories,
// listings; per root and merged, first root first).
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "runtime/core/path_index.hpp"

using namespace oxpack;
using namespace oxpack::format;
using namespace oxpack::runtime;

namespace {

InputEntry file(Space space, Kind kind, std::string key, std::string path, uint16_t root, std::string data = "x") {
    auto e = test::entry(space, kind, std::move(key), std::move(data), 0, std::move(path));
    e.root = root;
    return e;
}

std::string names(const std::vector<DirChild>& kids) {
    std::string s;
    for (auto& k : kids) s += k.name + (k.is_dir ? "/ " : " ");
    return s;
}

}  // namespace

TEST_CASE("PathIndex: files, directories, listings") {
    BlobInfo info = test::sample_info();
    info.roots.push_back({"/second", 0, 0, RootType::Directory});
    auto bytes = test::must_build(info, {
        file(Space::Module, Kind::Source, "pkg", "pkg/__init__.py", 0, "init"),
        file(Space::Module, Kind::Bytecode0, "pkg", "pkg/__pycache__/__init__.cpython-311.pyc", 0),
        file(Space::Resource, Kind::Resource, "pkg/data/x.json", "pkg/data/x.json", 0, "root0"),
        file(Space::Resource, Kind::Resource, "pkg/data/x.json2", "pkg/data/x.json", 1, "root1"),
        file(Space::Resource, Kind::Resource, "pkg/x-y", "pkg/x-y", 0),
        file(Space::Module, Kind::Namespace, "nsp", "nsp", 1, ""),
        file(Space::Distribution, Kind::Metadata, "d-1.dist-info/METADATA", "d-1.dist-info/METADATA", 0),
        file(Space::File, Kind::File, "top.pth", "top.pth", 1),
    });
    auto blob = test::must_open(bytes);
    auto built = PathIndex::build(blob);
    REQUIRE(built.ok());
    const PathIndex& idx = *built;
    CHECK(idx.size() == 8);

    auto x = idx.find_file("pkg/data/x.json");
    REQUIRE(x);
    auto e = blob.entry(*x);
    CHECK(e->root == 0);  // merged view: the first root wins
    CHECK(blob.payload(*e)->str() == "root0");
    CHECK(blob.entry(*idx.find_file("pkg/data/x.json", 1))->root == 1);
    CHECK_FALSE(idx.find_file("pkg/data"));
    CHECK_FALSE(idx.find_file("nsp"));  // a namespace marker is a directory, not a file

    CHECK(idx.is_dir(""));
    CHECK(idx.is_dir("pkg"));
    CHECK(idx.is_dir("pkg/data"));
    CHECK(idx.is_dir("nsp"));
    CHECK_FALSE(idx.is_dir("nsp", 0));
    CHECK_FALSE(idx.is_dir("pkg/data/x.json"));
    CHECK_FALSE(idx.is_dir("pk"));

    CHECK(names(*idx.list_dir("")) == "d-1.dist-info/ nsp/ pkg/ top.pth ");
    CHECK(names(*idx.list_dir("", 0)) == "d-1.dist-info/ pkg/ ");
    CHECK(names(*idx.list_dir("pkg")) == "__init__.py __pycache__/ data/ x-y ");
    CHECK(names(*idx.list_dir("nsp")).empty());
    CHECK_FALSE(idx.list_dir("pkg/__init__.py"));
    CHECK_FALSE(idx.list_dir("missing"));

    auto in_data = idx.files_in("pkg/data", 1);
    REQUIRE(in_data.size() == 1);
    CHECK(blob.entry(in_data[0])->root == 1);
    CHECK(idx.files_in("pkg", 0).size() == 2);  // __init__.py and x-y, not the nested files
}

TEST_CASE("PathIndex: bytecode compiled during freeze sits at its source's path, after the source") {
    // The writer orders entries by (space, key, kind): for a module the
    // source comes before its bytecode, but in a key group sorted the other
    // way (an extension key, "b" after "a"...) the order of equal paths must
    // not depend on it. Entry indexes are arranged so bytecode comes first.
    BlobInfo info = test::sample_info();
    auto bytes = test::must_build(info, {
        file(Space::Module, Kind::Bytecode0, "a", "pkg/mod.py", 0, "BYTECODE"),
        file(Space::Module, Kind::Source, "b", "pkg/mod.py", 0, "source"),
        file(Space::Module, Kind::Bytecode1, "c", "pkg/only.pyc", 0, "pyc"),
    });
    auto blob = test::must_open(bytes);
    auto built = PathIndex::build(blob);
    REQUIRE(built.ok());
    auto found = built->find_file("pkg/mod.py");
    REQUIRE(found);
    auto e = blob.entry(*found);
    REQUIRE(e.ok());
    CHECK(e->kind == static_cast<uint8_t>(Kind::Source));
    CHECK(names(*built->list_dir("pkg")) == "mod.py only.pyc ");
    auto below = built->files_below("pkg");
    REQUIRE(below.size() == 2);
    CHECK(blob.entry(below[0].second)->kind == static_cast<uint8_t>(Kind::Source));
    CHECK(built->find_file("pkg/only.pyc"));  // bytecode alone at a path is still the file there
}
