// oxpack extract: every file back at its relative path under a directory.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <string_view>

#include "commands.hpp"
#include "util/error.hpp"
#include "output.hpp"

namespace oxpack::cli {
namespace fs = std::filesystem;
namespace {

// A relative path that stays inside the output directory, or nullopt.
std::optional<fs::path> safe_relative(std::string_view p) {
    if (p.empty() || p.front() == '/' || p.find('\0') != std::string_view::npos || p.find('\\') != std::string_view::npos)
        return std::nullopt;
    fs::path rel(p);
    for (const auto& part : rel)
        if (part == ".." || part == "." || part.empty()) return std::nullopt;
    return rel;
}

// True when a directory on the way from `base` to `dest` (exclusive) is a
// symbolic link: writing there would land outside the output directory.
bool through_symlink(const fs::path& base, const fs::path& dest) {
    fs::path rel = dest.lexically_relative(base), at = base;
    for (auto it = rel.begin(); it != rel.end() && std::next(it) != rel.end(); ++it) {
        at /= *it;
        std::error_code ec;
        if (fs::is_symlink(fs::symlink_status(at, ec))) return true;
    }
    return false;
}

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// Where a bytecode entry compiled during freeze goes. Such an entry has no
// file of its own: its path is its source's ("pkg/mod.py"). Beside a source
// in the blob it goes where the target's importer looks for cached bytecode
// (PEP 3147: "pkg/__pycache__/mod.cpython-311.opt-1.pyc"; unchecked-hash
// pycs, valid whatever the extracted source's mtime); with sources dropped,
// level 0 goes where a sourceless module is imported from ("pkg/mod.pyc").
// The entry's own path for any other entry; nullopt when the target has no
// cache tag to name the file with.
std::optional<std::string> file_path(const format::Entry& e, const format::Target& target, bool has_source) {
    const int level = format::bytecode_level(e.kind);
    if (level < 0) return std::string(e.path);
    std::string_view stem;
    for (const auto& suffix : target.source_suffixes)
        if (!suffix.empty() && ends_with(e.path, suffix) && e.path.size() > suffix.size()) {
            stem = e.path.substr(0, e.path.size() - suffix.size());
            break;
        }
    if (stem.empty()) return std::string(e.path);  // a .pyc file of the scanned tree
    const size_t slash = stem.rfind('/');
    const std::string_view dir = slash == std::string_view::npos ? std::string_view() : stem.substr(0, slash + 1);
    const std::string_view base = stem.substr(dir.size());
    if (!has_source && level == 0) return std::string(stem) + ".pyc";
    if (target.cache_tag.empty()) return std::nullopt;
    return std::string(dir) + "__pycache__/" + std::string(base) + "." + target.cache_tag +
           (level ? ".opt-" + std::to_string(level) : std::string()) + ".pyc";
}

// True when the module `key` has its source in the blob.
bool has_source(const format::Blob& blob, std::string_view key) {
    auto g = blob.find_module(key);
    if (!g || !g->found()) return false;
    auto first = blob.entry(g->first);
    return first && first->kind == static_cast<uint8_t>(format::Kind::Source);
}

std::string root_dir_name(size_t index, const std::string& root_path) {
    std::string base = fs::path(root_path).filename().string();
    if (base.empty() || base == "." || base == "..") base = "root";
    return std::to_string(index) + "-" + base;
}

}  // namespace

Action setup_extract(CLI::App& app) {
    struct Opts {
        std::string blob, out;
        bool overwrite = false;
    };
    auto o = std::make_shared<Opts>();
    app.add_option("BLOB", o->blob, "The blob to unpack")->required();
    app.add_option("-o,--output", o->out, "Directory to write into (created if missing)")->required();
    app.add_flag("--overwrite", o->overwrite, "Replace files that already exist");
    return [o] {
        auto blob = open_blob(o->blob);
        blob.advise_sequential();
        auto info = unwrap(blob.info(), Exit::BadInput);
        // One root: files go straight under DIR; several: DIR/<index>-<name>/.
        const bool per_root = info.roots.size() > 1;
        std::error_code ec;
        fs::create_directories(o->out, ec);
        if (ec) throw Failure(Exit::Io, o->out + ": cannot create directory: " + ec.message());
        // Payloads are read (and their checksums checked) before anything is
        // written: a damaged entry is named with its error and not written;
        // the intact ones are still extracted, and the exit code is 3.
        size_t written = 0, skipped = 0, damaged = 0;
        std::set<fs::path> ours;  // files this run wrote
        for (uint32_t i = 0; i < blob.entry_count(); ++i) {
            auto entry = blob.entry(i);
            if (!entry) {
                spdlog::error("{}", entry.error().message);
                ++damaged;
                continue;
            }
            const format::Entry& e = *entry;
            if (e.kind == static_cast<uint8_t>(format::Kind::Namespace) || !e.known_kind()) continue;
            const bool module = e.space == static_cast<uint8_t>(format::Space::Module);
            auto path = file_path(e, info.target, module && has_source(blob, e.key));
            if (!path) {
                spdlog::warn("{}: entry '{}' ({}): the target has no cache tag to name its compiled bytecode with; skipped",
                             o->blob, e.key, kind_name(e.kind));
                ++skipped;
                continue;
            }
            auto rel = safe_relative(*path);
            if (!rel) {
                spdlog::warn("{}: entry '{}' has path '{}' that would escape {}; skipped", o->blob, e.key, e.path, o->out);
                ++skipped;
                continue;
            }
            fs::path dest = fs::path(o->out);
            if (per_root && e.root != format::kNoRoot && e.root < info.roots.size())
                dest /= root_dir_name(e.root, info.roots[e.root].path);
            dest /= *rel;
            auto payload = blob.payload(e);
            if (!payload) {
                spdlog::error("{}; not written", payload.error().message);
                ++damaged;
                continue;
            }
            if (through_symlink(o->out, dest)) {
                spdlog::warn("{}: entry '{}' would be written through a symbolic link under {}; skipped", o->blob,
                             e.key, o->out);
                ++skipped;
                continue;
            }
            if (ours.count(dest)) {
                spdlog::warn("{}: entry '{}' ({}) has the path of an entry written before: {}; skipped", o->blob, e.key,
                             kind_name(e.kind), dest.string());
                ++skipped;
                continue;
            }
            if (!o->overwrite && fs::exists(fs::symlink_status(dest))) {
                spdlog::warn("{}: already exists; skipped (use --overwrite)", dest.string());
                ++skipped;
                continue;
            }
            fs::create_directories(dest.parent_path(), ec);
            if (ec) throw Failure(Exit::Io, dest.parent_path().string() + ": cannot create directory: " + ec.message());
            fs::remove(dest, ec);  // never write through a symlink that was there
            std::ofstream f(dest, std::ios::binary | std::ios::trunc);
            f.write(reinterpret_cast<const char*>(payload->data()), static_cast<std::streamsize>(payload->size()));
            f.close();
            if (!f) throw Failure(Exit::Io, dest.string() + ": write failed");
            ours.insert(dest);
            ++written;
        }
        spdlog::info("{}: {} files written to {}", o->blob, written, o->out);
        if (damaged) {
            spdlog::warn("{}: {} damaged entr{} not written (see the errors above); {} files written to {}", o->blob,
                         damaged, damaged == 1 ? "y" : "ies", written, o->out);
            return static_cast<int>(Exit::BadInput);
        }
        return skipped ? static_cast<int>(Exit::Partial) : 0;
    };
}

}  // namespace oxpack::cli
