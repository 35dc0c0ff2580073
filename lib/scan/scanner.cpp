// scan_environment: which roots, walking them, .pth files, wheels, then
// resolution (resolve.cpp) and filters (filters.cpp).
#include "scan/scanner.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <set>
#include <thread>

#include "util/error.hpp"
#include "util/size.hpp"
#include "scan/archive.hpp"
#include "scan/dir_walk.hpp"
#include "scan/filters.hpp"
#include "scan/names.hpp"
#include "scan/pth.hpp"
#include "scan/resolve.hpp"

namespace oxpack::scan {
namespace fs = std::filesystem;
namespace {

std::string normalize(const std::string& p) {
    std::string s = fs::absolute(p).lexically_normal().string();
    while (s.size() > 1 && s.back() == '/') s.pop_back();
    return s;
}

std::string real(const std::string& p) {
    std::error_code ec;
    auto r = fs::canonical(p, ec);
    return ec ? p : r.string();
}

TargetTags target_tags(const Interpreter& py) {
    TargetTags t;
    t.minor = py.version_minor;
    auto dash = py.sysconfig_platform.find('-');
    t.os = py.sysconfig_platform.substr(0, dash);
    t.arch = dash == std::string::npos ? "" : py.sysconfig_platform.substr(dash + 1);
    if (starts_with(py.libc, "glibc ")) {
        std::string v = py.libc.substr(6);
        t.glibc_major = std::atoi(v.c_str());
        auto dot = v.find('.');
        t.glibc_minor = dot == std::string::npos ? 0 : std::atoi(v.c_str() + dot + 1);
    }
    return t;
}

// The wheels of a directory that holds wheels and nothing importable, sorted;
// empty for any other directory.
std::vector<std::string> wheels_only(const std::string& path) {
    std::vector<std::string> wheels;
    bool other = false;
    std::error_code ec;
    for (auto it = fs::directory_iterator(path, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (ends_with(name, ".whl") && it->is_regular_file(ec)) wheels.push_back(it->path().string());
        else if (ends_with(name, ".py") || ends_with(name, ".dist-info") || ends_with(name, ".egg-info") ||
                 ends_with(name, ".so") || (it->is_directory(ec) && fs::exists(it->path() / "__init__.py", ec)))
            other = true;
    }
    if (other) return {};
    std::sort(wheels.begin(), wheels.end());
    return wheels;
}

class RootCollector {
public:
    RootCollector(const Interpreter& py, const ScanOptions& opt, Report& report)
        : py_(py), opt_(opt), report_(report), tags_(target_tags(py)) {
        for (const auto& s : {py.stdlib, py.platstdlib})
            if (!s.empty()) stdlib_.insert(real(s));
    }

    // Adds a candidate root. `explicit_arg`: given on the command line.
    void add(const std::string& raw, const std::string& added_by, bool explicit_arg) {
        std::string path = normalize(raw);
        if (!seen_.insert(real(path)).second) return;
        struct stat st;
        if (::stat(path.c_str(), &st) != 0) {
            if (explicit_arg) throw Failure(Exit::BadInput, path + ": " + std::strerror(errno));
            report_.note(path, "sys.path entry does not exist; nothing to scan");
            return;
        }
        ScanRoot r;
        r.path = path;
        r.added_by = added_by;
        r.mtime_ns = static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000ull + st.st_mtim.tv_nsec;
        r.size = static_cast<uint64_t>(st.st_size);
        if (S_ISDIR(st.st_mode)) {
            if (wheel_directory(path)) return;
            r.type = format::RootType::Directory;
            r.stdlib = stdlib_.count(real(path)) > 0;
        } else if (S_ISREG(st.st_mode)) {
            auto w = parse_wheel_filename(fs::path(path).filename().string());
            r.type = w ? format::RootType::Wheel : format::RootType::Zip;
            r.wheel = w;
            if (w) {
                std::string why;
                if (!wheel_supported(*w, tags_, why)) {
                    report_.problem(path, "wheel not usable by the target (" + why + "); not packed");
                    return;
                }
            }
        } else {
            report_.problem(path, "not a directory, wheel or zip file; skipped");
            return;
        }
        roots_.push_back(std::move(r));
    }

    // A directory holding wheels and nothing importable: each wheel is a root.
    bool wheel_directory(const std::string& path) {
        std::vector<std::string> wheels = wheels_only(path);
        for (const auto& w : wheels) add(w, "wheel directory " + path, false);
        return !wheels.empty();
    }

    std::vector<ScanRoot>& roots() { return roots_; }

    const Interpreter& py_;
    const ScanOptions& opt_;
    Report& report_;
    TargetTags tags_;
    std::set<std::string> stdlib_;
    std::set<std::string> seen_;
    std::vector<ScanRoot> roots_;
};

std::string read_small_file(const std::string& path) {
    std::string data;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return data;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
    std::fclose(f);
    return data;
}

// Reads every member of an archive root through once (several threads,
// each with its own handle), so that a member damaged on disk (its CRC) is
// reported with its path and not packed. A wheel is installed whole or not
// at all (pip refuses a damaged one): any damaged member leaves the whole
// wheel out; a .zip root loses just that member (zipimport would serve the
// others, unchecked). Returns true when the wheel was left out.
bool drop_damaged_members(ScanRoot& r, unsigned threads, Report& report) {
    std::vector<Node*> files;
    std::function<void(Node&)> collect = [&](Node& n) {
        for (auto& c : n.children)
            if (c.is_dir) collect(c);
            else if (c.member >= 0) files.push_back(&c);
    };
    collect(r.tree);
    std::vector<char> bad(files.size(), 0);
    std::atomic<size_t> next{0};
    auto work = [&] {
        std::string err;
        auto a = Archive::open(r.path, err);
        for (size_t k; (k = next.fetch_add(1)) < files.size();) {
            if (a && a->check(files[k]->member, err)) continue;
            bad[k] = 1;
            report.problem(r.path + "!" + files[k]->origin,
                           "damaged member (" + err + "); " + (r.wheel ? "the wheel is not packed" : "skipped"));
        }
    };
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads && t * 64 < files.size(); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (std::find(bad.begin(), bad.end(), 1) == bad.end()) return false;
    if (r.wheel) {
        r.tree = Node{};
        r.tree.is_dir = true;
        return true;
    }
    std::set<const Node*> gone;
    for (size_t k = 0; k < files.size(); ++k)
        if (bad[k]) gone.insert(files[k]);
    std::function<void(Node&)> prune = [&](Node& n) {
        std::erase_if(n.children, [&](const Node& c) { return gone.count(&c) > 0; });
        for (auto& c : n.children)
            if (c.is_dir) prune(c);
    };
    prune(r.tree);
    return false;
}

// Lists an archive root into its tree; for wheels checks WHEEL and RECORD.
// `check_members`: see drop_damaged_members.
void load_archive(ScanRoot& r, bool check_members, unsigned threads, Report& report) {
    std::string err;
    auto a = Archive::open(r.path, err);
    if (!a) {
        report.problem(r.path, err + "; skipped");
        return;
    }
    std::string data_dir;
    if (r.wheel) data_dir = r.wheel->distribution + "-" + r.wheel->version + ".data";
    r.tree = a->list([&](const std::string& m) { return r.wheel ? wheel_install_path(m, data_dir) : m; }, report);
    if (check_members && drop_damaged_members(r, threads, report)) return;
    if (!r.wheel) return;
    // WHEEL and RECORD live in "<name>-<version>.dist-info/".
    std::string info_dir = r.wheel->distribution + "-" + r.wheel->version + ".dist-info";
    std::string text;
    int64_t wi = a->find(info_dir + "/WHEEL");
    if (wi < 0 || !a->read(wi, text, err)) {
        if (wi < 0) report.problem(r.path, "no " + info_dir + "/WHEEL; not a valid wheel, skipped");
        else report.problem(r.path + "!" + info_dir + "/WHEEL", "cannot read: " + err + "; the wheel is not packed");
        r.tree = Node{};
        r.tree.is_dir = true;
        return;
    }
    if (text.find("Wheel-Version: 1.") == std::string::npos) {
        report.problem(r.path, "unsupported Wheel-Version (oxpack reads 1.x); skipped");
        r.tree = Node{};
        r.tree.is_dir = true;
        return;
    }
    int64_t ri = a->find(info_dir + "/RECORD");
    if (ri < 0) {
        report.note(r.path, "no " + info_dir + "/RECORD; members not cross-checked");
        return;
    }
    if (!a->read(ri, text, err)) {
        // Damaged: the freeze, reading it, leaves the whole wheel out (freeze_scan).
        report.problem(r.path + "!" + info_dir + "/RECORD", "cannot read: " + err + "; skipped");
        return;
    }
    std::set<std::string> listed;
    for (const auto& [path, size] : parse_record(text)) {
        listed.insert(path);
        int64_t mi = a->find(path);
        if (mi < 0) report.note(r.path + "!" + path, "listed in RECORD but missing from the wheel");
    }
    std::function<void(const Node&)> check = [&](const Node& n) {
        for (const auto& c : n.children) {
            if (c.is_dir) check(c);
            else if (!listed.count(c.origin) && !ends_with(c.origin, "/RECORD.jws") && !ends_with(c.origin, "/RECORD.p7s"))
                report.note(r.path + "!" + c.origin, "not listed in RECORD");
        }
    };
    check(r.tree);
}

void count_foreign_pycs(const Node& n, const std::string& tag, ScanStats& stats) {
    for (const auto& c : n.children) {
        if (!c.is_dir) continue;
        if (c.name == "__pycache__") {
            for (const auto& f : c.children)
                if (!f.is_dir && ends_with(f.name, ".pyc") && f.name.find("." + tag + ".") == std::string::npos)
                    ++stats.pyc_foreign;
        } else {
            count_foreign_pycs(c, tag, stats);
        }
    }
}

// Directory roots walked while the interpreter is still being probed.
struct WalkAhead {
    std::string path;  // normalized, as RootCollector names the root
    Node tree;
    std::vector<WalkedDir> seen;
    Report report;     // the walk's problems, replayed once pruned
};

// Walks the explicit PATHs that are directory roots, as walk_directory
// would with no other roots to avoid (prune_walk corrects that later).
std::vector<std::unique_ptr<WalkAhead>> walk_ahead(const ScanOptions& options) {
    std::vector<std::unique_ptr<WalkAhead>> out;
    std::set<std::string> seen;
    WalkOptions wo;
    wo.threads = options.threads;
    for (const auto& p : options.paths) {
        std::string path = normalize(p);
        struct stat st;
        if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || !seen.insert(real(path)).second) continue;
        if (!wheels_only(path).empty()) continue;  // a wheel directory: its wheels are the roots
        auto w = std::make_unique<WalkAhead>();
        w->path = path;
        w->tree = walk_directory(path, wo, w->report, &w->seen);
        out.push_back(std::move(w));
    }
    return out;
}

ScanResult scan_with(const Interpreter& py, const ScanOptions& options, Report& report,
                     std::vector<std::unique_ptr<WalkAhead>> ahead) {
    RootCollector collect(py, options, report);
    if (options.paths.empty())
        for (const auto& p : py.sys_path) collect.add(p, "sys.path", false);
    else
        for (const auto& p : options.paths) collect.add(p, "argument", true);

    // Directories never walked as part of another root: every root, and
    // every sys.path entry of the target (site-packages inside the stdlib).
    WalkOptions wo;
    wo.threads = options.threads;
    std::set<std::pair<dev_t, ino_t>> all_roots;
    auto add_id = [&](const std::string& p) {
        struct stat st;
        if (::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) all_roots.emplace(st.st_dev, st.st_ino);
    };
    for (const auto& p : py.sys_path) add_id(p);
    for (const auto& p : py.site_packages) add_id(p);

    ScanResult result;
    // Roots can grow while walking (.pth path lines): walk until none is new.
    for (size_t i = 0; i < collect.roots().size(); ++i) {
        for (const auto& r : collect.roots()) add_id(r.path);
        ScanRoot& r = collect.roots()[i];
        if (r.type == format::RootType::Directory) {
            wo.other_roots = all_roots;
            struct stat st;
            if (::stat(r.path.c_str(), &st) == 0) wo.other_roots.erase({st.st_dev, st.st_ino});
            auto walked = std::find_if(ahead.begin(), ahead.end(), [&](const auto& w) { return w && w->path == r.path; });
            if (walked != ahead.end()) {
                WalkAhead& w = **walked;
                prune_walk(w.tree, w.path, std::move(w.seen), wo.other_roots, w.report, report);
                r.tree = std::move(w.tree);
                walked->reset();
            } else {
                r.tree = walk_directory(r.path, wo, report);
            }
            // .pth files, in name order as site reads them.
            std::vector<std::string> pths;
            for (const auto& c : r.tree.children)
                if (!c.is_dir && ends_with(c.name, ".pth")) pths.push_back(c.name);
            std::string dir = r.path;  // r may move when roots grow
            for (const auto& name : pths) {
                std::string file = dir + "/" + name;
                PthContent pc = parse_pth(read_small_file(file), dir);
                for (const auto& line : pc.import_lines)
                    report.note(file, "import line not executed (oxpack never runs .pth code): " +
                                          (line.size() > 120 ? line.substr(0, 117) + "..." : line));
                for (const auto& p : pc.paths) {
                    struct stat pst;
                    if (::stat(p.c_str(), &pst) != 0) continue;  // site skips missing paths silently
                    collect.add(p, name, false);
                }
            }
        } else {
            load_archive(r, options.check_archive_members, options.threads, report);
        }
    }
    result.roots = std::move(collect.roots());
    if (result.roots.size() >= format::kNoRoot) throw Failure(Exit::Usage, "too many roots");
    for (const auto& r : result.roots) count_foreign_pycs(r.tree, py.target.cache_tag, result.stats);

    resolve_roots(py, result, report);

    // Files too big to pack are reported and left out.
    for (Item& it : result.items)
        if (it.size > options.max_file_size) {
            report.problem(item_location(result, it), "file of " + std::to_string(it.size) +
                                                          " bytes is larger than the limit (" +
                                                          std::to_string(options.max_file_size) + "); skipped");
            it.excluded = "too large";
        }
    apply_filters(result, options);
    // Big ones are packed whole, but not silently: the blob (and the
    // freeze's memory) grows by as much.
    for (const Item& it : result.items)
        if (it.excluded.empty() && it.size > options.warn_file_size)
            report.warning(item_location(result, it),
                           "large file: " + std::to_string(it.size) + " bytes (" + util::human_size(it.size) +
                               "), packed whole (--max-file-size SIZE leaves out bigger files)");
    // Sorted through an index (moving whole Items around is what costs),
    // most comparisons settled by the keys' first 8 bytes as one integer.
    struct SortKey {
        uint64_t head;  // big-endian first bytes of the key, zero-padded (keys hold no NUL)
        uint32_t index;
    };
    std::vector<SortKey> order(result.items.size());
    for (uint32_t i = 0; i < order.size(); ++i) {
        const std::string& key = result.items[i].key;
        uint64_t head = 0;
        for (size_t b = 0; b < 8; ++b) head = head << 8 | (b < key.size() ? static_cast<unsigned char>(key[b]) : 0u);
        order[i] = {head, i};
    }
    std::sort(order.begin(), order.end(), [&](const SortKey& a, const SortKey& b) {
        const Item &x = result.items[a.index], &y = result.items[b.index];
        if (x.space != y.space) return x.space < y.space;
        if (a.head != b.head) return a.head < b.head;
        return std::tie(x.key, x.kind, a.index) < std::tie(y.key, y.kind, b.index);
    });
    std::vector<Item> sorted;
    sorted.reserve(order.size());
    for (const SortKey& k : order) sorted.push_back(std::move(result.items[k.index]));
    result.items = std::move(sorted);
    std::sort(result.shadowed.begin(), result.shadowed.end(),
              [](const Shadowed& a, const Shadowed& b) { return std::tie(a.name, a.path) < std::tie(b.name, b.path); });
    return result;
}

}  // namespace

std::string item_location(const ScanResult& scan, const Item& item) {
    const ScanRoot& r = scan.roots[item.root];
    return item.member >= 0 ? r.path + "!" + item.path : r.path + "/" + item.path;
}

ScanResult scan_environment(const Interpreter& python, const ScanOptions& options, Report& report) {
    return scan_with(python, options, report, {});
}

ScanResult scan_environment(const std::shared_future<Interpreter>& python, const ScanOptions& options,
                            Report& report) {
    auto ahead = walk_ahead(options);
    return scan_with(python.get(), options, report, std::move(ahead));
}

}  // namespace oxpack::scan
