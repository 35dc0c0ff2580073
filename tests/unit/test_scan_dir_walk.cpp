// Tests for lib/scan/dir_walk: a walk made before the other roots are known,
// then pruned, equals the walk made knowing them (tree and reports).
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "scan/dir_walk.hpp"

namespace fs = std::filesystem;
using namespace oxpack;
using namespace oxpack::scan;

namespace {

std::pair<dev_t, ino_t> id_of(const fs::path& p) {
    struct stat st;
    REQUIRE(::stat(p.c_str(), &st) == 0);
    return {st.st_dev, st.st_ino};
}

void file(const fs::path& p, const std::string& text = "x") {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

// "name/" for directories, "name" for files, depth-first.
void flatten(const Node& n, const std::string& prefix, std::vector<std::string>& out) {
    for (const auto& c : n.children) {
        out.push_back(prefix + c.name + (c.is_dir ? "/" : ""));
        if (c.is_dir) flatten(c, prefix + c.name + "/", out);
    }
}

std::vector<std::string> texts(const Report& r) {
    std::vector<std::string> out;
    for (const auto& p : r.sorted()) out.push_back((p.skipped ? "problem " : "note ") + p.text());
    return out;
}

}  // namespace

TEST_CASE("prune_walk: walking first and pruning later equals walking with the other roots") {
    test::TempDir t;
    const fs::path root = t / "root";
    file(root / "pkg/__init__.py");
    file(root / "pkg/data/table.json");
    file(root / "nested/site/mod.py");                       // another sys.path entry inside the root...
    file(root / "nested/site/deep/more.py");
    fs::create_symlink(root / "missing", root / "nested/site/broken");  // ...with a problem that must vanish
    fs::create_symlink(root / "nested/site", root / "pkg/alias");        // reached twice (through a symlink)
    fs::create_symlink(root / "missing", root / "pkg/broken");           // a problem that stays
    fs::create_directories(root / "nested/site-x");                      // a sibling sorting between "site" and "site/..."
    file(root / "nested/site-x/keep.py");
    file(root / "other/lib.py");                                         // a root outside, reached by a symlink
    fs::create_symlink(t / "outside", root / "linked_out");
    file(t / "outside/x.py");
    fs::create_directories(root / "pkg/__pycache__");
    file(root / "pkg/__pycache__/__init__.cpython-311.pyc", std::string(16, '\0'));

    for (unsigned threads : {1u, 2u, 4u}) {
        CAPTURE(threads);
        WalkOptions with;
        with.threads = threads;
        with.other_roots = {id_of(root / "nested/site"), id_of(t / "outside"), id_of(root / "other")};
        Report direct_report;
        Node direct = walk_directory(root.string(), with, direct_report);

        WalkOptions without;
        without.threads = threads;
        Report ahead_report, final_report;
        std::vector<WalkedDir> seen;
        Node ahead = walk_directory(root.string(), without, ahead_report, &seen);
        CHECK(seen.size() >= 8);
        prune_walk(ahead, root.string(), seen, with.other_roots, ahead_report, final_report);

        std::vector<std::string> a, b;
        flatten(direct, "", a);
        flatten(ahead, "", b);
        CHECK(a == b);
        CHECK(texts(direct_report) == texts(final_report));
        CHECK(std::find(b.begin(), b.end(), "nested/site-x/keep.py") != b.end());
        CHECK(std::find(b.begin(), b.end(), "nested/site/") == b.end());
        CHECK(final_report.skipped_count() == 1);  // pkg/broken only
        CHECK(final_report.note_count() == 4);     // nested/site, pkg/alias, linked_out, other
    }
}

TEST_CASE("prune_walk: nothing to prune leaves the walk and its reports as they are") {
    test::TempDir t;
    file(t / "root/a/b.py");
    fs::create_symlink(t / "root/nowhere", t / "root/dangling");
    Report ahead_report, final_report;
    std::vector<WalkedDir> seen;
    Node tree = walk_directory((t / "root").string(), {}, ahead_report, &seen);
    std::vector<std::string> before;
    flatten(tree, "", before);
    prune_walk(tree, (t / "root").string(), seen, {id_of(t.path())}, ahead_report, final_report);
    std::vector<std::string> after;
    flatten(tree, "", after);
    CHECK(before == after);
    CHECK(texts(ahead_report) == texts(final_report));
    CHECK(final_report.skipped_count() == 1);
}
