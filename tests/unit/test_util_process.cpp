// run_capture and Child: output, exit codes, and failures to start.
#include <doctest/doctest.h>

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
