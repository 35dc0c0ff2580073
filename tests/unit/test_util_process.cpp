// run_capture, run_in_group and Child: output, exit codes, timeouts, and failures to start.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "util/error.hpp"
#include "util/process.hpp"

using namespace oxpack;

TEST_CASE("process: run_capture collects stdout, stderr and the exit code") {
    auto r = util::run_capture({"sh", "-c", "printf out; printf err >&2; exit 3"});
    CHECK(r.exit_code == 3);
    CHECK(r.out == "out");
    CHECK(r.err == "err");
    // More than a pipe buffer on both streams at once must not deadlock.
    auto big = util::run_capture({"sh", "-c", "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2"});
    CHECK(big.exit_code == 0);
    CHECK(big.out.size() == 300000);
    CHECK(big.err.size() == 300000);
    auto killed = util::run_capture({"sh", "-c", "kill -9 $$"});
    CHECK(killed.exit_code == -1);
}

TEST_CASE("process: a program that cannot start is bad input naming it") {
    try {
        util::run_capture({"/no/such/program-oxpack"});
        FAIL("no exception");
    } catch (const Failure& f) {
        CHECK(f.code() == Exit::BadInput);
        CHECK(std::string(f.what()).find("/no/such/program-oxpack") == 0);
    }
}

TEST_CASE("process: Child talks over pipes") {
    util::Child cat({"cat"});
    const std::string msg = "hello through a pipe";
    cat.write_all(msg.data(), msg.size());
    std::string back(msg.size(), '\0');
    cat.read_exact(back.data(), back.size());
    CHECK(back == msg);
    CHECK(cat.finish() == 0);

    util::Child quitter({"sh", "-c", "echo gone >&2; exit 0"});
    char c;
    CHECK_THROWS_AS(quitter.read_exact(&c, 1), Failure);
    CHECK(quitter.finish() == 0);
}

TEST_CASE("process: run_in_group writes the output to a file, passes the environment, and bounds the run") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("oxpack-test-group-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::string out = (dir / "output").string();

    auto r = util::run_in_group({"sh", "-c", "echo \"$GREETING\"; echo err >&2; read x; echo \"read:$x\"; exit 4"},
                                {"GREETING=hello", "PATH=/usr/bin:/bin"}, out, 30);
    CHECK(r.exit_code == 4);
    CHECK_FALSE(r.timed_out);
    std::ifstream in(out);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(text == "hello\nerr\nread:\n");  // stdin is empty

    // Past the timeout the whole group is stopped, a child that ignores SIGTERM too.
    auto t0 = std::chrono::steady_clock::now();
    auto slow = util::run_in_group({"sh", "-c", "trap '' TERM; sleep 30 & wait; sleep 30"}, {"PATH=/usr/bin:/bin"}, out, 0.2);
    CHECK(slow.timed_out);
    CHECK(slow.exit_code == -1);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10));

    try {
        util::run_in_group({"/no/such/program-oxpack"}, {}, out, 1);
        FAIL("no exception");
    } catch (const Failure& f) {
        CHECK(f.code() == Exit::BadInput);
        CHECK(std::string(f.what()).find("/no/such/program-oxpack: cannot run:") == 0);
    }
    fs::remove_all(dir);
}
