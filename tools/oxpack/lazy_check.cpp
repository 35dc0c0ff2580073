#include "lazy_check.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "freeze/profile.hpp"
#include "lazy_check_prelude_py.hpp"
#include "runtime_files.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace oxpack::cli {
namespace {

namespace fs = std::filesystem;

struct Outcome {
    int exit_code = 0;
    bool timed_out = false;
    std::string output;
    bool operator==(const Outcome& o) const {
        return exit_code == o.exit_code && timed_out == o.timed_out && output == o.output;
    }
};

std::string join(const std::vector<std::string>& names) {
    std::string s;
    for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
    return s;
}

// Where two outputs first differ, for the message.
std::string first_difference(const Outcome& eager, const Outcome& lazy) {
    if (eager.exit_code != lazy.exit_code)
        return "exit status " + std::to_string(eager.exit_code) + " eagerly, " + std::to_string(lazy.exit_code) +
               " lazily";
    size_t line = 1, at = 0;
    const std::string &a = eager.output, &b = lazy.output;
    while (at < a.size() && at < b.size() && a[at] == b[at]) {
        if (a[at] == '\n') ++line;
        ++at;
    }
    auto line_at = [&](const std::string& s) {
        size_t start = s.rfind('\n', at == 0 ? 0 : at - 1);
        start = start == std::string::npos || at == 0 ? 0 : start + 1;
        size_t end = s.find('\n', at);
        std::string l = s.substr(start, end == std::string::npos ? std::string::npos : end - start);
        return l.size() > 200 ? l.substr(0, 200) + "..." : l;
    };
    return "output line " + std::to_string(line) + ":\n  eager: " + line_at(a) + "\n  lazy:  " + line_at(b);
}

// A private temporary file, removed with this object.
struct TempFile {
    std::string path;
    int fd = -1;
    explicit TempFile(const char* name) {
        std::string tmpl = (fs::temp_directory_path() / name).string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        fd = ::mkstemp(buf.data());
        if (fd < 0)
            throw Failure(Exit::Io, "--lazy check: cannot create a temporary file: " + std::string(std::strerror(errno)));
        path = buf.data();
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        ::close(fd);
        ::unlink(path.c_str());
    }
};

class Runner {
public:
    Runner(const LazyCheck& check, std::string runtime, std::string blob)
        : check_(check), runtime_(std::move(runtime)), blob_(std::move(blob)) {}

    // The command with the blob installed and `lazy` as $OXPACK_LAZY ("0":
    // eagerly). Throws when no Python process of it installed the blob.
    Outcome run(const std::string& lazy) {
        const std::string prelude(reinterpret_cast<const char*>(kLazyCheckPrelude), kLazyCheckPrelude_size);
        if (::ftruncate(stamp_.fd, 0) != 0)
            throw Failure(Exit::Io, stamp_.path + ": " + std::string(std::strerror(errno)));
        auto r = freeze::run_injected(check_.argv, prelude,
                                      {"OXPACK_CHECK_RUNTIME=" + runtime_, "OXPACK_BLOB=" + blob_,
                                       "OXPACK_LAZY=" + lazy, "OXPACK_STALE=ignore", "OXPACK_CHECK_STAMP=" + stamp_.path},
                                      check_.timeout);
        ++runs_;
        struct stat st {};
        if (::fstat(stamp_.fd, &st) != 0 || st.st_size == 0)
            throw Failure(Exit::BadInput, "--lazy check: no Python process of " + check_.what +
                                              " installed the blob (does it run Python with -I, -E or -S, or not at "
                                              "all?). Its output ended with:\n" +
                                              r.output.substr(r.output.size() > 2000 ? r.output.size() - 2000 : 0));
        return {r.exit_code, r.timed_out, std::move(r.output)};
    }
    int runs() const { return runs_; }

private:
    const LazyCheck& check_;
    std::string runtime_, blob_;
    TempFile stamp_{"oxpack-lazy-check-stamp-XXXXXX"};
    int runs_ = 0;
};

}  // namespace

void check_lazy_set(const LazyCheck& check, const scan::Interpreter& py,
                    std::span<const std::span<const unsigned char>> image, const std::vector<std::string>& lazy) {
    if (lazy.empty()) {
        spdlog::info("--lazy check: the lazy set is empty; nothing to check");
        return;
    }
    auto runtime = find_runtime_extension(py.target.cache_tag);
    if (!runtime)
        throw Failure(Exit::BadInput, "--lazy check: no oxpack_runtime for " + py.target.cache_tag +
                                          " on this machine (set OXPACK_RUNTIME_DIR, or pip install oxpack for that "
                                          "interpreter)");
    // The blob as it will be written, in a private temporary file.
    TempFile blob("oxpack-lazy-check-XXXXXX");
    util::write_all_fd(blob.fd, image, blob.path);

    Runner runner(check, *runtime, blob.path);
    spdlog::info("--lazy check: running {} eagerly and with {} lazy module(s)", check.what, lazy.size());
    Outcome eager = runner.run("0");
    if (eager.timed_out)
        throw Failure(Exit::BadInput, "--lazy check: " + check.what + " did not finish in " +
                                          std::to_string(static_cast<int>(check.timeout)) + " s (--profile-timeout)");
    Outcome with_set = runner.run(join(lazy));
    if (with_set == eager) {
        spdlog::info("--lazy check: {} printed the same eagerly and lazily", check.what);
        return;
    }
    if (!(runner.run("0") == eager))
        throw Failure(Exit::BadInput, "--lazy check: " + check.what +
                                          " does not print the same thing twice when run eagerly, so its output "
                                          "cannot tell whether the lazy set changes it (use --lazy auto)");
    // Halve the set while its deferral alone still changes the output.
    std::vector<std::string> suspects = lazy;
    while (suspects.size() > 1) {
        std::vector<std::string> first(suspects.begin(), suspects.begin() + static_cast<long>(suspects.size() / 2));
        std::vector<std::string> second(suspects.begin() + static_cast<long>(suspects.size() / 2), suspects.end());
        if (!(runner.run(join(first)) == eager))
            suspects = std::move(first);
        else if (!(runner.run(join(second)) == eager))
            suspects = std::move(second);
        else
            break;  // only some modules together make the difference
    }
    std::string culprit = suspects.size() == 1
                              ? "deferring " + suspects.front() + " alone makes the difference; --lazy-exclude it"
                              : "no single module makes it (" + std::to_string(suspects.size()) +
                                    " together do); narrow the set with --lazy-exclude";
    throw Failure(Exit::CheckFailed, "--lazy check: " + check.what + " prints something else with the lazy set (" +
                                         std::to_string(lazy.size()) + " modules) than eagerly, at " +
                                         first_difference(eager, with_set) + "\n" + culprit + " (" +
                                         std::to_string(runner.runs()) + " runs)");
}

}  // namespace oxpack::cli
