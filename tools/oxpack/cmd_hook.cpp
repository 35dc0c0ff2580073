// oxpack hook: install (or remove, or show) the startup hook in an
// environment: a .pth file, so that any `python` there, and its child
// processes, serve imports from the blobs named in $OXPACK_BLOB
// (':'-separated; $OXPACK_ORIGIN, $OXPACK_STALE and $OXPACK_VERIFY apply).
// Without $OXPACK_BLOB the hook does nothing.
//
// The hook uses the oxpack_runtime the environment already has (pip install
// oxpack puts one there); only when it has none does install copy in the
// one built for its interpreter. Every file install writes is recorded,
// with its checksum, in a manifest beside the .pth, and remove deletes only
// those, only while they still hold what was written, and never one that a
// distribution's RECORD lists (pip owns it then).
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/process.hpp"
#include "output.hpp"
#include "runtime_files.hpp"
#include "scan/interpreter.hpp"

namespace oxpack::cli {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPthName = "oxpack_runtime.pth";
constexpr const char* kManifestName = "oxpack_hook.manifest";
constexpr const char* kPthLine =
    "import os; os.environ.get('OXPACK_BLOB') and __import__('oxpack_runtime').activate_from_env()\n";

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Failure(Exit::BadInput, path + ": cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

std::string digest(const std::string& data) { return hex64(format::checksum(data.data(), data.size())); }

// Writes `data` to `path` unless it already holds exactly that: installing
// again changes nothing on disk, so site-packages keeps its mtime and a blob
// frozen after the first install is not reported stale.
void write_if_changed(const std::string& path, const std::string& data) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == data.size() && !ec && read_all(path) == data) return;
    util::write_file_atomic(path, std::span(reinterpret_cast<const unsigned char*>(data.data()), data.size()));
    ::chmod(path.c_str(), 0644);
}

// The manifest: "<xxh3-64 hex>  <file name in site>" per file install wrote.
using Manifest = std::map<std::string, std::string>;  // name -> checksum

Manifest read_manifest(const std::string& path) {
    Manifest m;
    std::error_code ec;
    if (!fs::exists(path, ec)) return m;
    std::istringstream in(read_all(path));
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        size_t sep = line.find("  ");
        if (sep == std::string::npos || line.find('/', sep + 2) != std::string::npos)
            throw Failure(Exit::BadInput, path + ": not an oxpack hook manifest (line '" + line + "')");
        m[line.substr(sep + 2)] = line.substr(0, sep);
    }
    return m;
}

void write_manifest(const std::string& path, const Manifest& m) {
    std::string text =
        "# Files `oxpack hook install` wrote into this directory; `oxpack hook remove` deletes these and nothing "
        "else.\n";
    for (const auto& [name, sum] : m) text += sum + "  " + name + "\n";
    write_if_changed(path, text);
}

// The distribution whose RECORD lists `name` (a file directly in `site`), or "".
std::string record_owner(const std::string& site, const std::string& name) {
    std::error_code ec;
    for (const auto& d : fs::directory_iterator(site, ec)) {
        std::string dir = d.path().filename().string();
        if (dir.size() < 10 || dir.substr(dir.size() - 10) != ".dist-info") continue;
        std::ifstream record(d.path() / "RECORD");
        for (std::string line; std::getline(record, line);)
            if (line.rfind(name + ",", 0) == 0) return dir;
    }
    return "";
}

// Where the interpreter imports oxpack_runtime from without the hook's help
// ("" when it cannot): its own environment, as python runs there
// ($OXPACK_BLOB and $PYTHONPATH left out).
std::string installed_runtime(const std::string& python) {
    auto r = util::run_capture({"env", "-u", "OXPACK_BLOB", "-u", "PYTHONPATH", python, "-c",
                                "import importlib.util as u; s = u.find_spec('oxpack_runtime'); "
                                "print(s.origin if s and s.origin else '')"});
    if (r.exit_code != 0) throw Failure(Exit::BadInput, python + ": cannot ask it for oxpack_runtime: " + r.err);
    std::string path = r.out;
    while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
    return path;
}

bool same_file(const std::string& a, const std::string& b) {
    std::error_code ec;
    return !a.empty() && !b.empty() && fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec);
}

}  // namespace

Action setup_hook(CLI::App& app) {
    struct Opts {
        std::string action;
        std::string python = "python3";
        std::string site;
        bool json = false;
    };
    auto o = std::make_shared<Opts>();
    app.add_option("ACTION", o->action, "install, remove or status")
        ->required()
        ->check(CLI::IsMember({"install", "remove", "status"}));
    app.add_option("--python", o->python, "The environment's interpreter (default: python3 on PATH)");
    app.add_option("--site", o->site, "Directory to put the hook in (default: the interpreter's site-packages)");
    app.add_flag("--json", o->json, "Print the result as JSON");
    return [o] {
        scan::Interpreter py = scan::probe_interpreter(o->python);
        std::string site = o->site.empty() ? py.purelib : o->site;
        if (site.empty() || !fs::is_directory(site))
            throw Failure(Exit::BadInput, o->python + ": no site-packages directory (" + site + "); use --site");
        const std::string pth = (fs::path(site) / kPthName).string();
        const std::string manifest_path = (fs::path(site) / kManifestName).string();
        std::string ext_name = "oxpack_runtime" + (py.target.extension_suffixes.empty()
                                                        ? std::string(".so")
                                                        : py.target.extension_suffixes.front());
        const std::string ext_dst = (fs::path(site) / ext_name).string();
        Manifest manifest = read_manifest(manifest_path);
        std::vector<std::string> removed, kept;

        if (o->action == "install") {
            std::string runtime = installed_runtime(py.sys_executable.empty() ? o->python : py.sys_executable);
            const bool ours = !runtime.empty() && same_file(runtime, ext_dst) && manifest.count(ext_name) &&
                              record_owner(site, ext_name).empty();
            if (runtime.empty() || ours) {
                // No runtime of its own (or the copy an earlier install made): ours.
                auto ext = find_runtime_extension(py.target.cache_tag);
                if (!ext)
                    throw Failure(Exit::BadInput, "no oxpack_runtime built for " + py.target.cache_tag +
                                                      " (pip install oxpack into that environment, build it, or set "
                                                      "OXPACK_RUNTIME_DIR)");
                std::string data = read_all(*ext);
                write_if_changed(ext_dst, data);
                manifest[ext_name] = digest(data);
                spdlog::info("hook: copied {} to {}", *ext, ext_dst);
            } else {
                spdlog::info("hook: using the environment's own oxpack_runtime ({})", runtime);
            }
            write_if_changed(pth, kPthLine);
            manifest[kPthName] = digest(kPthLine);
            write_manifest(manifest_path, manifest);
        } else if (o->action == "remove") {
            std::error_code ec;
            if (manifest.empty() && fs::exists(pth, ec) && read_all(pth) == kPthLine) {
                // A hook from before manifests: the .pth holds our line; a runtime beside it may be pip's.
                manifest[kPthName] = digest(kPthLine);
                if (fs::exists(ext_dst, ec) && record_owner(site, ext_name).empty())
                    spdlog::warn("hook: left {}: no record says oxpack hook wrote it (delete it by hand if it did)",
                                 ext_dst);
            }
            for (const auto& [name, sum] : manifest) {
                const std::string file = (fs::path(site) / name).string();
                if (!fs::exists(file, ec)) continue;
                if (std::string owner = record_owner(site, name); !owner.empty()) {
                    spdlog::warn("hook: left {}: {} lists it in its RECORD (pip owns it now)", file, owner);
                    kept.push_back(file);
                } else if (digest(read_all(file)) != sum) {
                    spdlog::warn("hook: left {}: it changed after oxpack hook wrote it", file);
                    kept.push_back(file);
                } else if (fs::remove(file, ec); ec) {
                    throw Failure(Exit::Io, file + ": cannot remove: " + ec.message());
                } else {
                    removed.push_back(file);
                }
            }
            fs::remove(manifest_path, ec);
        }
        std::error_code ec;
        std::string runtime = fs::exists(pth, ec) ? installed_runtime(py.sys_executable.empty() ? o->python
                                                                                                : py.sys_executable)
                                                  : std::string();
        bool installed = fs::exists(pth, ec) && !runtime.empty();
        if (o->json) {
            nlohmann::json j = {{"action", o->action}, {"installed", installed}, {"pth", pth},
                                {"runtime", runtime.empty() ? nlohmann::json(nullptr) : nlohmann::json(runtime)},
                                {"extension", runtime.empty() ? nlohmann::json(nullptr) : nlohmann::json(runtime)},
                                {"runtime_written_by_hook", manifest.count(ext_name) > 0 && o->action != "remove"},
                                {"python", py.sys_executable}};
            if (o->action == "remove") j["removed"] = removed, j["kept"] = kept;
            print_json(j);
        } else if (o->action == "status") {
            std::cout << (installed ? "installed: " + pth + ", runtime " + runtime +
                                          (manifest.count(ext_name) ? " (copied in by oxpack hook)" : "")
                                    : "not installed in " + site)
                      << "\n";
        }
        return 0;
    };
}

}  // namespace oxpack::cli
