// runtime/core/file_cache: the private cache directory (created 0700,
// refused when shared or not ours), atomic materialisation, memory files.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "helpers.hpp"
#include "runtime/core/file_cache.hpp"

using namespace oxpack;
using namespace oxpack::runtime;

namespace {

struct EnvVar {
    std::string name, old;
    bool had;
    EnvVar(const char* n, const std::string& value) : name(n), had(std::getenv(n) != nullptr) {
        if (had) old = std::getenv(n);
        ::setenv(n, value.c_str(), 1);
    }
    ~EnvVar() {
        if (had) ::setenv(name.c_str(), old.c_str(), 1);
        else ::unsetenv(name.c_str());
    }
};

unsigned mode_of(const std::string& p) {
    struct stat st;
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("private_cache_base: created private, refused when shared or a symlink") {
    test::TempDir tmp;
    {
        EnvVar env("OXPACK_CACHE_DIR", (tmp / "cache").string());
        auto base = private_cache_base();
        REQUIRE(base.ok());
        CHECK(*base == (tmp / "cache").string());
        CHECK(mode_of(*base) == 0700);
        REQUIRE(make_private_dirs(*base, "ext/abc/r0/pkg").ok());
        CHECK(mode_of(*base + "/ext/abc/r0/pkg") == 0700);
        CHECK_FALSE(make_private_dirs(*base, "ext/../../escape").ok());
    }
    {
        std::filesystem::create_directory(tmp / "open");
        ::chmod((tmp / "open").c_str(), 0777);
        EnvVar env("OXPACK_CACHE_DIR", (tmp / "open").string());
        auto base = private_cache_base();
        REQUIRE_FALSE(base.ok());
        CHECK(base.error().message.find("writable by others") != std::string::npos);
    }
    {
        std::filesystem::create_directory_symlink(tmp / "cache", tmp / "link");
        EnvVar env("OXPACK_CACHE_DIR", (tmp / "link").string());
        CHECK_FALSE(private_cache_base().ok());
    }
    {
        EnvVar env("OXPACK_CACHE_DIR", "relative/path");  // ignored: falls back to XDG/HOME
        EnvVar xdg("XDG_CACHE_HOME", (tmp / "xdg").string());
        auto base = private_cache_base();
        REQUIRE(base.ok());
        CHECK(*base == (tmp / "xdg" / "oxpack").string());
    }
}

TEST_CASE("materialize: writes once, rewrites damaged files, atomically") {
    test::TempDir tmp;
    std::string path = (tmp / "f.so").string();
    std::vector<unsigned char> a = {1, 2, 3, 4}, b = {9, 9};
    REQUIRE(materialize(path, a, 0700).ok());
    CHECK(test::read_bytes(path) == a);
    CHECK(mode_of(path) == 0700);
    struct stat before;
    ::stat(path.c_str(), &before);
    REQUIRE(materialize(path, a, 0700).ok());  // same contents: kept (same inode)
    struct stat after;
    ::stat(path.c_str(), &after);
    CHECK(before.st_ino == after.st_ino);
    REQUIRE(materialize(path, b, 0700).ok());  // different: replaced
    CHECK(test::read_bytes(path) == b);
    CHECK(test::list_dir(tmp.path()) == std::vector<std::string>{"f.so"});  // no temporary left behind
    CHECK_FALSE(materialize((tmp / "no/such/dir/f").string(), a, 0700).ok());
}

TEST_CASE("memory_file: an anonymous sealed file with the bytes") {
    std::vector<unsigned char> bytes(10000);
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 7);
    auto fd = memory_file("oxpack:test", bytes);
    REQUIRE(fd.ok());
    std::string link = "/proc/self/fd/" + std::to_string(*fd);
    CHECK(test::read_bytes(link) == bytes);
    CHECK(::write(*fd, "x", 1) == -1);  // sealed against writes
    ::close(*fd);
    CHECK(hex16(0x0123456789abcdefull) == "0123456789abcdef");
}
