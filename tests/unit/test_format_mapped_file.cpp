// mapped_file_posix.cpp: one read-only mapping of a whole file.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/mapped_file.hpp"
#include "helpers.hpp"

using namespace oxpack;
using namespace oxpack::format;

TEST_CASE("mapped file: maps the whole file, moves keep the mapping") {
    test::TempDir dir;
    std::vector<unsigned char> data(100000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<unsigned char>(i * 7);
    test::write_bytes(dir / "f", data);
    auto m = MappedFile::open((dir / "f").string());
    REQUIRE(m.ok());
    REQUIRE(m->size() == data.size());
    CHECK(std::equal(data.begin(), data.end(), m->data()));
    const unsigned char* p = m->data();
    MappedFile moved = std::move(*m);
    CHECK(moved.data() == p);
    CHECK(m->data() == nullptr);
    MappedFile assigned;
    assigned = std::move(moved);
    CHECK(assigned.data() == p);
    assigned.advise_sequential();
}

TEST_CASE("mapped file: identity names the mapped file and changes when it does") {
    test::TempDir dir;
    test::write_bytes(dir / "f", std::vector<unsigned char>(5000, 1));
    auto a = MappedFile::open((dir / "f").string());
    auto b = MappedFile::open((dir / "f").string());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    struct stat st;
    REQUIRE(::stat((dir / "f").c_str(), &st) == 0);
    CHECK(a->identity().inode == static_cast<uint64_t>(st.st_ino));
    CHECK(a->identity().size == 5000);
    CHECK(a->identity() == b->identity());
    MappedFile moved = std::move(*a);
    CHECK(moved.identity() == b->identity());
    // Rewritten in place with the same size: the change time moves.
    ::usleep(10000);
    test::write_bytes(dir / "f", std::vector<unsigned char>(5000, 2));
    auto c = MappedFile::open((dir / "f").string());
    REQUIRE(c.ok());
    CHECK(c->identity().inode == b->identity().inode);
    CHECK_FALSE(c->identity() == b->identity());
}

TEST_CASE("mapped file: empty, missing and non-regular files") {
    test::TempDir dir;
    test::write_bytes(dir / "empty", {});
    auto e = MappedFile::open((dir / "empty").string());
    REQUIRE(e.ok());
    CHECK(e->size() == 0);
    auto missing = MappedFile::open((dir / "nope").string());
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == ErrorCode::Io);
    CHECK(missing.error().message.find("nope: cannot open") != std::string::npos);
    auto d = MappedFile::open(dir.path().string());
    REQUIRE_FALSE(d.ok());
    CHECK(d.error().message.find("not a regular file") != std::string::npos);
}
