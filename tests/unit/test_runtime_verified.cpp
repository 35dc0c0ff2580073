// runtime/core/verified: the record install(verify="once") keeps of a blob
// file that passed the index check.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "format/mapped_file.hpp"
#include "helpers.hpp"
#include "runtime/core/file_cache.hpp"
#include "runtime/core/verified.hpp"

using namespace oxpack;
using namespace oxpack::runtime;

namespace {

struct CacheDir {
    std::string old;
    bool had;
    explicit CacheDir(const std::string& value) : had(std::getenv("OXPACK_CACHE_DIR") != nullptr) {
        if (had) old = std::getenv("OXPACK_CACHE_DIR");
        ::setenv("OXPACK_CACHE_DIR", value.c_str(), 1);
    }
    ~CacheDir() {
        if (had) ::setenv("OXPACK_CACHE_DIR", old.c_str(), 1);
        else ::unsetenv("OXPACK_CACHE_DIR");
    }
};

}  // namespace

TEST_CASE("verified: a record matches only the same file, unchanged, with the same header") {
    test::TempDir tmp;
    CacheDir env((tmp / "cache").string());
    test::write_bytes(tmp / "blob", std::vector<unsigned char>(1000, 7));
    auto m = format::MappedFile::open((tmp / "blob").string());
    REQUIRE(m.ok());
    const format::FileIdentity id = m->identity();
    const std::string base = cache_base_path();
    CHECK(base == (tmp / "cache").string());

    CHECK_FALSE(verified_before(base, id, 42));
    REQUIRE(remember_verified(id, 42));
    CHECK(verified_before(base, id, 42));
    CHECK_FALSE(verified_before(base, id, 43));  // another header
    format::FileIdentity changed = id;
    changed.ctime_ns += 1;
    CHECK_FALSE(verified_before(base, changed, 42));
    changed = id;
    changed.size += 1;
    CHECK_FALSE(verified_before(base, changed, 42));
    CHECK(verified_record_name(id, 42) == verified_record_name(id, 42));
    CHECK(verified_record_name(id, 42) != verified_record_name(id, 43));

    // No record for memory blobs (no identity).
    CHECK_FALSE(remember_verified(format::FileIdentity{}, 42));
    CHECK_FALSE(verified_before(base, format::FileIdentity{}, 42));
}

TEST_CASE("verified: records in a directory others can write are not trusted") {
    test::TempDir tmp;
    CacheDir env((tmp / "cache").string());
    test::write_bytes(tmp / "blob", std::vector<unsigned char>(10, 1));
    auto m = format::MappedFile::open((tmp / "blob").string());
    REQUIRE(m.ok());
    REQUIRE(remember_verified(m->identity(), 1));
    const std::string dir = (tmp / "cache" / "verified").string();
    struct stat st;
    REQUIRE(::stat(dir.c_str(), &st) == 0);
    CHECK((st.st_mode & 077) == 0);
    REQUIRE(::chmod(dir.c_str(), 0777) == 0);
    CHECK_FALSE(verified_before(cache_base_path(), m->identity(), 1));
    REQUIRE(::chmod(dir.c_str(), 0700) == 0);
    CHECK(verified_before(cache_base_path(), m->identity(), 1));
    // A record that is not a regular file does not count.
    const std::string rec = dir + "/" + verified_record_name(m->identity(), 2);
    REQUIRE(::mkdir(rec.c_str(), 0700) == 0);
    CHECK_FALSE(verified_before(cache_base_path(), m->identity(), 2));
}
