// Tests for lib/scan/archive: member-name safety, reading a real zip, and
// checking members (CRC) of a damaged one.
#include <doctest/doctest.h>
#include <zip.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

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

namespace {

// Writes a zip of stored (uncompressed) members, so their bytes can be found and damaged.
void write_stored_zip(const std::string& path, const std::vector<std::pair<std::string, std::string>>& members) {
    std::filesystem::remove(path);
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    REQUIRE(z != nullptr);
    for (const auto& [name, text] : members) {
        zip_source_t* s = zip_source_buffer(z, text.data(), text.size(), 0);
        zip_int64_t i = zip_file_add(z, name.c_str(), s, ZIP_FL_ENC_UTF_8);
        REQUIRE(i >= 0);
        REQUIRE(zip_set_file_compression(z, static_cast<zip_uint64_t>(i), ZIP_CM_STORE, 0) == 0);
    }
    REQUIRE(zip_close(z) == 0);
}

// Flips one bit of the first occurrence of `needle` in the file.
void damage(const std::string& path, const std::string& needle) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto at = bytes.find(needle);
    REQUIRE(at != std::string::npos);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(bytes[at] ^ 0x20));
}

}  // namespace

TEST_CASE("Archive::check reads a member through and reports a CRC mismatch") {
    auto path = (std::filesystem::temp_directory_path() / "oxpack_test_archive_crc.zip").string();
    write_stored_zip(path, {{"good.py", "GOOD = 'intact member'\n"}, {"bad.py", "BAD = 'damaged member'\n"}});
    damage(path, "damaged member");
    std::string error;
    auto a = Archive::open(path, error);  // the central directory is intact: opens
    REQUIRE(a);
    CHECK(a->check(a->find("good.py"), error));
    CHECK_FALSE(a->check(a->find("bad.py"), error));
    CHECK(error.find("CRC") != std::string::npos);
    std::string data;
    CHECK_FALSE(a->read(a->find("bad.py"), data, error));
    std::filesystem::remove(path);
}
