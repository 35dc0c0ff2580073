#include "freeze/profile.hpp"

#include <unistd.h>

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
        f << recorder_source();
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
    ProfileRun run;
    try {
        auto r = util::run_in_group(argv, env_strings, output_file.string(), timeout_seconds);
        run.exit_code = r.exit_code;
        run.timed_out = r.timed_out;
    } catch (const Failure& f) {
        throw Failure(f.code(), "--profile: " + std::string(f.what()));
    }
    std::string text;
    if (read_file(output_file, text)) run.output_tail = text.size() > 2000 ? text.substr(text.size() - 2000) : text;
    if (read_file(events_file, text)) run.events = parse_profile(text, "recorded profile");
    return run;
}

}  // namespace oxpack::freeze
