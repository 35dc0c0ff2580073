// runtime/core/mapping_guard: a watched mapping whose file is truncated
// reads zeros (and counts the faults) instead of killing the process; a
// fault anywhere else still gets the previous disposition.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "format/mapped_file.hpp"
#include "helpers.hpp"
#include "runtime/core/mapping_guard.hpp"

using namespace oxpack;
using namespace oxpack::runtime;

namespace {

std::string make_file(const test::TempDir& dir, const char* name, size_t size) {
    std::string path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << std::string(size, 'B');
    return path;
}

// Runs `body` in a child process; returns its wait status.
template <typename F>
int in_child(F body) {
    pid_t pid = fork();
    if (pid == 0) _exit(body());
    int status = 0;
    waitpid(pid, &status, 0);
    return status;
}

}  // namespace

TEST_CASE("mapping_guard: a truncated watched mapping reads zeros, counted") {
    test::TempDir dir;
    std::string path = make_file(dir, "blob.oxr", 5 * 4096);
    int status = in_child([&] {
        auto mapped = format::MappedFile::open(path);
        if (!mapped) return 10;
        int h = MappingGuard::watch(mapped->data(), mapped->size());
        if (h < 0) return 11;
        if (mapped->data()[3 * 4096] != 'B') return 12;  // read before: fine
        if (truncate(path.c_str(), 4096) != 0) return 13;
        unsigned sum = 0;
        for (size_t i = 0; i < mapped->size(); i += 512) sum += static_cast<volatile const unsigned char*>(mapped->data())[i];
        if (sum != 8u * 'B') return 14;  // the first page still the file's, the rest zeros
        if (MappingGuard::faults(h) != 4) return 15;  // one per page past the end
        MappingGuard::unwatch(h);
        return 0;
    });
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("mapping_guard: a fault outside the watched ranges keeps the previous disposition") {
    test::TempDir dir;
    std::string watched = make_file(dir, "watched.oxr", 2 * 4096);
    std::string other = make_file(dir, "other.bin", 2 * 4096);
    int status = in_child([&] {
        auto a = format::MappedFile::open(watched);
        auto b = format::MappedFile::open(other);
        if (!a || !b) return 10;
        if (MappingGuard::watch(a->data(), a->size()) < 0) return 11;
        if (truncate(other.c_str(), 0) != 0) return 12;
        volatile unsigned char c = b->data()[4096];  // not ours: SIGBUS kills, as without the guard
        (void)c;
        return 0;
    });
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGBUS);
}

TEST_CASE("mapping_guard: a handler installed before the guard still gets the faults that are not ours") {
    test::TempDir dir;
    std::string other = make_file(dir, "other.bin", 2 * 4096);
    int status = in_child([&] {
        struct sigaction sa = {};
        sa.sa_handler = [](int) { _exit(42); };
        sigaction(SIGBUS, &sa, nullptr);
        auto b = format::MappedFile::open(other);
        if (!b) return 10;
        std::string w = other + ".w";
        std::ofstream(w) << std::string(4096, 'w');
        auto a = format::MappedFile::open(w);
        if (!a || MappingGuard::watch(a->data(), a->size()) < 0) return 11;
        if (truncate(other.c_str(), 0) != 0) return 12;
        volatile unsigned char c = b->data()[10];
        (void)c;
        return 0;
    });
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 42);
}
