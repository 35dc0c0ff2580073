// Tests for lib/freeze/file_reader: whole files whatever the size hint says.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "freeze/file_reader.hpp"
#include "helpers.hpp"

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

TEST_CASE("read_file relative to a directory descriptor reuses one buffer without losing bytes") {
    test::TempDir dir;
    std::string big(1 << 20, 'b');
    big[777] = 'q';
    test::write_bytes(dir / "big", {big.begin(), big.end()});
    test::write_bytes(dir / "small", {'s', 'm'});
    int dfd = ::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(dfd >= 0);
    freeze::ReadBuffer buf;
    std::string_view out;
    std::string err;
    REQUIRE(freeze::read_file(dfd, "small", buf, out, err, 2));
    CHECK(out == "sm");
    REQUIRE(freeze::read_file(dfd, "big", buf, out, err, 100));  // grew since the scan: read on, keeping what was read
    CHECK(out == big);
    const char* kept = buf.data();
    REQUIRE(freeze::read_file(dfd, "small", buf, out, err));
    CHECK(out == "sm");
    CHECK(buf.data() == kept);  // the grown buffer is reused
    CHECK_FALSE(freeze::read_file(dfd, "missing", buf, out, err));
    CHECK(err == "No such file or directory");
    ::close(dfd);
}

TEST_CASE("read_items: every item consumed once by its thread's consumer, failures reported and left out") {
    test::TempDir dir;
    scan::ScanResult scan;
    scan::ScanRoot root;
    root.path = dir.path().string();
    scan.roots.push_back(root);
    std::vector<size_t> which;
    for (int i = 0; i < 300; ++i) {
        std::string rel = "d" + std::to_string(i % 13) + "/sub" + std::to_string(i % 3) + "/f" + std::to_string(i);
        std::string body(static_cast<size_t>(i * 11), static_cast<char>('a' + i % 26));
        if (i % 50 != 7) {  // every 50th item is missing
            std::filesystem::create_directories((dir / rel).parent_path());
            test::write_bytes(dir / rel, {body.begin(), body.end()});
        }
        scan::Item it;
        it.path = rel;
        it.size = body.size();
        scan.items.push_back(it);
        which.push_back(scan.items.size() - 1);
    }
    for (unsigned threads : {1u, 2u, 4u}) {
        CAPTURE(threads);
        std::vector<std::string> got(which.size());
        std::mutex mutex;
        std::set<std::thread::id> consumers;
        scan::Report report;
        auto ok = freeze::read_items(scan, which, threads, report, [&]() -> freeze::ItemConsumer {
            std::lock_guard lock(mutex);
            CHECK(consumers.insert(std::this_thread::get_id()).second);  // one consumer per thread
            return [&](size_t k, std::string_view bytes) { got[k].assign(bytes); };
        });
        for (size_t k = 0; k < which.size(); ++k) {
            CAPTURE(k);
            CHECK(ok[k] == (k % 50 != 7));
            CHECK(got[k] == (ok[k] ? std::string(k * 11, static_cast<char>('a' + k % 26)) : ""));
        }
        CHECK(report.skipped_count() == 6);
        CHECK(report.sorted()[0].what == "cannot read: No such file or directory; skipped");
    }
}
