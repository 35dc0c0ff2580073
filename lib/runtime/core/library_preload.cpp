#include "runtime/core/library_preload.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace oxpack::runtime {
namespace {

constexpr const char* kSearchVariables[] = {"LD_LIBRARY_PATH", "LD_PRELOAD", "LD_AUDIT", "GLIBC_TUNABLES"};

// The environment the process started with (what the dynamic loader read).
std::string initial_environment() {
    std::string out;
    int fd = ::open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    char buf[16384];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

bool holds_variable(std::string_view environ_block, std::string_view name) {
    size_t pos = 0;
    while (pos < environ_block.size()) {
        size_t end = environ_block.find('\0', pos);
        if (end == std::string_view::npos) end = environ_block.size();
        std::string_view var = environ_block.substr(pos, end - pos);
        if (var.size() > name.size() && var.substr(0, name.size()) == name && var[name.size()] == '=') return true;
        pos = end + 1;
    }
    return false;
}

}  // namespace

std::string loader_search_changed_by_environment() {
    for (const char* v : kSearchVariables)
        if (const char* s = std::getenv(v); s != nullptr) return v;
    std::string initial = initial_environment();
    for (const char* v : kSearchVariables)
        if (holds_variable(initial, v)) return v;
    return {};
}

bool LibraryPreload::check() {
    if (state_ != State::Unchecked) return state_ == State::On;
    state_ = State::Off;
    if (record_.empty()) {
        reason_ = "the blob holds no SharedLibraries record";
        return false;
    }
    auto decoded = format::decode_shared_libraries(record_, "blob");
    if (!decoded) {
        reason_ = decoded.error().message;
        return false;
    }
    if (std::string var = loader_search_changed_by_environment(); !var.empty()) {
        reason_ = var + " is set: the dynamic loader's search differs from the one recorded";
        return false;
    }
    for (const auto& g : decoded->guards) {
        if (format::guard_state(g.path) != g) {
            reason_ = g.path + " changed since the blob was made";
            return false;
        }
    }
    table_ = std::move(*decoded);
    done_.assign(table_.libraries.size(), 0);
    record_.clear();
    record_.shrink_to_fit();
    state_ = State::On;
    return true;
}

size_t LibraryPreload::before_load(std::string_view module, int flags) {
    if (state_ == State::Off || (state_ == State::Unchecked && !check())) return 0;
    const format::SharedLibraries::Module* m = table_.find(module);
    if (m == nullptr) return 0;
    size_t loaded = 0;
    for (uint32_t i : m->libraries) {
        if (done_[i] == 1) continue;
        if (done_[i] == 2) break;  // it did not load: leave the rest to the dynamic loader
        // Never closed: the extension about to load keeps it in use, as
        // the libraries the dynamic loader would have found for it.
        if (::dlopen(table_.libraries[i].c_str(), flags) == nullptr) {
            (void)::dlerror();
            done_[i] = 2;
            break;
        }
        done_[i] = 1;
        ++loaded;
    }
    return loaded;
}

}  // namespace oxpack::runtime
