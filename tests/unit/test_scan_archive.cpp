// Tests for lib/scan/archive: member-name safety and reading a real zip.
#include <doctest/doctest.h>
#include <zip.h>

#include <cstring>
#include <filesystem>

#include "scan/archive.hpp"

using namespace oxpack::scan;

TEST_CASE("safe_member_name refuses escapes") {
    CHECK(safe_member_name("pkg/mod.py"));
    CHECK(safe_member_name("a..b/c"));
    CHECK_FALSE(safe_member_name("../evil.py"));
    CHECK_FALSE(safe_member_name("pkg/../../evil.py"));
    CHECK_FALSE(safe_member_name("/etc/passwd"));
    CHECK_FALSE(safe_member_name("C:/x"));
    CHECK_FALSE(safe_member_name("a\\..\\b"));
}

TEST_CASE("Archive lists and reads members, refusing escaping names") {
    auto path = (std::filesystem::temp_directory_path() / "oxpack_test_archive.zip").string();
    std::filesystem::remove(path);
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    REQUIRE(z != nullptr);
    auto add = [&](const char* name, const char* text) {
        zip_source_t* s = zip_source_buffer(z, text, std::strlen(text), 0);
        REQUIRE(zip_file_add(z, name, s, ZIP_FL_ENC_UTF_8) >= 0);
    };
    add("pkg/__init__.py", "x = 1\n");
    add("pkg/data/file.txt", "hello");
    add("../escape.py", "bad");
    REQUIRE(zip_close(z) == 0);

    std::string error;
    auto a = Archive::open(path, error);
    REQUIRE(a);
    Report report;
    Node tree = a->list([](const std::string& m) { return m; }, report);
    REQUIRE(tree.dir("pkg"));
    const Node* init = tree.dir("pkg")->file("__init__.py");
    REQUIRE(init);
    std::string data;
    REQUIRE(a->read(init->member, data, error));
    CHECK(data == "x = 1\n");
    auto problems = report.sorted();
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].path == path + "!../escape.py");
    CHECK(problems[0].what.find("refused") != std::string::npos);
    CHECK_FALSE(tree.file("escape.py"));

    // A truncated archive is refused with a message, not a crash.
    std::filesystem::resize_file(path, 30);
    CHECK_FALSE(Archive::open(path, error));
    CHECK(error.find("zip") != std::string::npos);
    std::filesystem::remove(path);
}
