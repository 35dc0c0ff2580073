#include "runtime_files.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "util/error.hpp"
#include "util/process.hpp"

namespace oxpack::cli {
namespace fs = std::filesystem;

namespace {

std::optional<std::string> extension_in(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return std::nullopt;
    std::vector<std::string> found;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::string name = e.path().filename().string();
        if (name.rfind("oxpack_runtime.", 0) == 0 && name.size() > 3 && name.substr(name.size() - 3) == ".so")
            found.push_back(e.path().string());
    }
    if (found.empty()) return std::nullopt;
    std::sort(found.begin(), found.end());
    return found.front();
}

fs::path self_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path(".") : exe.parent_path();
}

}  // namespace

std::optional<std::string> find_runtime_extension(const std::string& cache_tag) {
    std::vector<fs::path> dirs;
    if (const char* env = std::getenv("OXPACK_RUNTIME_DIR"); env && *env) {
        dirs.push_back(fs::path(env) / cache_tag);
        dirs.push_back(fs::path(env));
    }
    fs::path here = self_dir();
    dirs.push_back(here / "python" / cache_tag);
    dirs.push_back(here.parent_path() / "lib" / "oxpack" / "python" / cache_tag);
    // The wheel: site-packages/oxpack/_bin/oxpack beside site-packages/oxpack_runtime.<tag>-*.so.
    dirs.push_back(here.parent_path().parent_path());
    for (const auto& d : dirs) {
        auto found = extension_in(d);
        // An extension name carries its tag: "oxpack_runtime.cpython-311-x86_64-linux-gnu.so".
        if (found && fs::path(*found).filename().string().find(cache_tag + "-") != std::string::npos) return found;
        if (found && d.filename() == cache_tag) return found;
    }
    return std::nullopt;
}

std::optional<std::string> interpreter_cache_tag(const std::string& python) {
    try {
        auto r = util::run_capture({python, "-S", "-c", "import sys; print(sys.implementation.cache_tag)"});
        if (r.exit_code != 0) return std::nullopt;
        std::string tag = r.out;
        while (!tag.empty() && (tag.back() == '\n' || tag.back() == '\r')) tag.pop_back();
        return tag;
    } catch (const Failure&) {
        return std::nullopt;
    }
}

std::string find_interpreter(const std::string& cache_tag, const std::string& version) {
    std::string mm = version.substr(0, version.rfind('.'));  // "3.11.7" -> "3.11"
    std::vector<std::string> candidates = {"python" + mm, "python3", "python"};
    const char* root_env = std::getenv("PYENV_ROOT");
    const char* home = std::getenv("HOME");
    fs::path pyenv = root_env && *root_env ? fs::path(root_env) : home ? fs::path(home) / ".pyenv" : fs::path();
    std::error_code ec;
    if (!pyenv.empty() && fs::is_directory(pyenv / "versions", ec)) {
        std::vector<std::string> found;
        for (const auto& e : fs::directory_iterator(pyenv / "versions", ec)) {
            std::string v = e.path().filename().string();
            if (v == mm || v.rfind(mm + ".", 0) == 0) found.push_back((e.path() / "bin" / ("python" + mm)).string());
        }
        std::sort(found.begin(), found.end());
        candidates.insert(candidates.end(), found.begin(), found.end());
    }
    std::string tried;
    for (const auto& c : candidates) {
        if (auto tag = interpreter_cache_tag(c); tag && *tag == cache_tag) return c;
        tried += (tried.empty() ? "" : ", ") + c;
    }
    throw Failure(Exit::BadInput, "no interpreter for " + cache_tag + " (tried " + tried + "); name one with --python");
}

}  // namespace oxpack::cli
