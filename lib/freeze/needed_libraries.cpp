#include "freeze/needed_libraries.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "elf/elf_deps.hpp"
#include "format/writer_payloads.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

namespace oxpack::freeze {
namespace {

// Library name (as DT_NEEDED says it) -> the path the loader found.
using Resolution = std::map<std::string, std::string>;

// `ld.so --list OBJECT`, without the variables that change the search:
// nullopt when the loader refuses the object or a library is not found.
std::optional<Resolution> list(const std::string& loader, const std::string& object) {
    util::RunResult r;
    try {
        r = util::run_capture({"env", "-u", "LD_LIBRARY_PATH", "-u", "LD_PRELOAD", "-u", "LD_AUDIT", "-u",
                               "GLIBC_TUNABLES", loader, "--list", object});
    } catch (const Failure&) {
        return std::nullopt;
    }
    if (r.exit_code != 0) return std::nullopt;
    Resolution out;
    size_t pos = 0;
    while (pos < r.out.size()) {
        size_t end = r.out.find('\n', pos);
        if (end == std::string::npos) end = r.out.size();
        std::string_view line(r.out.data() + pos, end - pos);
        pos = end + 1;
        // "\tlibssl.so.3 => /lib/x86_64-linux-gnu/libssl.so.3 (0x...)"; the
        // vDSO and the loader itself have no "=>".
        size_t arrow = line.find(" => ");
        if (arrow == std::string_view::npos) continue;
        std::string_view name = line.substr(0, arrow);
        while (!name.empty() && (name.front() == '\t' || name.front() == ' ')) name.remove_prefix(1);
        std::string_view rest = line.substr(arrow + 4);
        if (rest.substr(0, 9) == "not found") return std::nullopt;
        size_t paren = rest.rfind(" (0x");
        std::string_view path = paren == std::string_view::npos ? rest : rest.substr(0, paren);
        if (path.empty() || path.front() != '/') return std::nullopt;
        out.emplace(std::string(name), std::string(path));
    }
    return out;
}

std::optional<elf::ElfDeps> read_deps(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto d = elf::read_elf_deps(bytes);
    if (!d) return std::nullopt;
    return std::move(*d);
}

std::string dirname_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == 0 ? "/" : path.substr(0, slash);
}

bool under(const std::string& path, const std::string& root) {
    return path.size() > root.size() && path.compare(0, root.size(), root) == 0 && path[root.size()] == '/';
}

// An object's search directories, $ORIGIN expanded; nullopt when one is
// relative or uses another token (its meaning is not fixed at freeze).
std::optional<std::vector<std::string>> search_dirs(const elf::ElfDeps& d, const std::string& object) {
    std::vector<std::string> out;
    for (std::string e : d.rpath) {
        for (const char* token : {"${ORIGIN}", "$ORIGIN"}) {
            for (size_t at; (at = e.find(token)) != std::string::npos;)
                e.replace(at, std::char_traits<char>::length(token), dirname_of(object));
        }
        if (e.empty() || e.front() != '/' || e.find('$') != std::string::npos) return std::nullopt;
        out.push_back(e);
    }
    return out;
}

// What one extension contributes: its libraries in load order and the
// directories whose state its resolution depends on.
struct PerExtension {
    bool ok = false;
    std::vector<std::string> libraries;
    std::set<std::string> guard_dirs;
};

// Files' ELF dependencies, read once whatever thread asks.
class DepsCache {
public:
    const elf::ElfDeps* get(const std::string& path) {
        std::lock_guard lock(mu_);
        auto it = cache_.find(path);
        if (it == cache_.end()) it = cache_.emplace(path, read_deps(path)).first;
        return it->second ? &*it->second : nullptr;
    }

private:
    std::mutex mu_;
    std::map<std::string, std::optional<elf::ElfDeps>> cache_;
};

PerExtension resolve_one(const std::string& loader, const ExtensionFile& ext, const std::vector<std::string>& roots,
                         const std::set<std::string>& at_start, DepsCache& cache) {
    PerExtension out;
    auto resolution = list(loader, ext.path);
    if (!resolution) return out;
    const elf::ElfDeps* top = cache.get(ext.path);
    if (top == nullptr) return out;
    // Depth first from the extension's DT_NEEDED: a library after
    // everything it needs. Libraries loaded at start are matched by name
    // in the process and never searched: neither followed nor recorded.
    std::set<std::string> seen;
    bool ok = true;
    std::function<void(const std::string&, const elf::ElfDeps&)> visit = [&](const std::string& object,
                                                                             const elf::ElfDeps& d) {
        auto dirs = search_dirs(d, object);
        if (!dirs) {
            ok = false;
            return;
        }
        out.guard_dirs.insert(dirs->begin(), dirs->end());
        for (const std::string& name : d.needed) {
            auto it = resolution->find(name);
            if (it == resolution->end()) continue;  // the loader itself, or matched by its soname already
            const std::string& path = it->second;
            if (at_start.count(path) || !seen.insert(path).second) continue;
            const elf::ElfDeps* sub = cache.get(path);
            if (sub == nullptr) {
                ok = false;
                return;
            }
            visit(path, *sub);
            if (!ok) return;
            bool ours = std::any_of(roots.begin(), roots.end(), [&](const std::string& r) { return under(path, r); });
            if (!ours) {
                out.libraries.push_back(path);
                out.guard_dirs.insert(dirname_of(path));
            }
        }
    };
    visit(ext.path, *top);
    out.ok = ok;
    return out;
}

bool is_dir(const std::string& path) {
    struct stat sb;
    return ::stat(path.c_str(), &sb) == 0 && S_ISDIR(sb.st_mode);
}

}  // namespace

std::string dynamic_loader() {
#if defined(__linux__) && defined(__x86_64__) && defined(__GLIBC__)
    const char* p = "/lib64/ld-linux-x86-64.so.2";
    return ::access(p, X_OK) == 0 ? p : "";
#else
    return "";
#endif
}

NeededLibraries resolve_needed_libraries(const std::vector<ExtensionFile>& extensions,
                                         const std::vector<std::string>& roots, const std::string& interpreter,
                                         unsigned threads) {
    NeededLibraries out;
    if (extensions.empty()) return out;
    const std::string loader = dynamic_loader();
    if (loader.empty()) {
        out.none_because = "no dynamic loader known for this platform";
        return out;
    }
    DepsCache cache;
    // The interpreter: what it loads at start is never searched for again;
    // a DT_RPATH anywhere there would change every later search.
    auto start = list(loader, interpreter);
    if (!start) {
        out.none_because = "'" + loader + " --list " + interpreter + "' failed";
        return out;
    }
    std::set<std::string> at_start;
    std::vector<std::string> start_objects{interpreter};
    for (const auto& [name, path] : *start) {
        at_start.insert(path);
        start_objects.push_back(path);
    }
    for (const auto& o : start_objects) {
        const elf::ElfDeps* d = cache.get(o);
        if (d == nullptr) {
            out.none_because = o + ": not a readable ELF object";
            return out;
        }
        if (d->has_rpath) {
            out.none_because = o + " has a DT_RPATH, which every library search of the process would use";
            return out;
        }
    }

    std::vector<PerExtension> per(extensions.size());
    format::detail::on_threads(threads, extensions.size(), [&](auto& next) {
        for (size_t k; next(k);) per[k] = resolve_one(loader, extensions[k], roots, at_start, cache);
    });

    std::map<std::string, uint32_t> library_index;
    std::set<std::string> guard_dirs;
    std::map<std::string, std::vector<uint32_t>> modules;
    for (size_t k = 0; k < extensions.size(); ++k) {
        if (!per[k].ok) {
            ++out.extensions_skipped;
            continue;
        }
        guard_dirs.insert(per[k].guard_dirs.begin(), per[k].guard_dirs.end());
        if (per[k].libraries.empty()) continue;
        std::vector<uint32_t>& libs = modules[extensions[k].module];
        for (const auto& path : per[k].libraries) {
            auto [it, added] = library_index.emplace(path, static_cast<uint32_t>(out.table.libraries.size()));
            if (added) out.table.libraries.push_back(path);
            libs.push_back(it->second);
        }
    }
    if (modules.empty()) return out;
    for (auto& [name, libs] : modules) out.table.modules.push_back({name, std::move(libs)});
    // The guards: each directory, the hardware-capability subdirectories the
    // loader tries below it that exist (their contents are not covered by
    // the directory's own mtime), and the loader's cache.
    std::set<std::string> guards{"/etc/ld.so.cache"};
    for (const auto& dir : guard_dirs) {
        guards.insert(dir);
        for (const char* sub : {"glibc-hwcaps", "tls", "x86_64"}) {
            std::string s = dir + "/" + sub;
            if (!is_dir(s)) continue;
            guards.insert(s);
            for (const char* sub2 : {"x86-64-v2", "x86-64-v3", "x86-64-v4", "x86_64"})
                if (is_dir(s + "/" + sub2)) guards.insert(s + "/" + sub2);
        }
    }
    for (const auto& g : guards) out.table.guards.push_back(format::guard_state(g));
    return out;
}

}  // namespace oxpack::freeze
