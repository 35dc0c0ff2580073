// freeze/needed_libraries: the SharedLibraries record from the dynamic
// loader's own resolution, on the real extension modules of python3 on PATH.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "freeze/needed_libraries.hpp"
#include "helpers.hpp"
#include "scan/interpreter.hpp"

using namespace oxpack;
using namespace oxpack::freeze;
namespace fs = std::filesystem;

namespace {

// Every extension module file of the interpreter's lib-dynload, as (name, path).
std::vector<ExtensionFile> dynload(const scan::Interpreter& py) {
    std::vector<ExtensionFile> out;
    fs::path dir = fs::path(py.platstdlib) / "lib-dynload";
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::string name = e.path().filename().string();
        if (name.size() < 4 || name.compare(name.size() - 3, 3, ".so") != 0) continue;
        out.push_back({name.substr(0, name.find('.')), e.path().string()});
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.module < b.module; });
    return out;
}

size_t position(const std::vector<std::string>& libs, const std::vector<uint32_t>& order, std::string_view soname) {
    for (size_t i = 0; i < order.size(); ++i)
        if (libs[order[i]].find(soname) != std::string::npos) return i;
    return order.size();
}

}  // namespace

TEST_CASE("needed libraries: lib-dynload's extensions, dependencies first, guards recorded") {
    if (dynamic_loader().empty()) {
        MESSAGE("skipped: no dynamic loader known for this platform");
        return;
    }
    scan::Interpreter py = scan::probe_interpreter("python3");
    auto exts = dynload(py);
    REQUIRE_FALSE(exts.empty());
    NeededLibraries n = resolve_needed_libraries(exts, {py.platstdlib}, py.sys_executable, 2);
    REQUIRE_MESSAGE(n.none_because.empty(), n.none_because);
    const auto& t = n.table;
    REQUIRE_FALSE(t.empty());
    CHECK(std::is_sorted(t.modules.begin(), t.modules.end(),
                         [](const auto& a, const auto& b) { return a.name < b.name; }));
    for (const auto& lib : t.libraries) {
        CHECK(lib.front() == '/');
        CHECK(fs::exists(lib));
        CHECK(lib.rfind(py.platstdlib, 0) != 0);  // never the blob's own files
    }
    // The interpreter's own libraries (libc) are loaded at start: never listed.
    CHECK(std::none_of(t.libraries.begin(), t.libraries.end(),
                       [](const std::string& l) { return l.find("/libc.so.") != std::string::npos; }));
    // _ssl: libssl needs libcrypto, so libcrypto comes first.
    if (const auto* ssl = t.find("_ssl"); ssl != nullptr && position(t.libraries, ssl->libraries, "libssl.so") <
                                                                 ssl->libraries.size()) {
        CHECK(position(t.libraries, ssl->libraries, "libcrypto.so") <
              position(t.libraries, ssl->libraries, "libssl.so"));
    }
    auto has_guard = [&](const std::string& p) {
        return std::any_of(t.guards.begin(), t.guards.end(), [&](const auto& g) { return g.path == p; });
    };
    CHECK(has_guard("/etc/ld.so.cache"));
    for (const auto& lib : t.libraries) CHECK(has_guard(fs::path(lib).parent_path().string()));
    for (const auto& g : t.guards) CHECK(((g.mtime_ns == 0 && g.size == 0) || fs::exists(g.path)));
}

TEST_CASE("needed libraries: what cannot be resolved is left out, not guessed") {
    if (dynamic_loader().empty()) return;
    scan::Interpreter py = scan::probe_interpreter("python3");
    test::TempDir dir;
    test::write_bytes(dir / "_fake.cpython-311-x86_64-linux-gnu.so", {'n', 'o', 't', ' ', 'E', 'L', 'F'});
    NeededLibraries n = resolve_needed_libraries(
        {{"_fake", (dir / "_fake.cpython-311-x86_64-linux-gnu.so").string()}, {"_gone", (dir / "gone.so").string()}},
        {dir.path().string()}, py.sys_executable, 1);
    CHECK(n.table.empty());
    CHECK(n.extensions_skipped == 2);

    NeededLibraries none = resolve_needed_libraries({}, {}, py.sys_executable, 1);
    CHECK(none.table.empty());
    CHECK(none.extensions_skipped == 0);

    NeededLibraries bad_python = resolve_needed_libraries({{"_fake", "/nonexistent.so"}}, {}, "/nonexistent/python", 1);
    CHECK(bad_python.table.empty());
    CHECK(bad_python.none_because.find("/nonexistent/python") != std::string::npos);
}
