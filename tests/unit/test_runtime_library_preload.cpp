// runtime/core/library_preload: loading an extension's recorded libraries by
// path, and every condition under which it must load nothing.
#include <doctest/doctest.h>
#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>

#include <cstdlib>
#include <set>

#include "helpers.hpp"
#include "runtime/core/library_preload.hpp"

using namespace oxpack;
using namespace oxpack::runtime;
using format::SharedLibraries;

namespace {

std::set<std::string> loaded_objects() {
    std::set<std::string> out;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) {
            if (info->dlpi_name != nullptr) static_cast<std::set<std::string>*>(data)->insert(info->dlpi_name);
            return 0;
        },
        &out);
    return out;
}

// A system library this test process has not loaded, or "".
std::string unloaded_system_library() {
    auto loaded = loaded_objects();
    for (const char* name : {"libuuid.so.1", "libexpat.so.1", "libffi.so.8", "libsqlite3.so.0", "libbz2.so.1.0",
                             "libtinfo.so.6", "libreadline.so.8"}) {
        for (const char* dir : {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64"}) {
            std::string p = std::string(dir) + "/" + name;
            struct stat sb;
            if (::stat(p.c_str(), &sb) == 0 && !loaded.count(p)) return p;
        }
    }
    return "";
}

SharedLibraries::Guard state_of(const std::string& path) {
    SharedLibraries::Guard g{path, 0, 0};
    struct stat sb;
    if (::stat(path.c_str(), &sb) == 0) {
        g.mtime_ns = static_cast<uint64_t>(sb.st_mtim.tv_sec) * 1000000000u + static_cast<uint64_t>(sb.st_mtim.tv_nsec);
        g.size = static_cast<uint64_t>(sb.st_size);
    }
    return g;
}

std::string record(std::vector<SharedLibraries::Guard> guards, std::vector<std::string> libraries,
                   std::vector<SharedLibraries::Module> modules) {
    SharedLibraries s;
    s.guards = std::move(guards);
    s.libraries = std::move(libraries);
    s.modules = std::move(modules);
    return format::encode_shared_libraries(s);
}

}  // namespace

TEST_CASE("library preload: the recorded library is loaded by path, once, for its module only") {
    std::string lib = unloaded_system_library();
    if (lib.empty()) {
        MESSAGE("skipped: no system library found that this process has not loaded");
        return;
    }
    test::TempDir dir;
    LibraryPreload p(record({state_of(dir.path().string()), state_of(lib)}, {lib}, {{"pkg._ext", {0}}}));
    CHECK(p.lists("pkg._ext"));
    CHECK_FALSE(p.lists("other"));
    CHECK(p.enabled());
    CHECK(p.reason().empty());
    CHECK(p.before_load("other", RTLD_NOW | RTLD_LOCAL) == 0);
    CHECK_FALSE(loaded_objects().count(lib));
    CHECK(p.before_load("pkg._ext", RTLD_NOW | RTLD_LOCAL) == 1);
    CHECK(loaded_objects().count(lib));
    CHECK(p.before_load("pkg._ext", RTLD_NOW | RTLD_LOCAL) == 0);  // already done
}

TEST_CASE("library preload: a guard that changed turns it off, naming the path") {
    test::TempDir dir;
    auto guard = state_of(dir.path().string());
    guard.mtime_ns += 1;
    LibraryPreload p(record({guard}, {"/nonexistent/libx.so.1"}, {{"m", {0}}}));
    CHECK(p.before_load("m", RTLD_NOW) == 0);
    CHECK_FALSE(p.enabled());
    CHECK(p.reason().find(dir.path().string()) != std::string::npos);

    // A path recorded as absent (0, 0) that exists now, and the reverse.
    LibraryPreload q(record({{dir.path().string(), 0, 0}}, {"/nonexistent/libx.so.1"}, {{"m", {0}}}));
    CHECK_FALSE(q.check());
    auto gone = state_of(dir.path().string());
    gone.path = (dir.path() / "not-there").string();
    gone.mtime_ns = 5;
    LibraryPreload r(record({gone}, {"/nonexistent/libx.so.1"}, {{"m", {0}}}));
    CHECK_FALSE(r.check());
    LibraryPreload ok(record({{(dir.path() / "not-there").string(), 0, 0}}, {"/nonexistent/libx.so.1"}, {{"m", {0}}}));
    CHECK(ok.check());
}

TEST_CASE("library preload: LD_LIBRARY_PATH and its kin turn it off") {
    for (const char* var : {"LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT", "GLIBC_TUNABLES"}) {
        ::setenv(var, "", 1);  // set, even empty: the loader's search may differ
        LibraryPreload p(record({}, {"/nonexistent/libx.so.1"}, {{"m", {0}}}));
        CHECK_FALSE(p.lists("m"));
        CHECK(p.reason().find(var) != std::string::npos);
        ::unsetenv(var);
    }
    CHECK(loader_search_changed_by_environment().empty());
}

TEST_CASE("library preload: a library that does not load stops the module's list, nothing else") {
    LibraryPreload p(record({}, {"/nonexistent/liba.so.1", "/nonexistent/libb.so.1"}, {{"m", {0, 1}}, {"n", {1}}}));
    CHECK(p.before_load("m", RTLD_NOW) == 0);
    CHECK(p.enabled());
    CHECK(p.before_load("n", RTLD_NOW) == 0);  // tried once for n: it does not load either
    CHECK(dlerror() == nullptr);               // no error left behind for the caller's dlopen()
}

TEST_CASE("library preload: no record, or a damaged one, loads nothing") {
    LibraryPreload none;
    CHECK_FALSE(none.lists("m"));
    CHECK(none.reason().find("no SharedLibraries record") != std::string::npos);
    std::string v = record({}, {"/x"}, {{"m", {0}}});
    LibraryPreload damaged(v.substr(0, v.size() - 1));
    CHECK(damaged.before_load("m", RTLD_NOW) == 0);
    CHECK(damaged.reason().find("truncated") != std::string::npos);
}
