// oxpack extract: every file back at its relative path under a directory.
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "core/error.hpp"
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
        size_t written = 0, skipped = 0;
        for (uint32_t i = 0; i < blob.entry_count(); ++i) {
            auto e = entry_at(blob, i);
            if (e.kind == static_cast<uint8_t>(format::Kind::Namespace) || !e.known_kind()) continue;
            auto rel = safe_relative(e.path);
            if (!rel) {
                spdlog::warn("{}: entry '{}' has path '{}' that would escape {}; skipped", o->blob, e.key, e.path, o->out);
                ++skipped;
                continue;
            }
            fs::path dest = fs::path(o->out);
            if (per_root && e.root != format::kNoRoot && e.root < info.roots.size())
                dest /= root_dir_name(e.root, info.roots[e.root].path);
            dest /= *rel;
            if (through_symlink(o->out, dest)) {
                spdlog::warn("{}: entry '{}' would be written through a symbolic link under {}; skipped", o->blob,
                             e.key, o->out);
                ++skipped;
                continue;
            }
            if (!o->overwrite && fs::exists(fs::symlink_status(dest))) {
                spdlog::warn("{}: already exists; skipped (use --overwrite)", dest.string());
                ++skipped;
                continue;
            }
            auto payload = unwrap(blob.payload(e), Exit::BadInput);
            fs::create_directories(dest.parent_path(), ec);
            if (ec) throw Failure(Exit::Io, dest.parent_path().string() + ": cannot create directory: " + ec.message());
            fs::remove(dest, ec);  // never write through a symlink that was there
            std::ofstream f(dest, std::ios::binary | std::ios::trunc);
            f.write(reinterpret_cast<const char*>(payload.data()), static_cast<std::streamsize>(payload.size()));
            f.close();
            if (!f) throw Failure(Exit::Io, dest.string() + ": write failed");
            ++written;
        }
        spdlog::info("{}: {} files written to {}", o->blob, written, o->out);
        return skipped ? static_cast<int>(Exit::Partial) : 0;
    };
}

}  // namespace oxpack::cli
