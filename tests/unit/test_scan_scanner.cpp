// Tests for lib/scan/scanner (with resolve, dir_walk): the import-system
// rules on small trees built here, for a target described by hand.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <future>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "util/error.hpp"
#include "scan/scanner.hpp"

namespace fs = std::filesystem;
using namespace oxpack;
using namespace oxpack::scan;

namespace {

Interpreter fake_python() {
    Interpreter py;
    py.target.implementation = "cpython";
    py.target.python_version = "3.11.7";
    py.target.cache_tag = "cpython-311";
    py.target.source_suffixes = {".py"};
    py.target.bytecode_suffixes = {".pyc"};
    py.target.extension_suffixes = {".cpython-311-x86_64-linux-gnu.so", ".abi3.so", ".so"};
    py.magic_bytes = std::string("\xa7\x0d\x0d\x0a", 4);
    py.version_major = 3;
    py.version_minor = 11;
    py.sysconfig_platform = "linux-x86_64";
    py.libc = "glibc 2.36";
    return py;
}

struct TempTree {
    fs::path dir;
    TempTree() {
        char tmpl[] = "/tmp/oxpack_scan_test_XXXXXX";
        dir = mkdtemp(tmpl);
    }
    ~TempTree() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    void file(const std::string& rel, const std::string& text = "") {
        fs::create_directories((dir / rel).parent_path());
        std::ofstream(dir / rel, std::ios::binary) << text;
    }
};

// key -> kind names of the kept items
std::map<std::string, std::vector<std::string>> index(const ScanResult& r) {
    std::map<std::string, std::vector<std::string>> m;
    for (const auto& it : r.items)
        if (it.excluded.empty()) m[it.key].push_back(std::string(format::to_string(it.kind)));
    return m;
}

}  // namespace

TEST_CASE("FileFinder order: package dir, then extension, source, bytecode, namespace last") {
    TempTree t;
    t.file("root/pkg/__init__.py", "");
    t.file("root/pkg/mod.py", "x = 1\n");
    t.file("root/pkg/fast.cpython-311-x86_64-linux-gnu.so", "ELF");
    t.file("root/pkg/fast.py", "slow\n");
    t.file("root/pkg/data/table.json", "{}");
    t.file("root/pkg/py.typed", "");
    t.file("root/both/__init__.py", "");
    t.file("root/both.py", "");
    t.file("root/ns/sub/__init__.py", "");
    t.file("root/ns/README", "");
    t.file("root/onlydata/x.txt", "");
    t.file("root/top.py", "");
    t.file("root/bad-name.py", "");
    t.file("root/dotted.name.py", "");
    t.file("root/six-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: six\nVersion: 1.0\n\nbody\n");
    t.file("root/six-1.0.dist-info/RECORD", "");
    t.file("root/old.egg-info", "Name: old\nVersion: 0.1\n");
    t.file("root/x.pth", "# nothing\n");
    Report report;
    ScanOptions o;
    o.paths = {(t.dir / "root").string()};
    ScanResult r = scan_environment(fake_python(), o, report);
    auto m = index(r);
    CHECK(m["pkg"] == std::vector<std::string>{"source"});
    CHECK(m["pkg.mod"] == std::vector<std::string>{"source"});
    CHECK(m["pkg.fast"] == std::vector<std::string>{"extension"});
    CHECK(m.count("pkg/fast.py") == 1);  // shadowed by the extension: kept as data
    CHECK(m.count("pkg/data/table.json") == 1);
    CHECK(m.count("pkg/py.typed") == 1);
    CHECK(m["both"] == std::vector<std::string>{"source"});
    CHECK(m.count("both.py") == 1);  // a root file: the package comes first
    CHECK(m["ns"] == std::vector<std::string>{"namespace"});
    CHECK(m.count("ns.sub") == 1);
    CHECK(m.count("ns/README") == 1);  // a resource of the namespace package
    CHECK(m.count("onlydata") == 0);   // no importable content: not a namespace package
    CHECK(m.count("onlydata/x.txt") == 1);
    CHECK(m.count("top") == 1);
    CHECK(m["bad-name"] == std::vector<std::string>{"source"});  // FileFinder takes any name without a dot
    CHECK(m.count("dotted.name.py") == 1);                         // a dot: not importable, a file
    CHECK(m.count("six-1.0.dist-info/METADATA") == 1);
    CHECK(m.count("old.egg-info/PKG-INFO") == 1);
    CHECK(m.count("x.pth") == 1);
    for (const auto& it : r.items)
        if (it.key == "six-1.0.dist-info/METADATA") CHECK((it.distribution == "six" && it.version == "1.0"));
    CHECK(report.skipped_count() == 0);
}

TEST_CASE("first root wins, later ones are reported as shadowed, namespace portions merge") {
    TempTree t;
    t.file("a/mod.py", "");
    t.file("b/mod.py", "");
    t.file("a/nsp/one.py", "");
    t.file("b/nsp/two.py", "");
    t.file("a/later/x.py", "");  // namespace portion in a ...
    t.file("b/later.py", "");    // ... loses to a regular module in b (PathFinder)
    Report report;
    ScanOptions o;
    o.paths = {(t.dir / "a").string(), (t.dir / "b").string()};
    ScanResult r = scan_environment(fake_python(), o, report);
    auto m = index(r);
    CHECK(m.count("mod") == 1);
    CHECK(m.count("nsp.one") == 1);
    CHECK(m.count("nsp.two") == 1);
    CHECK(m["later"] == std::vector<std::string>{"source"});
    CHECK(m.count("later.x") == 0);
    for (const auto& it : r.items)
        if (it.key == "mod") CHECK(it.root == 0);
        else if (it.key == "later") CHECK(it.root == 1);
    std::vector<std::string> shadowed;
    for (const auto& s : r.shadowed) shadowed.push_back(s.name);
    CHECK(shadowed == std::vector<std::string>{"later", "mod"});
}

TEST_CASE("bytecode: valid cache reused, stale and foreign ignored, wrong magic reported, sourceless kept") {
    TempTree t;
    t.file("r/m.py", "x = 1\n");
    struct stat st;
    REQUIRE(::stat((t.dir / "r/m.py").c_str(), &st) == 0);
    auto hdr = [&](const std::string& magic, uint32_t mtime, uint32_t size) {
        std::string h = magic + std::string(4, '\0');
        for (uint32_t v : {mtime, size})
            for (int i = 0; i < 4; ++i) h.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
        return h + "code";
    };
    const std::string magic("\xa7\x0d\x0d\x0a", 4);
    t.file("r/__pycache__/m.cpython-311.pyc", hdr(magic, static_cast<uint32_t>(st.st_mtime), 6));
    t.file("r/__pycache__/m.cpython-311.opt-1.pyc", hdr(magic, static_cast<uint32_t>(st.st_mtime) + 7, 6));
    t.file("r/__pycache__/m.cpython-38.pyc", hdr("U\x0d\x0d\x0a", 0, 0));
    t.file("r/__pycache__/m.cpython-311.opt-2.pyc", hdr("XXXX", 0, 0));
    t.file("r/legacy.pyc", hdr(magic, 0, 0));
    t.file("r/foreign.pyc", hdr("U\x0d\x0d\x0a", 0, 0));
    Report report;
    ScanOptions o;
    o.paths = {(t.dir / "r").string()};
    ScanResult r = scan_environment(fake_python(), o, report);
    auto m = index(r);
    CHECK(m["m"] == std::vector<std::string>{"source", "bytecode"});
    CHECK(m["legacy"] == std::vector<std::string>{"bytecode"});
    CHECK(m.count("foreign") == 0);
    CHECK(r.stats.pyc_valid == 1);
    CHECK(r.stats.pyc_stale == 1);
    CHECK(r.stats.pyc_foreign == 1);
    auto problems = report.sorted();
    REQUIRE(report.skipped_count() == 2);
    CHECK(problems[0].path.find("__pycache__/m.cpython-311.opt-2.pyc") != std::string::npos);
    CHECK(problems[0].what.find("wrong magic") != std::string::npos);
    CHECK(problems[1].path.find("foreign.pyc") != std::string::npos);
}

TEST_CASE("bad input: symlink loops, broken links, non-UTF-8 names, special files, each reported once") {
    TempTree t;
    t.file("r/ok.py", "");
    fs::create_directories(t.dir / "r/pkg");
    t.file("r/pkg/__init__.py", "");
    fs::create_directory_symlink(t.dir / "r/pkg", t.dir / "r/pkg/loop");
    fs::create_symlink(t.dir / "r/nowhere", t.dir / "r/broken.py");
    fs::create_symlink("self", t.dir / "r/self");
    std::ofstream(t.dir / "r" / "bad\xff.py") << "";
    REQUIRE(mkfifo((t.dir / "r/fifo").c_str(), 0600) == 0);
    Report report;
    ScanOptions o;
    o.paths = {(t.dir / "r").string()};
    ScanResult r = scan_environment(fake_python(), o, report);
    auto m = index(r);
    CHECK(m.count("ok") == 1);
    CHECK(m.count("pkg") == 1);
    std::map<std::string, std::string> what;
    for (const auto& p : report.sorted())
        if (p.skipped) what[fs::path(p.path).filename().string()] = p.what;
    CHECK(what.size() == 5);
    CHECK(what["loop"].find("symlink loop") != std::string::npos);
    CHECK(what["broken.py"].find("broken symlink") != std::string::npos);
    CHECK(what["self"].find("symlink loop") != std::string::npos);
    CHECK(what["bad\xff.py"].find("UTF-8") != std::string::npos);
    CHECK(what["fifo"].find("not a regular file") != std::string::npos);
}

TEST_CASE("a missing explicit path is a bad-input failure naming it") {
    Report report;
    ScanOptions o;
    o.paths = {"/nonexistent/oxpack/path"};
    try {
        (void)scan_environment(fake_python(), o, report);
        FAIL("expected a Failure");
    } catch (const Failure& f) {
        CHECK(f.code() == Exit::BadInput);
        CHECK(std::string(f.what()).find("/nonexistent/oxpack/path") != std::string::npos);
    }
}

TEST_CASE(".pth path lines add roots after the site dir, excludes and the stdlib test suite filter") {
    TempTree t;
    t.file("site/a.pth", "../extra\nimport os\n");
    t.file("site/a_mod.py", "");
    t.file("extra/extra_mod.py", "");
    t.file("extra/tests/__init__.py", "");
    Report report;
    ScanOptions o;
    o.paths = {(t.dir / "site").string()};
    o.exclude = {"*tests"};
    ScanResult r = scan_environment(fake_python(), o, report);
    REQUIRE(r.roots.size() == 2);
    CHECK(r.roots[1].added_by == "a.pth");
    auto m = index(r);
    CHECK(m.count("extra_mod") == 1);
    CHECK(m.count("tests") == 0);
    bool noted = false;
    for (const auto& p : report.sorted()) noted = noted || (!p.skipped && p.what.find("import os") != std::string::npos);
    CHECK(noted);
}

TEST_CASE("scan while the interpreter is probed: same result as with the interpreter known first") {
    TempTree t;
    t.file("lib/os.py", "");
    t.file("lib/json/__init__.py", "");
    t.file("lib/site-packages/six.py", "");  // a sys.path entry of its own inside the explicit PATH
    t.file("lib/site-packages/a.pth", "../../extra\n");
    t.file("extra/extra_mod.py", "");
    fs::create_symlink(t.dir / "nowhere", t.dir / "lib/site-packages/broken");  // its problem is not lib's
    fs::create_symlink(t.dir / "nowhere", t.dir / "lib/broken");
    t.file("wheels/a-1.0-py3-none-any.whl", "");  // a wheel directory: not walked ahead
    Interpreter py = fake_python();
    py.sys_path = {(t.dir / "lib").string(), (t.dir / "lib/site-packages").string()};
    py.site_packages = {(t.dir / "lib/site-packages").string()};
    for (const auto& paths : std::vector<std::vector<std::string>>{
             {(t.dir / "lib").string()},
             {(t.dir / "lib").string(), (t.dir / "lib/site-packages").string(), (t.dir / "wheels").string()},
             {}}) {
        ScanOptions o;
        o.paths = paths;
        Report known_report, pending_report;
        ScanResult known = scan_environment(py, o, known_report);
        std::promise<Interpreter> probe;
        probe.set_value(py);
        ScanResult pending = scan_environment(probe.get_future().share(), o, pending_report);
        REQUIRE(known.items.size() == pending.items.size());
        for (size_t i = 0; i < known.items.size(); ++i) {
            CHECK(known.items[i].key == pending.items[i].key);
            CHECK(known.items[i].path == pending.items[i].path);
            CHECK(known.items[i].root == pending.items[i].root);
        }
        REQUIRE(known.roots.size() == pending.roots.size());
        std::vector<std::string> a, b;
        for (const auto& p : known_report.sorted()) a.push_back(p.text());
        for (const auto& p : pending_report.sorted()) b.push_back(p.text());
        CHECK(a == b);
        if (paths.size() == 1) {
            CHECK(index(known).count("six") == 0);  // not part of the lib root
            CHECK(std::count_if(a.begin(), a.end(), [](const std::string& s) { return s.find("broken") != std::string::npos; }) == 1);
        }
    }
    // A failed probe fails the scan with its error.
    std::promise<Interpreter> failed;
    failed.set_exception(std::make_exception_ptr(Failure(Exit::BadInput, "python9: no such interpreter")));
    ScanOptions o;
    o.paths = {(t.dir / "lib").string()};
    Report report;
    CHECK_THROWS_WITH_AS(scan_environment(failed.get_future().share(), o, report), "python9: no such interpreter",
                         Failure);
}

namespace {

// A zip of stored members (their bytes appear as is), one of them damaged:
// the first occurrence of `damaged` has a bit flipped, so its CRC fails.
void damaged_zip(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& members,
                 const std::string& damaged) {
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    REQUIRE(z != nullptr);
    for (const auto& [name, text] : members) {
        zip_int64_t i = zip_file_add(z, name.c_str(), zip_source_buffer(z, text.data(), text.size(), 0), 0);
        REQUIRE(i >= 0);
        REQUIRE(zip_set_file_compression(z, static_cast<zip_uint64_t>(i), ZIP_CM_STORE, 0) == 0);
    }
    REQUIRE(zip_close(z) == 0);
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    auto at = bytes.find(damaged);
    REQUIRE(at != std::string::npos);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(bytes[at] ^ 0x20));
}

const std::vector<std::pair<std::string, std::string>> kDemoWheel = {
    {"demo/__init__.py", "GREETING = 'hello from demo'\n"},
    {"demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n"},
    {"demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"},
    {"demo-1.0.dist-info/RECORD", "demo/__init__.py,,\ndemo-1.0.dist-info/WHEEL,,\n"
                                  "demo-1.0.dist-info/METADATA,,\ndemo-1.0.dist-info/RECORD,,\n"}};

}  // namespace

TEST_CASE("a wheel with a member that fails its CRC is reported and not packed at all, metadata included") {
    TempTree t;
    const fs::path wheel = t.dir / "demo-1.0-py3-none-any.whl";
    damaged_zip(wheel, kDemoWheel, "hello from demo");
    Report report;
    ScanOptions o;
    o.paths = {wheel.string()};
    ScanResult r = scan_environment(fake_python(), o, report);
    CHECK(index(r).empty());
    auto problems = report.sorted();
    REQUIRE(report.skipped_count() == 1);
    CHECK(problems[0].path == wheel.string() + "!demo/__init__.py");
    CHECK(problems[0].what.find("CRC") != std::string::npos);
    CHECK(problems[0].what.find("the wheel is not packed") != std::string::npos);

    // Without the member check (freeze: it checks what it reads), the wheel is listed.
    Report unchecked;
    o.check_archive_members = false;
    CHECK(index(scan_environment(fake_python(), o, unchecked)).count("demo") == 1);
    CHECK(unchecked.skipped_count() == 0);
}

TEST_CASE("a .zip root loses only the member that fails its CRC") {
    TempTree t;
    const fs::path zip = t.dir / "lib.zip";
    damaged_zip(zip, {{"good.py", "GOOD = 'intact'\n"}, {"bad.py", "BAD = 'damaged'\n"}}, "damaged");
    Report report;
    ScanOptions o;
    o.paths = {zip.string()};
    auto m = index(scan_environment(fake_python(), o, report));
    CHECK(m.count("good") == 1);
    CHECK(m.count("bad") == 0);
    REQUIRE(report.skipped_count() == 1);
    CHECK(report.sorted()[0].path == zip.string() + "!bad.py");
    CHECK(report.sorted()[0].what.find("skipped") != std::string::npos);
}

TEST_CASE("a file above the warning size is packed with a warning giving its size, one above the limit is skipped") {
    TempTree t;
    t.file("r/pkg/__init__.py", "");
    t.file("r/pkg/big.bin", std::string(3000, 'x'));
    t.file("r/pkg/huge.bin", std::string(9000, 'x'));
    t.file("r/pkg/small.bin", std::string(100, 'x'));
    t.file("r/other/filtered.bin", std::string(3000, 'x'));
    Report report;
    ScanOptions o;
    o.paths = {(t.dir / "r").string()};
    o.warn_file_size = 2048;
    o.max_file_size = 8192;
    o.exclude = {"other/*"};
    ScanResult r = scan_environment(fake_python(), o, report);
    CHECK(index(r).count("pkg/big.bin") == 1);
    CHECK(index(r).count("pkg/huge.bin") == 0);
    CHECK(report.skipped_count() == 1);  // huge.bin
    REQUIRE(report.warning_count() == 1);
    for (const auto& p : report.sorted()) {
        if (!p.warning) continue;
        CHECK(p.path == (t.dir / "r/pkg/big.bin").string());
        CHECK(p.what.find("3000 bytes (2.9 KiB)") != std::string::npos);
        CHECK_FALSE(p.skipped);
    }
}

TEST_CASE("a wheel whose WHEEL file fails its CRC names that member, checked or not") {
    TempTree t;
    const fs::path wheel = t.dir / "demo-1.0-py3-none-any.whl";
    damaged_zip(wheel, kDemoWheel, "Wheel-Version");
    for (bool check : {true, false}) {
        Report report;
        ScanOptions o;
        o.paths = {wheel.string()};
        o.check_archive_members = check;
        CHECK(index(scan_environment(fake_python(), o, report)).empty());
        REQUIRE(report.skipped_count() == 1);
        CHECK(report.sorted()[0].path == wheel.string() + "!demo-1.0.dist-info/WHEEL");
        CHECK(report.sorted()[0].what.find("CRC") != std::string::npos);
    }
}
