// MountTable: which paths the virtual file layer serves, and as what.
#include <doctest/doctest.h>

#include "runtime/core/mount_table.hpp"
#include "runtime/core/path_index.hpp"

using namespace oxpack::runtime;

namespace {

int blob_owner, site_owner;

MountTable table() {
    MountTable t;
    t.add({"/srv/app.oxr", &blob_owner, PathIndex::kAnyRoot, /*prefix_is_dir=*/false, /*fallthrough=*/false});
    t.add({"/usr/lib/python3.11", &site_owner, 0, true, true});
    t.add({"/usr/lib/python3.11/site-packages/", &site_owner, 2, true, true});  // trailing '/' dropped
    return t;
}

std::string no_cwd() {
    FAIL("getcwd() asked for a path that cannot reach a mount");
    return "";
}

}  // namespace

TEST_CASE("mount_table: paths inside a mount, normalised, and the blob file itself is not a directory") {
    MountTable t = table();
    auto hit = t.find("/srv/app.oxr/pkg/./data/../data.json", no_cwd);
    REQUIRE(hit);
    CHECK(hit->mount->owner == &blob_owner);
    CHECK(hit->rel == "pkg/data.json");
    CHECK(!hit->trailing_slash);
    CHECK(!t.find("/srv/app.oxr", no_cwd));            // the blob file: the real file system's
    CHECK(!t.find("/srv/app.oxr2/pkg", no_cwd));       // another name with the same start
    auto root = t.find("/srv/app.oxr/", no_cwd);        // its inside, as a directory
    REQUIRE(root);
    CHECK(root->rel.empty());
    CHECK(root->trailing_slash);
    auto trailing = t.find("/srv/app.oxr/pkg/", no_cwd);
    REQUIRE(trailing);
    CHECK(trailing->rel == "pkg");
    CHECK(trailing->trailing_slash);
    CHECK(!t.find("/srv/other/pkg", no_cwd));
    CHECK(!t.find("", no_cwd));
}

TEST_CASE("mount_table: nested roots, the longest prefix wins, and a directory mount matches itself") {
    MountTable t = table();
    auto site = t.find("/usr/lib/python3.11/site-packages/six.py", no_cwd);
    REQUIRE(site);
    CHECK(site->mount->root == 2);
    CHECK(site->rel == "six.py");
    auto stdlib = t.find("/usr/lib/python3.11/json/decoder.py", no_cwd);
    REQUIRE(stdlib);
    CHECK(stdlib->mount->root == 0);
    CHECK(stdlib->rel == "json/decoder.py");
    auto itself = t.find("/usr/lib/python3.11/site-packages", no_cwd);
    REQUIRE(itself);
    CHECK(itself->mount->root == 2);
    CHECK(itself->rel.empty());
    CHECK(itself->mount->fallthrough);
}

TEST_CASE("mount_table: climbing out gives the normalised path outside") {
    MountTable t = table();
    std::string outside;
    CHECK(!t.find("/srv/app.oxr/pkg/../../elsewhere/x", no_cwd, &outside));
    CHECK(outside == "/srv/elsewhere/x");
    outside.clear();
    CHECK(!t.find("/srv/app.oxr/../../../..", no_cwd, &outside));
    CHECK(outside == "/");
    // Inside a nested mount, climbing out of it still lands in the outer one.
    auto up = t.find("/usr/lib/python3.11/site-packages/../json/x.py", no_cwd);
    REQUIRE(up);
    CHECK(up->mount->root == 0);
    CHECK(up->rel == "json/x.py");
}

TEST_CASE("mount_table: relative paths ask for the working directory only when they could reach a mount") {
    MountTable t = table();
    int asked = 0;
    auto cwd = [&] {
        ++asked;
        return std::string("/srv");
    };
    CHECK(!t.find("data/file.txt", cwd));
    CHECK(!t.find("notapp.oxr/x", cwd));
    CHECK(asked == 0);
    auto hit = t.find("app.oxr/pkg/x.txt", cwd);
    CHECK(asked == 1);
    REQUIRE(hit);
    CHECK(hit->rel == "pkg/x.txt");
    auto unknown = t.find("app.oxr/pkg", [] { return std::string(); });  // getcwd failed
    CHECK(!unknown);
}

TEST_CASE("mount_table: add is idempotent, remove_owner drops an owner's mounts") {
    MountTable t = table();
    CHECK(t.size() == 3);
    t.add({"/srv/app.oxr", &blob_owner, PathIndex::kAnyRoot, false, false});
    CHECK(t.size() == 3);
    t.remove_owner(&site_owner);
    CHECK(t.size() == 1);
    CHECK(!t.find("/usr/lib/python3.11/json/x.py", no_cwd));
    t.remove_owner(&blob_owner);
    CHECK(t.empty());
}

TEST_CASE("mount_table: normalize_relative") {
    std::string out;
    CHECK(normalize_relative("a/./b//c/../d/", out));
    CHECK(out == "a/b/d");
    CHECK(normalize_relative("", out));
    CHECK(out.empty());
    CHECK(!normalize_relative("a/../..", out));
}
