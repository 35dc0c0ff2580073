// runtime/core/staleness: one stat per root, compared with the freeze.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include "helpers.hpp"
#include "runtime/core/staleness.hpp"

using namespace oxpack;
using namespace oxpack::runtime;

TEST_CASE("stale_roots") {
    test::TempDir tmp;
    std::filesystem::create_directory(tmp / "dir");
    test::write_bytes(tmp / "app.whl", {1, 2, 3});
    auto root_of = [](const std::filesystem::path& p, format::RootType type) {
        struct stat st;
        REQUIRE(::stat(p.c_str(), &st) == 0);
        return format::Root{p.string(),
                            static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + static_cast<uint64_t>(st.st_mtim.tv_nsec),
                            static_cast<uint64_t>(st.st_size), type};
    };
    std::vector<format::Root> roots = {root_of(tmp / "dir", format::RootType::Directory),
                                       root_of(tmp / "app.whl", format::RootType::Wheel)};
    CHECK(stale_roots(roots).empty());

    auto changed = roots;
    changed[0].mtime_ns += 1;
    changed[1].size += 1;
    auto stale = stale_roots(changed);
    REQUIRE(stale.size() == 2);
    CHECK(stale[0].reason == "modified after the freeze");
    CHECK(stale[1].reason == "changed size");

    auto missing = roots;
    missing[0].path += "-gone";
    missing[1].type = format::RootType::Directory;  // a file where a directory was
    stale = stale_roots(missing);
    REQUIRE(stale.size() == 2);
    CHECK(stale[0].reason == "missing");
    CHECK(stale[1].reason == "changed type");
}
