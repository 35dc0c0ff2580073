// oxpack run: run a module, a script or a command with a blob installed,
// without changing the program: oxpack run app.oxr [-W...|-X...|-O|-B|-u|
// -E|-I|-s...] -m pkg.main [args...]. It picks an interpreter matching the
// blob's target, finds the oxpack_runtime built for it, exports OXPACK_BLOB
// (so children whose environment has the .pth hook keep the blob), and
// replaces itself with that interpreter, given the interpreter options,
// running run_bootstrap.py.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "commands.hpp"
#include "util/error.hpp"
#include "output.hpp"
#include "run_bootstrap_py.hpp"
#include "runtime_files.hpp"

namespace oxpack::cli {
namespace {

// Interpreter options `python` takes before the program, passed through as
// given: flags that may be combined ("-OO", "-Es", "-IS") and the two that
// take a value, attached ("-Wignore") or next ("-W ignore").
constexpr std::string_view kFlagLetters = "bBdEiIOPqsSuvx";
constexpr std::string_view kValueLetters = "WX";

// Moves the interpreter options at the front of `rest` into `out`; returns
// the index of the program (-m, -c or SCRIPT). Throws a usage error for an
// option python does not take here.
size_t take_interpreter_options(const std::vector<std::string>& rest, std::vector<std::string>& out) {
    size_t i = 0;
    while (i < rest.size()) {
        const std::string& a = rest[i];
        if (a == "-m" || a == "-c" || a.size() < 2 || a[0] != '-' || a[1] == '-') break;
        if (kValueLetters.find(a[1]) != std::string_view::npos) {
            out.push_back(a);
            if (a.size() == 2) {
                if (i + 1 >= rest.size()) throw Failure(Exit::Usage, "run: " + a + " needs an argument");
                out.push_back(rest[++i]);
            }
            ++i;
            continue;
        }
        for (size_t k = 1; k < a.size(); ++k)
            if (kFlagLetters.find(a[k]) == std::string_view::npos)
                throw Failure(Exit::Usage, "run: unknown option '" + a + "' (interpreter options: -" +
                                               std::string(kFlagLetters) + ", -W ARG, -X OPT; then -m MODULE, -c "
                                               "CODE or SCRIPT)");
        out.push_back(a);
        ++i;
    }
    return i;
}

}  // namespace

Action setup_run(CLI::App& app) {
    struct Opts {
        std::string blob, python, origin, files, lazy, stale = "warn", verify = "pages";
    };
    auto o = std::make_shared<Opts>();
    app.add_option("BLOB", o->blob, "The blob to install")->required();
    app.add_option("--python", o->python, "Interpreter to run (default: one matching the blob's target)");
    app.add_option("--origin", o->origin, "__file__ mode: original or blob (default: the blob's)")
        ->check(CLI::IsMember({"original", "blob"}));
    app.add_option("--files", o->files,
                   "Serve the frozen roots' files by path from the blob: blob or disk (default: blob in blob mode)")
        ->check(CLI::IsMember({"blob", "disk"}));
    app.add_option("--stale", o->stale, "When the environment changed since the freeze: warn, error, ignore")
        ->check(CLI::IsMember({"warn", "error", "ignore"}));
    app.add_option("--verify", o->verify,
                   "When to check the index checksums: pages (each index page when first read; the default), "
                   "index (all of it every start), once (all of it at the first start with this file), "
                   "header (never; payloads are checked when read)")
        ->check(CLI::IsMember({"pages", "index", "once", "header"}));
    app.add_option("--lazy", o->lazy,
                   "Run module bodies on first use: auto (the blob's recorded lazy set, freeze --lazy-include) or "
                   "comma-separated module-name globs ('sympy*,docutils.*')");
    // Everything from the interpreter options and the program on (-m MODULE,
    // -c CODE, SCRIPT) is python's and the program's.
    app.prefix_command();
    app.fallthrough(false);
    CLI::App* self = &app;
    return [o, self]() -> int {
        std::vector<std::string> rest = self->remaining();
        std::vector<std::string> python_options;
        const size_t at = take_interpreter_options(rest, python_options);
        if (at >= rest.size()) throw Failure(Exit::Usage, "run: name what to run: -m MODULE, -c CODE or SCRIPT");
        std::string mode, target;
        size_t first_arg = at + 1;
        if (rest[at] == "-m" || rest[at] == "-c") {
            if (rest.size() < at + 2) throw Failure(Exit::Usage, "run: " + rest[at] + " needs an argument");
            mode = rest[at];
            target = rest[at + 1];
            first_arg = at + 2;
        } else {
            mode = "script";
            target = rest[at];
            if (!std::filesystem::exists(target)) throw Failure(Exit::BadInput, target + ": no such script");
        }

        auto blob = open_blob(o->blob);
        auto info = unwrap(blob.info(), Exit::BadInput);
        std::string tag = info.target.cache_tag;
        std::string python = o->python;
        if (python.empty()) {
            python = find_interpreter(tag, info.target.python_version);
        } else {
            auto got = interpreter_cache_tag(python);
            if (!got) throw Failure(Exit::BadInput, python + ": cannot run this interpreter");
            if (!tag.empty() && *got != tag)
                throw Failure(Exit::BadInput, o->blob + ": built for " + info.target.python_version + " (" + tag +
                                                  "), but " + python + " is " + *got);
            tag = *got;
        }
        std::string ext = find_runtime_extension(tag).value_or("");
        std::string blob_path = std::filesystem::absolute(o->blob).lexically_normal().string();

        ::setenv("OXPACK_BLOB", blob_path.c_str(), 1);
        if (!o->origin.empty()) ::setenv("OXPACK_ORIGIN", o->origin.c_str(), 1);
        if (o->stale != "warn") ::setenv("OXPACK_STALE", o->stale.c_str(), 1);
        if (o->verify != "pages") ::setenv("OXPACK_VERIFY", o->verify.c_str(), 1);
        if (!o->files.empty()) ::setenv("OXPACK_FILES", o->files.c_str(), 1);
        if (!o->lazy.empty()) ::setenv("OXPACK_LAZY", o->lazy.c_str(), 1);
        std::vector<std::string> argv = {python};
        argv.insert(argv.end(), python_options.begin(), python_options.end());
        const std::string bootstrap(reinterpret_cast<const char*>(kRunBootstrap), kRunBootstrap_size);
        for (const std::string& a : {std::string("-c"), bootstrap, ext, blob_path, o->origin, o->stale, o->verify,
                                     o->files, o->lazy, mode, target})
            argv.push_back(a);
        argv.insert(argv.end(), rest.begin() + static_cast<std::ptrdiff_t>(first_arg), rest.end());
        std::vector<char*> cargv;
        for (auto& a : argv) cargv.push_back(a.data());
        cargv.push_back(nullptr);
        ::execvp(python.c_str(), cargv.data());
        throw Failure(Exit::BadInput, python + ": cannot run: " + std::strerror(errno));
    };
}

}  // namespace oxpack::cli
