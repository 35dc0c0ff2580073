// Tests for lib/freeze/file_reader: whole files whatever the size hint says.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "freeze/file_reader.hpp"

using namespace oxpack;

TEST_CASE("read_file reads whole files, with or without a size hint, and reports errors") {
    auto dir = std::filesystem::temp_directory_path() / "oxpack_test_reader";
    std::filesystem::create_directories(dir);
    std::string big(300000, 'x');
    big[12345] = 'y';
    std::ofstream(dir / "big", std::ios::binary) << big;
    std::ofstream(dir / "empty", std::ios::binary) << "";
    std::string out, err;
    REQUIRE(freeze::read_file((dir / "big").string(), out, err));
    CHECK(out == big);
    REQUIRE(freeze::read_file((dir / "big").string(), out, err, 300000));
    CHECK(out == big);
    REQUIRE(freeze::read_file((dir / "big").string(), out, err, 10));  // grew since the scan
    CHECK(out == big);
    REQUIRE(freeze::read_file((dir / "empty").string(), out, err, 0));
    CHECK(out.empty());
    CHECK_FALSE(freeze::read_file((dir / "missing").string(), out, err));
    CHECK(err == "No such file or directory");
    CHECK_FALSE(freeze::read_file(dir.string(), out, err));  // a directory
    std::filesystem::remove_all(dir);
}
