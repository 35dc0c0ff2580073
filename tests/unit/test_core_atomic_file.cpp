// write_file_atomic: the target is replaced whole or not at all, and no
// temporary file is left behind either way.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "helpers.hpp"

using namespace oxpack;
namespace fs = std::filesystem;

namespace {

std::vector<unsigned char> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("atomic_file: creates and replaces, with umask permissions, no temporary left") {
    test::TempDir dir;
    auto target = (dir / "out.oxr").string();
    core::write_file_atomic(target, bytes_of("first"));
    CHECK(test::read_bytes(target) == bytes_of("first"));
    core::write_file_atomic(target, bytes_of("second, longer"));
    CHECK(test::read_bytes(target) == bytes_of("second, longer"));
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"out.oxr"});
    mode_t mask = umask(0);
    umask(mask);
    struct stat st;
    REQUIRE(stat(target.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == (0666 & ~mask));
}

TEST_CASE("atomic_file: a failed write leaves the existing output untouched and no temporary") {
    test::TempDir dir;
    auto target = (dir / "out.oxr").string();
    core::write_file_atomic(target, bytes_of("precious"));
    // Make write() fail half-way: a file size limit, with SIGXFSZ ignored so
    // that the write returns EFBIG instead of killing the process.
    struct rlimit old;
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto old_handler = signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old;
    small.rlim_cur = 4096;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
    std::vector<unsigned char> big(100000, 'x');
    bool threw = false;
    try {
        core::write_file_atomic(target, big);
    } catch (const Failure& f) {
        threw = true;
        CHECK(f.code() == Exit::Io);
        CHECK(std::string(f.what()).find(target) == 0);
        CHECK(std::string(f.what()).find("write failed") != std::string::npos);
    }
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);
    CHECK(threw);
    CHECK(test::read_bytes(target) == bytes_of("precious"));
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"out.oxr"});
}

TEST_CASE("atomic_file: an impossible target fails with Exit::Io naming it") {
    test::TempDir dir;
    // Missing directory: no temporary file can be made.
    auto missing = (dir / "no" / "such" / "out.oxr").string();
    CHECK_THROWS_AS(core::write_file_atomic(missing, bytes_of("x")), Failure);
    try {
        core::write_file_atomic(missing, bytes_of("x"));
    } catch (const Failure& f) {
        CHECK(f.code() == Exit::Io);
        CHECK(std::string(f.what()).find(missing) == 0);
    }
    // A non-empty directory in the way: the rename fails, the temporary goes.
    fs::create_directories(dir / "taken" / "child");
    CHECK_THROWS_AS(core::write_file_atomic((dir / "taken").string(), bytes_of("x")), Failure);
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"taken"});
    CHECK(fs::exists(dir / "taken" / "child"));
}
