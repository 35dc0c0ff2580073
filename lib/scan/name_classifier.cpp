#include "scan/name_classifier.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

namespace oxpack::scan {
namespace fs = std::filesystem;
using format::InputEntry;
using format::Kind;
using format::Space;

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string dotted(const std::vector<std::string>& parts, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        if (i) s += '.';
        s += parts[i];
    }
    return s;
}

bool read_file(const fs::path& p, std::string& out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (!in && !in.eof()) return false;
    out = std::move(ss).str();
    return true;
}

}  // namespace

void classify_by_name(const std::string& root, uint16_t root_index, const format::Target& target,
                      std::vector<InputEntry>& out, NameScanReport& report) {
    std::vector<fs::path> files;
    std::set<std::string> init_dirs;  // relative dirs holding an __init__ source
    std::error_code ec;
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
    if (ec) {
        report.problems.push_back(root + ": cannot read directory: " + ec.message() + "; skipped");
        return;
    }
    for (; it != end; it.increment(ec)) {
        if (ec) {
            report.problems.push_back(root + ": " + ec.message());
            ec.clear();
            continue;
        }
        if (!it->is_regular_file(ec)) continue;
        fs::path rel = it->path().lexically_relative(root);
        files.push_back(rel);
        if (rel.filename() == "__init__.py") init_dirs.insert(rel.parent_path().generic_string());
    }
    std::sort(files.begin(), files.end());

    // Keys already taken, by this root or an earlier one: the first root wins,
    // as PathFinder would find it first.
    std::set<std::tuple<Space, std::string, Kind>> seen;
    for (const InputEntry& prev : out) seen.emplace(prev.space, prev.key, prev.kind);
    for (const fs::path& rel : files) {
        std::string rel_s = rel.generic_string();
        std::vector<std::string> parts;
        for (const auto& p : rel) parts.push_back(p.string());
        const std::string& name = parts.back();
        InputEntry e;
        e.root = root_index;
        e.path = rel_s;

        bool in_metadata = std::any_of(parts.begin(), parts.end() - 1, [](const std::string& p) {
            return ends_with(p, ".dist-info") || ends_with(p, ".egg-info");
        });
        std::string ext_suffix;
        for (const auto& s : target.extension_suffixes)
            if (ends_with(name, s) && s.size() > ext_suffix.size()) ext_suffix = s;

        if (in_metadata) {
            e.space = Space::Distribution;
            e.kind = Kind::Metadata;
            e.key = rel_s;
        } else if (parts.size() >= 2 && parts[parts.size() - 2] == "__pycache__" && ends_with(name, ".pyc")) {
            // NAME.TAG[.opt-N].pyc
            std::string stem = name.substr(0, name.size() - 4);
            e.kind = Kind::Bytecode0;
            if (ends_with(stem, ".opt-1")) e.kind = Kind::Bytecode1, stem.resize(stem.size() - 6);
            else if (ends_with(stem, ".opt-2")) e.kind = Kind::Bytecode2, stem.resize(stem.size() - 6);
            std::string tag = "." + target.cache_tag;
            if (!ends_with(stem, tag)) continue;  // another interpreter's bytecode
            stem.resize(stem.size() - tag.size());
            std::vector<std::string> mod(parts.begin(), parts.end() - 2);
            if (stem == "__init__") e.flags = format::kFlagPackage;
            else mod.push_back(stem);
            if (mod.empty()) continue;
            e.space = Space::Module;
            e.key = dotted(mod, mod.size());
        } else if (ends_with(name, ".py") || !ext_suffix.empty() || (ends_with(name, ".pyc"))) {
            size_t cut = ends_with(name, ".py") ? 3 : !ext_suffix.empty() ? ext_suffix.size() : 4;
            e.kind = ends_with(name, ".py") ? Kind::Source : !ext_suffix.empty() ? Kind::Extension : Kind::Bytecode0;
            std::string stem = name.substr(0, name.size() - cut);
            std::vector<std::string> mod(parts.begin(), parts.end() - 1);
            if (stem == "__init__") e.flags = format::kFlagPackage;
            else mod.push_back(stem);
            if (mod.empty()) continue;
            e.space = Space::Module;
            e.key = dotted(mod, mod.size());
        } else if (parts.size() == 1) {
            e.space = Space::File;
            e.kind = Kind::File;
            e.key = rel_s;
        } else {
            // The resource belongs to the deepest enclosing package, else the top directory.
            size_t pkg_len = 1;
            for (size_t n = parts.size() - 1; n >= 1; --n) {
                fs::path d;
                for (size_t i = 0; i < n; ++i) d /= parts[i];
                if (init_dirs.count(d.generic_string())) {
                    pkg_len = n;
                    break;
                }
            }
            std::string res;
            for (size_t i = pkg_len; i < parts.size(); ++i) res += (i > pkg_len ? "/" : "") + parts[i];
            e.space = Space::Resource;
            e.kind = Kind::Resource;
            e.key = dotted(parts, pkg_len) + "/" + res;
        }
        if (!seen.emplace(e.space, e.key, e.kind).second) {
            report.problems.push_back(root + "/" + rel_s + ": shadowed by an earlier file for '" + e.key + "'; skipped");
            continue;
        }
        if (!read_file(fs::path(root) / rel, e.data)) {
            report.problems.push_back(root + "/" + rel_s + ": cannot read; skipped");
            continue;
        }
        out.push_back(std::move(e));
    }
}

}  // namespace oxpack::scan
