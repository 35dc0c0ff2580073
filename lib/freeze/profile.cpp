#include "freeze/profile.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "profile_recorder_py.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

extern char** environ;  // the recorded command's environment, plus the recorder

namespace oxpack::freeze {
namespace {

namespace fs = std::filesystem;

bool read_file(const fs::path& p, std::string& out) {
    std::ifstream f(p, std::ios::binary);
    if (!f) return false;
    std::ostringstream ss;
    ss << f.rdbuf();
    out = ss.str();
    return true;
}

}  // namespace

// lib/freeze/profile_recorder.py, embedded by the build.
std::string_view recorder_source() {
    return {reinterpret_cast<const char*>(kProfileRecorder), kProfileRecorder_size};
}

namespace {

struct EventWord {
    std::string_view word;
    ProfileEvent::Kind kind;
    bool has_detail;  // the rest of the line after the name
};
constexpr EventWord kWords[] = {
    {"import", ProfileEvent::Import, false}, {"open", ProfileEvent::Open, false},
    {"ran", ProfileEvent::Ran, true},        {"failed", ProfileEvent::Failed, false},
    {"touched", ProfileEvent::Touched, true}, {"effect", ProfileEvent::Effect, true},
};

std::string_view word_of(ProfileEvent::Kind k) {
    for (const auto& w : kWords)
        if (w.kind == k) return w.word;
    return "import";
}

}  // namespace

std::vector<ProfileEvent> parse_profile(std::string_view text, const std::string& where) {
    std::vector<ProfileEvent> events;
    std::set<std::string> seen;
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
        auto at = [&] { return where + ":" + std::to_string(line_no) + ": "; };
        ProfileEvent e;
        size_t space = line.find(' ');
        std::string_view word = line.substr(0, space);
        std::string_view rest = space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
        const EventWord* known = nullptr;
        for (const auto& w : kWords)
            if (w.word == word) known = &w;
        if (known != nullptr && !rest.empty()) {
            e.kind = known->kind;
            if (e.kind == ProfileEvent::Open) {
                e.name = std::string(rest);
                if (e.name.front() != '/') throw Failure(Exit::BadInput, at() + "'open' needs an absolute path");
            } else {
                size_t sp = rest.find(' ');
                e.name = std::string(rest.substr(0, sp));
                if (sp != std::string_view::npos) e.detail = std::string(rest.substr(sp + 1));
                if (known->has_detail && e.detail.empty())
                    throw Failure(Exit::BadInput, at() + "'" + std::string(word) + " " + e.name + "' says too little");
                if (!known->has_detail && !e.detail.empty())
                    throw Failure(Exit::BadInput, at() + "'" + e.name + "' is not a module name");
            }
        } else if (space == std::string_view::npos) {
            e.kind = ProfileEvent::Import;  // a bare module name
            e.name = std::string(line);
        } else {
            throw Failure(Exit::BadInput, at() + "expected 'import MODULE', 'open PATH' or a module name, got '" +
                                              std::string(line.substr(0, 80)) + "'");
        }
        if (e.kind != ProfileEvent::Open && e.name.find_first_of(" /\t") != std::string::npos)
            throw Failure(Exit::BadInput, at() + "'" + e.name + "' is not a module name");
        std::string key = std::string(word_of(e.kind)) + ' ' + e.name;
        if (e.kind == ProfileEvent::Effect) key += ' ' + e.detail;
        if (seen.insert(std::move(key)).second) events.push_back(std::move(e));
    }
    return events;
}

std::string format_profile(const std::vector<ProfileEvent>& events) {
    std::string out = "# oxpack start-up profile: what one run imported and opened, first use first\n";
    for (const auto& e : events) {
        out += word_of(e.kind);
        out += ' ';
        out += e.name;
        if (!e.detail.empty()) {
            out += ' ';
            out += e.detail;
        }
        out += '\n';
    }
    return out;
}

namespace {

// A private temporary directory: the injected sitecustomize.py, the
// command's output and what the program writes.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "oxpack-profile-XXXXXX").string();
        std::vector<char> buf(tmpl.begin(), tmpl.end());
        buf.push_back('\0');
        if (::mkdtemp(buf.data()) == nullptr)
            throw Failure(Exit::Io, "cannot create a temporary directory: " + std::string(std::strerror(errno)));
        path = buf.data();
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// `argv` with `program` as the sitecustomize.py of a directory put first on
// PYTHONPATH, and `env` ("KEY=VALUE", replacing the same keys) added.
InjectedRun run_in(const fs::path& dir, const std::vector<std::string>& argv, std::string_view program,
                   const std::vector<std::string>& env, double timeout_seconds) {
    if (argv.empty()) throw Failure(Exit::Usage, "--profile: no command to run");
    {
        std::ofstream f(dir / "sitecustomize.py", std::ios::binary);
        f << program;
        if (!f) throw Failure(Exit::Io, (dir / "sitecustomize.py").string() + ": cannot write");
    }
    auto replaced = [&](std::string_view kv) {
        return std::any_of(env.begin(), env.end(), [&](const std::string& mine) {
            size_t eq = mine.find('=');
            return kv.size() > eq && kv.compare(0, eq + 1, mine, 0, eq + 1) == 0;
        });
    };
    std::vector<std::string> env_strings;
    std::string pythonpath = dir.string();
    for (char** e = environ; *e != nullptr; ++e) {
        std::string_view kv(*e);
        if (kv.rfind("PYTHONPATH=", 0) == 0) {
            if (kv.size() > 11) pythonpath += ":" + std::string(kv.substr(11));
            continue;
        }
        if (!replaced(kv)) env_strings.emplace_back(kv);
    }
    env_strings.push_back("PYTHONPATH=" + pythonpath);
    env_strings.insert(env_strings.end(), env.begin(), env.end());
    const fs::path output_file = dir / "output";
    InjectedRun run;
    try {
        auto r = util::run_in_group(argv, env_strings, output_file.string(), timeout_seconds);
        run.exit_code = r.exit_code;
        run.timed_out = r.timed_out;
    } catch (const Failure& f) {
        throw Failure(f.code(), "--profile: " + std::string(f.what()));
    }
    read_file(output_file, run.output);
    return run;
}

}  // namespace

ProfileRun record_profile(const std::vector<std::string>& argv, double timeout_seconds, bool lazy_analysis) {
    TempDir dir;
    const fs::path events_file = dir.path / "events";
    InjectedRun r = run_in(dir.path, argv, recorder_source(),
                           {"OXPACK_PROFILE_OUT=" + events_file.string(),
                            std::string("OXPACK_PROFILE_LAZY=") + (lazy_analysis ? "1" : "")},
                           timeout_seconds);
    ProfileRun run;
    run.exit_code = r.exit_code;
    run.timed_out = r.timed_out;
    run.output_tail = r.output.size() > 2000 ? r.output.substr(r.output.size() - 2000) : r.output;
    std::string text;
    if (read_file(events_file, text)) run.events = parse_profile(text, "recorded profile");
    return run;
}

InjectedRun run_injected(const std::vector<std::string>& argv, std::string_view sitecustomize,
                         const std::vector<std::string>& env, double timeout_seconds) {
    TempDir dir;
    return run_in(dir.path, argv, sitecustomize, env, timeout_seconds);
}

}  // namespace oxpack::freeze
