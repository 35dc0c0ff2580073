// Tests for lib/scan/wheel: names, tags, install paths, RECORD.
#include <doctest/doctest.h>

#include "scan/wheel.hpp"

using namespace oxpack::scan;

TEST_CASE("parse_wheel_filename") {
    auto w = parse_wheel_filename("pip-23.0.1-py3-none-any.whl");
    REQUIRE(w);
    CHECK(w->distribution == "pip");
    CHECK(w->version == "23.0.1");
    CHECK(w->python_tags == std::vector<std::string>{"py3"});
    auto b = parse_wheel_filename("cryptography-41.0.7-1-cp37-abi3-manylinux_2_28_x86_64.manylinux2014_x86_64.whl");
    REQUIRE(b);
    CHECK(b->build == "1");
    CHECK(b->platform_tags.size() == 2);
    CHECK_FALSE(parse_wheel_filename("notawheel.zip"));
    CHECK_FALSE(parse_wheel_filename("a-b.whl"));
}

TEST_CASE("wheel_supported: python, abi and platform tags") {
    TargetTags t{11, "linux", "x86_64", 2, 36};
    std::string why;
    auto ok = [&](const char* name) { return wheel_supported(*parse_wheel_filename(name), t, why); };
    CHECK(ok("pip-23.0.1-py3-none-any.whl"));
    CHECK(ok("six-1.16.0-py2.py3-none-any.whl"));
    CHECK(ok("x-1-cp311-cp311-manylinux_2_17_x86_64.whl"));
    CHECK(ok("x-1-cp37-abi3-manylinux2014_x86_64.whl"));
    CHECK(ok("x-1-cp311-cp311-linux_x86_64.whl"));
    CHECK_FALSE(ok("x-1-cp310-cp310-manylinux_2_17_x86_64.whl"));
    CHECK(why.find("cp310") != std::string::npos);
    CHECK_FALSE(ok("x-1-cp311-cp311-win_amd64.whl"));
    CHECK_FALSE(ok("x-1-cp311-cp311-manylinux_2_17_aarch64.whl"));
    CHECK_FALSE(ok("x-1-cp311-cp311-manylinux_2_99_x86_64.whl"));
    CHECK(why.find("glibc") != std::string::npos);
    CHECK_FALSE(ok("x-1-py2-none-any.whl"));
    CHECK_FALSE(ok("x-1-cp312-abi3-manylinux2014_x86_64.whl"));  // abi3 from a newer Python
}

TEST_CASE("wheel_install_path maps purelib and platlib to the root") {
    CHECK(wheel_install_path("foo-1.0.data/purelib/foo/x.py", "foo-1.0.data") == "foo/x.py");
    CHECK(wheel_install_path("foo-1.0.data/platlib/_foo.so", "foo-1.0.data") == "_foo.so");
    CHECK(wheel_install_path("foo-1.0.data/scripts/foo", "foo-1.0.data") == "foo-1.0.data/scripts/foo");
    CHECK(wheel_install_path("foo/__init__.py", "foo-1.0.data") == "foo/__init__.py");
}

TEST_CASE("parse_record handles quoting and missing sizes") {
    auto rows = parse_record("a/b.py,sha256=xyz,12\n\"we,ird.txt\",,\nx.dist-info/RECORD,,\r\n");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == std::make_pair(std::string("a/b.py"), int64_t{12}));
    CHECK(rows[1].first == "we,ird.txt");
    CHECK(rows[1].second == -1);
    CHECK(rows[2].first == "x.dist-info/RECORD");
}
