// write_file_atomic: the target is replaced whole or not at all, and no
// temporary file is left behind either way.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <fstream>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "helpers.hpp"

using namespace oxpack;
namespace fs = std::filesystem;

namespace {

std::vector<unsigned char> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

TEST_CASE("atomic_file: creates and replaces, with umask permissions, no temporary left") {
    test::TempDir dir;
    auto target = (dir / "out.oxr").string();
    util::write_file_atomic(target, bytes_of("first"));
    CHECK(test::read_bytes(target) == bytes_of("first"));
    util::write_file_atomic(target, bytes_of("second, longer"));
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
    util::write_file_atomic(target, bytes_of("precious"));
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
        util::write_file_atomic(target, big);
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
    CHECK_THROWS_AS(util::write_file_atomic(missing, bytes_of("x")), Failure);
    try {
        util::write_file_atomic(missing, bytes_of("x"));
    } catch (const Failure& f) {
        CHECK(f.code() == Exit::Io);
        CHECK(std::string(f.what()).find(missing) == 0);
    }
    // A non-empty directory in the way: the rename fails, the temporary goes.
    fs::create_directories(dir / "taken" / "child");
    CHECK_THROWS_AS(util::write_file_atomic((dir / "taken").string(), bytes_of("x")), Failure);
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"taken"});
    CHECK(fs::exists(dir / "taken" / "child"));
}

TEST_CASE("atomic_file: a file written from pieces (more than IOV_MAX, empty ones, past the writeback chunk)") {
    test::TempDir dir;
    auto target = (dir / "out.oxr").string();
    std::vector<std::vector<unsigned char>> storage;
    for (int i = 0; i < 5000; ++i) storage.emplace_back(static_cast<size_t>(i % 7 == 0 ? 0 : 1 + (i * 37) % 4000), static_cast<unsigned char>(i));
    storage.emplace_back(9u << 20, 'B');  // one piece bigger than the writeback chunk
    storage.emplace_back(3, 'e');
    std::vector<std::span<const unsigned char>> pieces;
    std::vector<unsigned char> joined;
    for (const auto& s : storage) {
        pieces.emplace_back(s);
        joined.insert(joined.end(), s.begin(), s.end());
    }
    util::write_file_atomic(target, pieces);
    CHECK(test::read_bytes(target) == joined);
    CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"out.oxr"});
    util::write_file_atomic(target, std::span<const std::span<const unsigned char>>{});  // no pieces: empty file
    CHECK(fs::file_size(target) == 0);
}

TEST_CASE("atomic_file: only a regular file is replaced, symlinks are written through") {
    test::TempDir dir;
    // A FIFO and a directory at the output path are refused (Exit::BadInput),
    // named, and left as they were; no temporary is made.
    auto fifo = (dir / "fifo.oxr").string();
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    fs::create_directories(dir / "adir.oxr");
    for (const auto& bad : {fifo, (dir / "adir.oxr").string()}) {
        try {
            util::write_file_atomic(bad, bytes_of("x"));
            FAIL("no exception for " << bad);
        } catch (const Failure& f) {
            CHECK(f.code() == Exit::BadInput);
            CHECK(std::string(f.what()).find(bad + ": is a ") == 0);
            CHECK(std::string(f.what()).find("refusing to replace it") != std::string::npos);
        }
    }
    CHECK(fs::is_fifo(fifo));
    CHECK(fs::is_directory(dir / "adir.oxr"));
    // A symlink to a regular file: the file gets the bytes, the link stays.
    fs::create_directories(dir / "real");
    std::ofstream(dir / "real" / "target.oxr") << "old";
    fs::create_symlink("real/target.oxr", dir / "link.oxr");
    util::write_file_atomic((dir / "link.oxr").string(), bytes_of("new"));
    CHECK(fs::is_symlink(dir / "link.oxr"));
    CHECK(test::read_bytes((dir / "real" / "target.oxr").string()) == bytes_of("new"));
    CHECK(test::list_dir((dir / "real").string()) == std::vector<std::string>{"target.oxr"});
    // A chain of links ending nowhere: the file is created at its end.
    fs::create_symlink("link2.oxr", dir / "link1.oxr");
    fs::create_symlink("real/fresh.oxr", dir / "link2.oxr");
    util::write_file_atomic((dir / "link1.oxr").string(), bytes_of("fresh"));
    CHECK(test::read_bytes((dir / "real" / "fresh.oxr").string()) == bytes_of("fresh"));
    // A symlink to a FIFO is refused, naming both; a loop is refused.
    fs::create_symlink(fifo, dir / "to_fifo.oxr");
    CHECK(util::resolve_output_path((dir / "link.oxr").string()) == (dir / "real/target.oxr").string());
    try {
        util::resolve_output_path((dir / "to_fifo.oxr").string());
        FAIL("no exception");
    } catch (const Failure& f) {
        CHECK(f.code() == Exit::BadInput);
        CHECK(std::string(f.what()).find("the symlink's target " + fifo) != std::string::npos);
    }
    fs::create_symlink("loop_b", dir / "loop_a");
    fs::create_symlink("loop_a", dir / "loop_b");
    CHECK_THROWS_AS(util::resolve_output_path((dir / "loop_a").string()), Failure);
}

TEST_CASE("atomic_file: stale temporaries of the same output are removed, nothing else") {
    test::TempDir dir;
    auto target = (dir / "app.oxr").string();
    const std::string prefix = util::temporary_prefix(target);
    CHECK(prefix == ".app.oxr.oxpack-tmp.");
    char host_buf[256] = {};
    gethostname(host_buf, sizeof host_buf - 1);
    std::string host;
    for (const char* c = host_buf; *c && host.size() < 32; ++c)
        if (std::isalnum(static_cast<unsigned char>(*c)) || *c == '-') host += *c;
    // A pid that is certainly gone: a child that has been reaped.
    pid_t dead = fork();
    if (dead == 0) _exit(0);
    REQUIRE(dead > 0);
    waitpid(dead, nullptr, 0);
    auto make = [&](const std::string& name, std::time_t mtime = 0) {
        std::ofstream(dir / name) << "partial";
        if (mtime) {
            struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
            utimensat(AT_FDCWD, (dir / name).c_str(), times, 0);
        }
    };
    const std::time_t now = std::time(nullptr);
    make(prefix + host + "." + std::to_string(dead) + ".abcdef");                 // dead writer here: removed
    make(prefix + host + "." + std::to_string(getppid()) + ".ghijkl");            // live writer: kept
    make(prefix + "elsewhere." + std::to_string(dead) + ".mnopqr");               // other host, fresh: kept
    make(prefix + "elsewhere.12345.stuvwx", now - 2 * 24 * 3600);                 // other host, 2 days old: removed
    make(".other.oxr.oxpack-tmp." + host + "." + std::to_string(dead) + ".abcdef");  // another output: kept
    make(prefix + host + "." + std::to_string(dead) + ".toolong1");               // not our pattern: kept
    make("app.oxr", now - 5 * 24 * 3600);                                         // the output itself: kept
    auto removed = util::remove_stale_temporaries(target, now);
    std::sort(removed.begin(), removed.end());
    CHECK(removed == std::vector<std::string>{(dir / (prefix + "elsewhere.12345.stuvwx")).string(),
                                              (dir / (prefix + host + "." + std::to_string(dead) + ".abcdef")).string()});
    CHECK(test::list_dir(dir.path()).size() == 5);
    // The next write removes them too, and leaves only its output.
    make(prefix + host + "." + std::to_string(dead) + ".zzzzzz");
    util::write_file_atomic(target, bytes_of("blob"));
    CHECK(!fs::exists(dir / (prefix + host + "." + std::to_string(dead) + ".zzzzzz")));
    CHECK(test::read_bytes(target) == bytes_of("blob"));
}
