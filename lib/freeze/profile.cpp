#include "freeze/profile.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "util/error.hpp"

extern char** environ;

namespace oxpack::freeze {
namespace {

namespace fs = std::filesystem;

// Python 3.8+. Imported by site.py as `sitecustomize` from the directory
// put first on PYTHONPATH.
constexpr std::string_view kRecorder = R"PY(# oxpack freeze --profile: records what this run imports and opens.
import os
import sys


def _oxpack_record():
    out = os.environ.get("OXPACK_PROFILE_OUT")
    here = os.path.dirname(os.path.abspath(__file__))
    # The application sees its usual sys.path.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    if not out:
        return
    fd = os.open(out, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600)
    seen = set()
    write = os.write
    fsdecode = os.fsdecode
    abspath = os.path.abspath
    busy = [False]

    def emit(kind, name):
        if (kind, name) in seen or "\n" in name:
            return
        seen.add((kind, name))
        try:
            write(fd, ("%s %s\n" % (kind, name)).encode("utf-8", "surrogateescape"))
        except OSError:
            pass

    for name in list(sys.modules):  # loaded before this point (start-up, site, .pth files), in that order
        emit("import", name)

    class OxpackProfileObserver:
        @staticmethod
        def find_spec(name, path=None, target=None):
            emit("import", name)
            return None

        @staticmethod
        def invalidate_caches():
            pass

    sys.meta_path.insert(0, OxpackProfileObserver)

    def audit(event, args):
        if event != "open" or busy[0] or not args or not isinstance(args[0], (str, bytes)):
            return
        mode = args[1] if len(args) > 1 else None
        flags = args[2] if len(args) > 2 else 0
        if isinstance(mode, str):
            if any(c in mode for c in "wax+"):
                return
        elif isinstance(flags, int) and flags & 3 != os.O_RDONLY:
            return
        busy[0] = True
        try:
            path = fsdecode(args[0])
            if not path.endswith(".pyc"):  # a module's own code: recorded as its import
                emit("open", abspath(path))
        except Exception:
            pass
        finally:
            busy[0] = False

    sys.addaudithook(audit)


_oxpack_record()
del _oxpack_record

# The environment's own sitecustomize, if any, runs as it would have.
del sys.modules["sitecustomize"]
try:
    import sitecustomize  # noqa: F401
except ImportError as e:
    if e.name != "sitecustomize":
        raise
)PY";

bool read_file(const fs::path& p, std::string& out) {
    std::ifstream f(p, std::ios::binary);
    if (!f) return false;
    std::ostringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    return true;
}

}  // namespace

std::string_view recorder_source() { return kRecorder; }

std::vector<ProfileEvent> parse_profile(std::string_view text, const std::string& where) {
    std::vector<ProfileEvent> events;
    std::set<std::pair<int, std::string>> seen;
    size_t line_no = 0, start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        start = end + 1;
        ++line_no;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        if (line.empty() || line.front() == '#') continue;
        ProfileEvent e;
        size_t space = line.find(' ');
        std::string_view word = line.substr(0, space);
        std::string_view rest = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
        if (word == "import" && !rest.empty()) {
            e.kind = ProfileEvent::Import;
            e.name = std::string(rest);
        } else if (word == "open" && !rest.empty()) {
            e.kind = ProfileEvent::Open;
            e.name = std::string(rest);
            if (e.name.front() != '/')
                throw Failure(Exit::BadInput, where + ":" + std::to_string(line_no) + ": 'open' needs an absolute path");
        } else if (space == std::string_view::npos) {
            e.kind = ProfileEvent::Import;  // a bare module name
            e.name = std::string(line);
        } else {
            throw Failure(Exit::BadInput, where + ":" + std::to_string(line_no) +
                                              ": expected 'import MODULE', 'open PATH' or a module name, got '" +
                                              std::string(line.substr(0, 80)) + "'");
        }
        if (e.kind == ProfileEvent::Import && e.name.find_first_of(" /\t") != std::string::npos)
            throw Failure(Exit::BadInput, where + ":" + std::to_string(line_no) + ": '" + e.name +
                                              "' is not a module name");
        if (seen.emplace(e.kind, e.name).second) events.push_back(std::move(e));
    }
    return events;
}

std::string format_profile(const std::vector<ProfileEvent>& events) {
    std::string out = "# oxpack start-up profile: what one run imported and opened, first use first\n";
    for (const auto& e : events) {
        out += e.kind == ProfileEvent::Import ? "import " : "open ";
        out += e.name;
        out += '\n';
    }
    return out;
}

ProfileRun record_profile(const std::vector<std::string>& argv, double timeout_seconds) {
    if (argv.empty()) throw Failure(Exit::Usage, "--profile: no command to run");
    // A private temporary directory: the recorder, its output, the command's output.
    std::string tmpl = (fs::temp_directory_path() / "oxpack-profile-XXXXXX").string();
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) == nullptr)
        throw Failure(Exit::Io, "cannot create a temporary directory: " + std::string(std::strerror(errno)));
    const fs::path dir(buf.data());
    struct Cleanup {
        fs::path dir;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
    } cleanup{dir};
    {
        std::ofstream f(dir / "sitecustomize.py", std::ios::binary);
        f << kRecorder;
        if (!f) throw Failure(Exit::Io, (dir / "sitecustomize.py").string() + ": cannot write");
    }
    const fs::path events_file = dir / "events", output_file = dir / "output";

    // The environment as it is, plus the recorder first on PYTHONPATH.
    std::vector<std::string> env_strings;
    std::string pythonpath = dir.string();
    for (char** e = environ; *e != nullptr; ++e) {
        std::string_view kv(*e);
        if (kv.rfind("PYTHONPATH=", 0) == 0) {
            if (kv.size() > 11) pythonpath += ":" + std::string(kv.substr(11));
            continue;
        }
        if (kv.rfind("OXPACK_PROFILE_OUT=", 0) == 0) continue;
        env_strings.emplace_back(kv);
    }
    env_strings.push_back("PYTHONPATH=" + pythonpath);
    env_strings.push_back("OXPACK_PROFILE_OUT=" + events_file.string());
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, args[0], &fa, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw Failure(Exit::BadInput, "--profile: " + argv[0] + ": cannot run: " + std::strerror(rc));

    ProfileRun run;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
    int status = 0;
    bool terminated = false;
    for (;;) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) {
            status = 0;
            break;
        }
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            // The whole process group: servers, and what they started.
            ::kill(-pid, terminated ? SIGKILL : SIGTERM);
            run.timed_out = true;
            deadline = now + std::chrono::seconds(2);
            terminated = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(-pid, SIGKILL);  // children left behind by the command
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::string text;
    if (read_file(output_file, text)) run.output_tail = text.size() > 2000 ? text.substr(text.size() - 2000) : text;
    if (read_file(events_file, text)) run.events = parse_profile(text, "recorded profile");
    return run;
}

}  // namespace oxpack::freeze
