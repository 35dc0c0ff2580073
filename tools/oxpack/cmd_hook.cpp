// oxpack hook: install (or remove, or show) the startup hook in an
// environment: the oxpack_runtime built for its interpreter plus a .pth
// file, so that any `python` there, and its child processes, serve imports
// from the blobs named in $OXPACK_BLOB (':'-separated; $OXPACK_ORIGIN and
// $OXPACK_STALE apply). Without $OXPACK_BLOB the hook does nothing.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.hpp"
#include "core/atomic_file.hpp"
#include "core/error.hpp"
#include "output.hpp"
#include "runtime_files.hpp"
#include "scan/interpreter.hpp"

namespace oxpack::cli {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPthName = "oxpack_runtime.pth";
constexpr const char* kPthLine =
    "import os; os.environ.get('OXPACK_BLOB') and __import__('oxpack_runtime').activate_from_env()\n";

std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Failure(Exit::BadInput, path + ": cannot read");
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

// Writes `data` to `path` unless it already holds exactly that: installing
// again changes nothing on disk, so site-packages keeps its mtime and a blob
// frozen after the first install is not reported stale.
void write_if_changed(const std::string& path, const std::string& data) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec) && fs::file_size(path, ec) == data.size() && !ec && read_all(path) == data) return;
    core::write_file_atomic(path, std::span(reinterpret_cast<const unsigned char*>(data.data()), data.size()));
    ::chmod(path.c_str(), 0644);
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
        std::string ext_name = "oxpack_runtime" + (py.target.extension_suffixes.empty()
                                                        ? std::string(".so")
                                                        : py.target.extension_suffixes.front());
        const std::string ext_dst = (fs::path(site) / ext_name).string();

        if (o->action == "install") {
            auto ext = find_runtime_extension(py.target.cache_tag);
            if (!ext)
                throw Failure(Exit::BadInput, "no oxpack_runtime built for " + py.target.cache_tag +
                                                  " (build it, or set OXPACK_RUNTIME_DIR)");
            write_if_changed(ext_dst, read_all(*ext));
            write_if_changed(pth, kPthLine);
        } else if (o->action == "remove") {
            std::error_code ec;
            fs::remove(pth, ec);
            fs::remove(ext_dst, ec);
        }
        bool installed = fs::exists(pth) && fs::exists(ext_dst);
        if (o->json) {
            print_json({{"action", o->action}, {"installed", installed}, {"pth", pth}, {"extension", ext_dst},
                        {"python", py.sys_executable}});
        } else if (o->action == "status") {
            std::cout << (installed ? "installed: " + pth + " and " + ext_dst : "not installed in " + site) << "\n";
        }
        return 0;
    };
}

}  // namespace oxpack::cli
