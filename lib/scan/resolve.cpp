// The import-system model: one directory listing at a time (FileFinder's
// view), names resolved along the search path (PathFinder's view).
#include "scan/resolve.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <set>
#include <unordered_map>

#include "scan/archive.hpp"
#include "scan/names.hpp"
#include "scan/pyc.hpp"

namespace oxpack::scan {
namespace {

using format::Kind;
using format::Space;

struct Loc {
    uint16_t root;
    const Node* dir;
    std::string rel;  // root-relative directory ("" at the root)
};

struct Hit {
    enum What { Package, Module, Namespace } what = Module;
    const Node* dir = nullptr;   // package / namespace directory
    const Node* file = nullptr;  // the module file, or the package's __init__
    const Node* zip_pyc = nullptr;  // zip roots: NAME.pyc beside NAME.py
};

struct Listing {
    std::map<std::string, Hit> names;
    std::vector<const Node*> files;  // not modules: resources (or root files)
    std::vector<const Node*> dirs;   // not packages: their files are resources (or root files)
};

class Resolver {
public:
    Resolver(const Interpreter& py, ScanResult& out, Report& report) : py_(py), out_(out), report_(report) {
        pyc_.magic = py.magic_bytes;
        pyc_.version_minor = py.version_minor;
        const auto& t = py.target;
        dir_suffixes_ = t.extension_suffixes;
        dir_suffixes_.insert(dir_suffixes_.end(), t.source_suffixes.begin(), t.source_suffixes.end());
        dir_suffixes_.insert(dir_suffixes_.end(), t.bytecode_suffixes.begin(), t.bytecode_suffixes.end());
        zip_suffixes_ = t.source_suffixes;
        zip_suffixes_.insert(zip_suffixes_.end(), t.bytecode_suffixes.begin(), t.bytecode_suffixes.end());
    }

    void run() {
        std::vector<Loc> locs;
        for (size_t i = 0; i < out_.roots.size(); ++i)
            locs.push_back({static_cast<uint16_t>(i), &out_.roots[i].tree, ""});
        resolve("", locs, true);
    }

private:
    bool is_zip(uint16_t root) const { return out_.roots[root].type == format::RootType::Zip; }
    const std::vector<std::string>& suffixes(uint16_t root) const { return is_zip(root) ? zip_suffixes_ : dir_suffixes_; }

    // The suffix's rank in the finder's order, or -1.
    int rank(uint16_t root, std::string_view file_name, std::string_view& stem) const {
        const auto& s = suffixes(root);
        std::string_view best = match_suffix(file_name, s);
        if (best.empty()) return -1;
        stem = file_name.substr(0, file_name.size() - best.size());
        for (size_t i = 0; i < s.size(); ++i)
            if (s[i] == best) return static_cast<int>(i);
        return -1;
    }

    const Node* find_init(uint16_t root, const Node& dir) const {
        for (const auto& s : suffixes(root))
            if (const Node* f = dir.file("__init__" + s)) return f;
        return nullptr;
    }

    bool importable(uint16_t root, const Node& dir) {
        auto key = std::make_pair(root, &dir);
        if (auto it = memo_.find(key); it != memo_.end()) return it->second;
        bool found = false;
        for (const auto& c : dir.children) {
            if (c.is_dir) {
                if (c.name != "__pycache__" && is_module_name(c.name) && (find_init(root, c) || importable(root, c)))
                    found = true;
            } else {
                std::string_view stem;
                if (rank(root, c.name, stem) >= 0 && is_module_name(stem)) found = true;
            }
            if (found) break;
        }
        memo_[key] = found;
        return found;
    }

    std::string where(const Loc& l, const Node& n) const {
        const ScanRoot& r = out_.roots[l.root];
        if (n.member >= 0) return r.path + "!" + n.origin;
        return r.path + "/" + join_path(l.rel, n.name);
    }
    std::string where_dir(const Loc& l) const {
        return l.rel.empty() ? out_.roots[l.root].path : out_.roots[l.root].path + "/" + l.rel;
    }

    Listing list(const Loc& l, bool top) {
        Listing lst;
        std::map<std::string, std::vector<std::pair<int, const Node*>>> module_files;
        std::map<std::string, const Node*> ns_dirs;
        const bool zip = is_zip(l.root);
        for (const auto& c : l.dir->children) {
            if (c.is_dir) {
                if (c.name == "__pycache__") continue;
                if (is_module_name(c.name)) {
                    if (const Node* init = find_init(l.root, c)) {
                        lst.names[c.name] = Hit{Hit::Package, &c, init, zip ? c.file("__init__.pyc") : nullptr};
                        continue;
                    }
                    if (importable(l.root, c)) {
                        ns_dirs[c.name] = &c;
                        continue;
                    }
                }
                lst.dirs.push_back(&c);
                continue;
            }
            std::string_view stem;
            int r = rank(l.root, c.name, stem);
            if (r >= 0 && stem == "__init__" && !top) continue;  // the package's own init: handled by the parent
            if (r >= 0 && is_module_name(stem) && stem != "__init__") module_files[std::string(stem)].push_back({r, &c});
            else lst.files.push_back(&c);
        }
        for (auto& [stem, files] : module_files) {
            std::sort(files.begin(), files.end());
            if (lst.names.count(stem)) {  // a package directory comes first
                for (auto& [r, f] : files) {
                    report_.note(where(l, *f), "not importable: package '" + stem + "' of the same name comes first; kept as data");
                    lst.files.push_back(f);
                }
                continue;
            }
            Hit h{Hit::Module, nullptr, files[0].second, nullptr};
            for (size_t k = 1; k < files.size(); ++k) {
                const Node* f = files[k].second;
                bool pyc = ends_with(f->name, ".pyc");
                if (zip && pyc && h.zip_pyc == nullptr && !ends_with(h.file->name, ".pyc")) {
                    h.zip_pyc = f;  // zipimport's bytecode for NAME.py
                } else if (pyc && !zip) {
                    report_.note(where(l, *f), "legacy bytecode beside its source is not used by Python 3; not packed");
                    ++out_.stats.pyc_stale;
                } else {
                    report_.note(where(l, *f), "not importable: " + h.file->name + " comes first in the finder's order; kept as data");
                    lst.files.push_back(f);
                }
            }
            lst.names[stem] = h;
            if (auto it = ns_dirs.find(stem); it != ns_dirs.end()) {
                lst.dirs.push_back(it->second);
                ns_dirs.erase(it);
            }
        }
        for (auto& [name, d] : ns_dirs) lst.names[name] = Hit{Hit::Namespace, d, nullptr, nullptr};
        return lst;
    }

    Item make_item(const Loc& l, const Node& n, Space space, Kind kind, std::string key, uint16_t flags) const {
        Item it;
        it.space = space;
        it.kind = kind;
        it.flags = flags;
        it.key = std::move(key);
        it.path = n.member >= 0 ? n.origin : join_path(l.rel, n.name);
        it.root = l.root;
        it.size = n.size;
        it.mtime_ns = n.mtime_ns;
        it.member = n.member;
        return it;
    }

    bool read_node(const Loc& l, const Node& n, std::string& data) {
        const ScanRoot& r = out_.roots[l.root];
        std::string err;
        if (n.member >= 0) {
            auto a = Archive::open(r.path, err);
            return a && a->read(n.member, data, err);
        }
        std::string p = r.path + "/" + join_path(l.rel, n.name);
        int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) return false;
        data.resize(n.size);
        size_t done = 0;
        while (done < data.size()) {
            ssize_t k = ::read(fd, data.data() + done, data.size() - done);
            if (k <= 0) break;
            done += static_cast<size_t>(k);
        }
        ::close(fd);
        data.resize(done);
        return done == n.size;
    }

    // Emits the bytecode of a module whose source is `src` (in `l`).
    void emit_bytecode(const Loc& l, const Node& src, const std::string& stem, const Hit& h, const std::string& name,
                       uint16_t flags, const Loc& file_loc) {
        SourceStamp stamp{src.size, src.mtime_ns, is_zip(l.root)};
        auto check = [&](const Loc& pl, const Node& pyc, Kind kind) {
            PycStatus s = check_pyc(pyc.head, pyc_, stamp);
            if (s == PycStatus::NeedSource) {
                std::string data;
                if (!read_node(file_loc, src, data)) {
                    ++out_.stats.pyc_stale;
                    return;
                }
                std::string_view view(data);
                s = check_pyc(pyc.head, pyc_, stamp, &view);
            }
            if (s == PycStatus::Valid) {
                ++out_.stats.pyc_valid;
                out_.items.push_back(make_item(pl, pyc, Space::Module, kind, name, flags));
            } else if (s == PycStatus::Stale) {
                ++out_.stats.pyc_stale;
            } else {
                report_.problem(where(pl, pyc), "bytecode " + std::string(to_string(s)) + " for " + py_.target.cache_tag +
                                                    "; not used (compiled from source instead)");
            }
        };
        if (is_zip(l.root)) {
            if (h.zip_pyc) check(file_loc, *h.zip_pyc, Kind::Bytecode0);
            return;
        }
        const Node* cache = file_loc.dir->dir("__pycache__");
        if (!cache) return;
        Loc cl{l.root, cache, join_path(file_loc.rel, "__pycache__")};
        const std::string base = stem + "." + py_.target.cache_tag;
        if (const Node* p = cache->file(base + ".pyc")) check(cl, *p, Kind::Bytecode0);
        if (const Node* p = cache->file(base + ".opt-1.pyc")) check(cl, *p, Kind::Bytecode1);
        if (const Node* p = cache->file(base + ".opt-2.pyc")) check(cl, *p, Kind::Bytecode2);
    }

    void emit_module(const Loc& l, const std::string& stem, const Hit& h, const std::string& name) {
        uint16_t flags = h.what == Hit::Package ? format::kFlagPackage : 0;
        Loc file_loc = h.what == Hit::Package ? Loc{l.root, h.dir, join_path(l.rel, stem)} : l;
        const Node& f = *h.file;
        std::string_view fstem;
        int r = rank(l.root, f.name, fstem);
        const auto& t = py_.target;
        const size_t n_ext = is_zip(l.root) ? 0 : t.extension_suffixes.size();
        const size_t n_src = t.source_suffixes.size();
        if (r < static_cast<int>(n_ext)) {
            out_.items.push_back(make_item(file_loc, f, Space::Module, Kind::Extension, name, flags));
        } else if (r < static_cast<int>(n_ext + n_src)) {
            out_.items.push_back(make_item(file_loc, f, Space::Module, Kind::Source, name, flags));
            emit_bytecode(l, f, std::string(fstem), h, name, flags, file_loc);
        } else {  // sourceless NAME.pyc
            PycStatus s = check_pyc(f.head, pyc_, std::nullopt);
            if (s == PycStatus::Valid) out_.items.push_back(make_item(file_loc, f, Space::Module, Kind::Bytecode0, name, flags));
            else
                report_.problem(where(file_loc, f), "sourceless bytecode: " + std::string(to_string(s)) + " for " +
                                                        t.cache_tag + "; module '" + name + "' skipped");
        }
    }

    // Files of `dir` (recursively, skipping __pycache__) as resources of
    // `package`, or as root files when `package` is empty.
    void emit_data(const Loc& l, const Node& n, const std::string& package, const std::string& rel_in_pkg) {
        if (n.is_dir) {
            if (n.name == "__pycache__") return;
            Loc sub{l.root, &n, join_path(l.rel, n.name)};
            for (const auto& c : n.children) emit_data(sub, c, package, join_path(rel_in_pkg, n.name));
            return;
        }
        std::string rel = join_path(rel_in_pkg, n.name);
        Item it = package.empty() ? make_item(l, n, Space::File, Kind::File, join_path(l.rel, n.name), 0)
                                  : make_item(l, n, Space::Resource, Kind::Resource, package + "/" + rel, 0);
        it.package = package;
        add_unique(std::move(it));
    }

    // Keeps the first item of each (space, key); later ones are shadowed.
    void add_unique(Item it) {
        auto [found, fresh] = data_keys_.try_emplace(std::make_pair(it.space, it.key), out_.items.size());
        if (!fresh) {
            out_.shadowed.push_back({it.key, item_location(out_, it), item_location(out_, out_.items[found->second])});
            return;
        }
        out_.items.push_back(std::move(it));
    }

    void emit_metadata(const Loc& l, const Node& n) {
        const std::string& dist_dir = n.name;  // "six-1.16.0.dist-info", "x.egg-info"
        if (auto found = dist_dirs_.find(dist_dir); found != dist_dirs_.end()) {
            out_.shadowed.push_back({dist_dir, where(l, n), found->second});
            return;
        }
        dist_dirs_.emplace(dist_dir, where(l, n));
        // Name and version from METADATA / PKG-INFO, else from the directory name.
        std::string name, version;
        const Node* meta = n.is_dir ? (n.file("METADATA") ? n.file("METADATA") : n.file("PKG-INFO")) : &n;
        Loc in{l.root, n.is_dir ? &n : l.dir, n.is_dir ? join_path(l.rel, n.name) : l.rel};
        std::string text;
        if (meta && read_node(in, *meta, text)) {
            size_t pos = 0;
            while (pos < text.size()) {
                size_t nl = text.find('\n', pos);
                std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
                pos = nl == std::string::npos ? text.size() : nl + 1;
                if (line.empty() || line == "\r") break;  // end of the headers
                if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
                if (starts_with(line, "Name:") && name.empty()) name = std::string(line.substr(5));
                else if (starts_with(line, "Version:") && version.empty()) version = std::string(line.substr(8));
            }
            auto trim = [](std::string& s) {
                s.erase(0, s.find_first_not_of(" \t"));
                s.erase(s.find_last_not_of(" \t") + 1);
            };
            trim(name);
            trim(version);
        }
        if (name.empty()) {
            std::string stem = dist_dir.substr(0, dist_dir.rfind('.'));
            size_t dash = stem.find('-');
            name = stem.substr(0, dash);
            if (dash != std::string::npos) version = stem.substr(dash + 1);
            report_.note(where(l, n), "no readable METADATA/PKG-INFO; distribution named after the directory");
        }
        auto add = [&](const Loc& fl, const Node& f, const std::string& key) {
            Item it = make_item(fl, f, Space::Distribution, Kind::Metadata, key, 0);
            it.distribution = name;
            it.version = version;
            out_.items.push_back(std::move(it));
        };
        if (!n.is_dir) {
            add(l, n, dist_dir + "/PKG-INFO");
            return;
        }
        // Every file below the metadata directory, keyed "<dir>/<relative path>".
        auto walk = [&](auto&& self, const Loc& dl, const Node& d, const std::string& prefix) -> void {
            for (const auto& c : d.children) {
                if (c.is_dir) self(self, Loc{dl.root, &c, join_path(dl.rel, c.name)}, c, join_path(prefix, c.name));
                else add(dl, c, dist_dir + "/" + join_path(prefix, c.name));
            }
        };
        walk(walk, in, n, "");
    }

    void emit_root_data(const Loc& l, const Node& n) {
        if (ends_with(n.name, ".dist-info") || ends_with(n.name, ".egg-info")) {
            emit_metadata(l, n);
            return;
        }
        emit_data(l, n, "", "");
    }

    void resolve(const std::string& prefix, const std::vector<Loc>& locs, bool top) {
        std::vector<Listing> listings;
        listings.reserve(locs.size());
        std::set<std::string> names;
        for (const auto& l : locs) {
            listings.push_back(list(l, top));
            for (const auto& [n, h] : listings.back().names) names.insert(n);
        }
        for (const auto& name : names) {
            const std::string full = join_dotted(prefix, name);
            int winner = -1;
            std::vector<size_t> portions;
            for (size_t i = 0; i < locs.size() && winner < 0; ++i) {
                auto it = listings[i].names.find(name);
                if (it == listings[i].names.end()) continue;
                if (it->second.what == Hit::Namespace) portions.push_back(i);
                else winner = static_cast<int>(i);
            }
            auto hit_where = [&](size_t i) {
                const Hit& h = listings[i].names.at(name);
                return h.what == Hit::Module ? where(locs[i], *h.file) : where_dir(locs[i]) + "/" + name;
            };
            if (winner >= 0) {
                const Hit& h = listings[winner].names.at(name);
                const std::string by = hit_where(winner);
                for (size_t i = 0; i < locs.size(); ++i)
                    if (static_cast<int>(i) != winner && listings[i].names.count(name))
                        out_.shadowed.push_back({full, hit_where(i), by});
                emit_module(locs[winner], name, h, full);
                if (h.what == Hit::Package)
                    resolve(full, {Loc{locs[winner].root, h.dir, join_path(locs[winner].rel, name)}}, false);
            } else {
                std::vector<Loc> sub;
                for (size_t i : portions) {
                    const Hit& h = listings[i].names.at(name);
                    sub.push_back(Loc{locs[i].root, h.dir, join_path(locs[i].rel, name)});
                }
                Item ns;
                ns.space = Space::Module;
                ns.kind = Kind::Namespace;
                ns.flags = format::kFlagPackage | format::kFlagNamespace;
                ns.key = full;
                ns.path = sub[0].rel;
                ns.root = sub[0].root;
                out_.items.push_back(std::move(ns));
                resolve(full, sub, false);
            }
        }
        for (size_t i = 0; i < locs.size(); ++i) {
            for (const Node* f : listings[i].files) {
                if (top) emit_root_data(locs[i], *f);
                else emit_data(locs[i], *f, prefix, "");
            }
            for (const Node* d : listings[i].dirs) {
                if (top) emit_root_data(locs[i], *d);
                else emit_data(locs[i], *d, prefix, "");
            }
        }
    }

    const Interpreter& py_;
    ScanResult& out_;
    Report& report_;
    PycTarget pyc_;
    std::vector<std::string> dir_suffixes_, zip_suffixes_;
    std::map<std::pair<uint16_t, const Node*>, bool> memo_;
    struct KeyHash {
        size_t operator()(const std::pair<Space, std::string>& k) const {
            return std::hash<std::string>()(k.second) ^ static_cast<size_t>(k.first);
        }
    };
    std::unordered_map<std::pair<Space, std::string>, size_t, KeyHash> data_keys_;  // -> index in out_.items
    std::map<std::string, std::string> dist_dirs_;
};

}  // namespace

void resolve_roots(const Interpreter& python, ScanResult& result, Report& report) {
    Resolver(python, result, report).run();
}

}  // namespace oxpack::scan
